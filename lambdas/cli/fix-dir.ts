/**
 * `tmc-health check --fix-dir <dir>`: each IRSA correction's trust policy written to `<dir>/<roleName>.json`, ready
 * for `aws iam update-assume-role-policy --role-name <roleName> --policy-document file://<dir>/<roleName>.json`.
 * Loaded with import() only when the flag is given: no other command pays for node:fs here.
 *
 * A file name is only ever a role name IAM accepts (`[\w+=,.@-]{1,64}`: no slash, so no way out of the directory)
 * plus `.json`, and a file is opened without following a symbolic link at its name: what a run writes stays in
 * the directory given, whatever a finding or the directory holds.
 */
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Finding, IrsaCorrection } from '../core/finding';
import { cleanLine } from '../core/untrusted-text';
import { CliError, EXIT } from './exit-codes';

/** IAM's pattern for a role name. */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

export interface FixDirResult {
  /** What to print: one paragraph per role, each the file written (or why none) and the command to apply it. */
  readonly lines: readonly string[];
  readonly written: readonly string[];
}

/** A path as a POSIX shell word: quoted unless it needs none. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The corrections of `findings`, one per role (every finding of a role carries the same one), in order. */
export function correctionsOf(findings: readonly Finding[]): IrsaCorrection[] {
  const byRole = new Map<string, IrsaCorrection>();
  for (const finding of findings) {
    const correction = finding.correction;
    if (correction && !byRole.has(correction.roleName)) byRole.set(correction.roleName, correction);
  }
  return [...byRole.values()];
}

async function writeNoFollow(path: string, text: string): Promise<void> {
  const handle = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0),
    0o644,
  );
  try {
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}

function failure(what: string, error: unknown): CliError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CliError(EXIT.ERROR, cleanLine(`--fix-dir: ${what}: ${reason}`));
}

/**
 * Writes the corrections' documents under `dir` (created if missing). A correction whose role name IAM would not
 * accept, or that has no document (over IAM's size limit), is not written: the lines say so, naming the role.
 */
export async function writeCorrections(dir: string, findings: readonly Finding[]): Promise<FixDirResult> {
  const corrections = correctionsOf(findings);
  if (corrections.length === 0) {
    return {
      lines: ['--fix-dir: no IRSA finding of this run has a trust policy correction; nothing written.'],
      written: [],
    };
  }
  const root = resolve(dir);
  try {
    await mkdir(root, { recursive: true });
  } catch (error) {
    throw failure(`cannot create the directory ${dir}`, error);
  }
  const lines: string[] = [];
  const written: string[] = [];
  for (const correction of corrections) {
    const name = correction.roleName;
    if (!ROLE_NAME_PATTERN.test(name) || basename(`${name}.json`) !== `${name}.json`) {
      lines.push(
        cleanLine(
          `Not written: '${name}' is not an IAM role name (1 to 64 of letters, digits and + = , . @ _ -), so it is no file name under ${dir}.`,
        ),
      );
      continue;
    }
    if (correction.trustPolicy === undefined) {
      lines.push(cleanLine(`Not written: role ${name} has no document to apply. ${correction.note}`));
      continue;
    }
    const path = join(root, `${name}.json`);
    const shown = join(dir, `${name}.json`);
    try {
      await writeNoFollow(path, `${JSON.stringify(correction.trustPolicy, null, 2)}\n`);
    } catch (error) {
      throw failure(`cannot write ${shown}`, error);
    }
    written.push(path);
    const fill =
      correction.placeholders.length > 0
        ? ` Fill in ${correction.placeholders.join(', ')} first (see the finding's correction.note).`
        : '';
    lines.push(
      cleanLine(`Wrote ${shown}: the whole trust policy of role ${name}.${fill} Apply it with:`),
      `  aws iam update-assume-role-policy --role-name ${name} --policy-document ${shellWord(`file://${shown}`)}`,
    );
  }
  return { lines, written };
}

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * scripts/with-moto.sh checks the Python version before it creates the venv: the pinned test tools need 3.11+, and
 * pip would only fail after minutes of downloads. Run against a fake interpreter (a shell script answering the
 * version query like python would and logging every call), so no venv, pip or moto is involved.
 */
const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'with-moto.sh');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'with-moto-python-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A `python` that prints `version` for a sys.version_info query and fails anything else; every call is logged. */
function fakePython(version: string): { readonly path: string; readonly calls: () => string[] } {
  const path = join(dir, 'fake-python');
  const log = join(dir, 'calls.log');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `printf '%s\\n' "$*" >> '${log}'`,
      'case "$*" in',
      `  *version_info*) echo '${version}' ;;`,
      '  *) echo "fake python: not a version query" >&2; exit 97 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return {
    path,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

function runWithMoto(python: string) {
  const venv = join(dir, 'venv');
  const run = spawnSync('bash', [SCRIPT, 'true'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHON: python, MOTO_VENV: venv, TMPDIR: dir },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: run.status, stderr: run.stderr, venvCreated: existsSync(venv) };
}

describe('with-moto.sh refuses a Python older than 3.11 before creating the venv', () => {
  it.each(['3.9.18', '3.10.13', '2.7.18'])(
    'Python %s: exit 2 at once, naming the version and the fix',
    (version) => {
      const python = fakePython(version);
      const run = runWithMoto(python.path);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`is Python ${version}`);
      expect(run.stderr).toContain('Python 3.11 or later is needed');
      expect(run.stderr).toContain('PYTHON=python3.11 npm test');
      // Only the version query ran: no hashing, no `-m venv`, no pip.
      expect(python.calls()).toHaveLength(1);
      expect(python.calls()[0]).toContain('version_info');
      expect(run.venvCreated).toBe(false);
    },
  );

  it('a missing interpreter: exit 2 naming it', () => {
    const run = runWithMoto(join(dir, 'no-such-python'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`PYTHON=${join(dir, 'no-such-python')} was not found`);
    expect(run.stderr).toContain('PYTHON=python3.11 npm test');
    expect(run.venvCreated).toBe(false);
  });

  it('an interpreter that does not answer the version query: exit 2 quoting its answer', () => {
    const python = fakePython('pyenv: python3.9: command not found');
    const run = runWithMoto(python.path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'did not say its version (it answered: pyenv: python3.9: command not found)',
    );
    expect(run.venvCreated).toBe(false);
  });

  it.each(['3.11.0', '3.12.1', '4.0.0'])('Python %s passes the check and goes on to the venv', (version) => {
    const python = fakePython(version);
    const run = runWithMoto(python.path);

    expect(run.stderr).not.toContain('or later is needed');
    expect(run.code).not.toBe(2);
    // It went on past the check (the fake then refuses the venv bootstrap's next call).
    expect(python.calls().length).toBeGreaterThan(1);
  });
});

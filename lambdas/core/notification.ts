import {
  alignedLines,
  banner,
  cleanLine,
  cleanText,
  compare,
  distinct,
  fitSections,
  orderRegions,
  plural,
  truncate,
  utf8Bytes,
  type TextSection,
} from './plain-text';
import {
  isProblem,
  severityRank,
  STATUSES,
  worstSeverity,
  type Finding,
  type Severity,
  type Status,
} from './finding';
import type { RunInfo } from './publishing';
import { quoteUntrusted } from './untrusted-text';

/**
 * Turns one run's findings into the human notification (SNS email and friends). Pure: no AWS SDK, no clock, so
 * the exact text can be unit tested and previewed by the CLI.
 */

/** SNS: subjects are ASCII, no line breaks or control characters, and must be under 100 characters. */
export const SUBJECT_MAX_LENGTH = 99;
/** SNS's message size limit; message attributes count towards it. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** Head-room for SNS's own accounting, which we cannot reproduce to the byte. */
export const SIZE_MARGIN_BYTES = 2_048;
/** One evidence value longer than this is cut in the email; the EventBridge event keeps it whole. */
export const MAX_EVIDENCE_VALUE_CHARS = 1_000;
const MAX_EVIDENCE_KEYS = 50;
/** Lines in the short text (SNS `default`): enough for a chat message, not a wall of text. */
export const SHORT_TEXT_MAX_LINES = 20;
export const SHORT_TEXT_MAX_LINE_CHARS = 200;

/**
 * Evidence keys through which a check says "I could not decide because this API call failed" (the evaluation
 * writes `error: describeFailure(...)`). Such ERROR findings add nothing beyond the `checker.error` finding for
 * that call, which carries the remediation, so the email lists them one line each.
 */
export const DEPENDENCY_EVIDENCE_KEYS = ['error', 'failedOperation', 'dependsOn'] as const;
const MAX_DEPENDENCY_CHARS = 240;

export interface NotificationAttributes {
  readonly severity: Severity;
  readonly checkId: readonly string[];
  readonly credentialName?: readonly string[];
  readonly status: readonly Status[];
}

/** Mirrors SNS's MessageAttributeValue for string types, without depending on the SDK. */
export interface SnsStringAttribute {
  readonly DataType: 'String' | 'String.Array';
  readonly StringValue: string;
}

export interface RunNotification {
  readonly subject: string;
  /** SNS `default`: SQS, Lambda, HTTP, SMS and chat subscribers. Short; machines should use the events. */
  readonly shortText: string;
  /** SNS `email`: the full report. */
  readonly body: string;
  readonly attributes: NotificationAttributes;
  readonly messageAttributes: Readonly<Record<string, SnsStringAttribute>>;
  /** The `MessageStructure: 'json'` payload: `{"default": shortText, "email": body}`. */
  readonly message: string;
  readonly problemCount: number;
  /** Problems left out of the email body to respect the size limit. */
  readonly omittedProblemCount: number;
}

export interface NotificationOptions {
  /** Defaults to SNS's limit; lowered in tests. */
  readonly maxMessageBytes?: number;
}

/** Undefined when there is nothing to tell anyone: every finding passed (or there were none). */
export function formatRunNotification(
  findings: readonly Finding[],
  run: RunInfo,
  options: NotificationOptions = {},
): RunNotification | undefined {
  const problems = sortProblems(findings);
  if (problems.length === 0) return undefined;
  const attributes = notificationAttributes(problems);
  const messageAttributes = toSnsMessageAttributes(attributes);
  const subject = formatSubject(problems, run);
  const shortText = formatShortText(subject, findings, problems, run);

  const maxBytes = (options.maxMessageBytes ?? SNS_MAX_MESSAGE_BYTES) - SIZE_MARGIN_BYTES;
  const fixedBytes =
    attributeBytes(messageAttributes) + utf8Bytes(JSON.stringify({ default: shortText, email: '' }));
  const { text: body, omitted } = formatBody(findings, problems, run, maxBytes - fixedBytes);
  return {
    subject,
    shortText,
    body,
    attributes,
    messageAttributes,
    message: JSON.stringify({ default: shortText, email: body }),
    problemCount: problems.length,
    omittedProblemCount: omitted,
  };
}

/** Problems only: FAIL before ERROR, then most severe first; the rest of the key keeps the order stable. */
export function sortProblems(findings: readonly Finding[]): Finding[] {
  const statusRank = (status: Status): number => STATUSES.indexOf(status);
  return findings
    .filter(isProblem)
    .sort(
      (a, b) =>
        statusRank(a.status) - statusRank(b.status) ||
        severityRank(a.severity) - severityRank(b.severity) ||
        compare(a.tmc?.credentialName ?? '', b.tmc?.credentialName ?? '') ||
        compare(a.region, b.region) ||
        compare(a.title, b.title) ||
        compare(a.findingId, b.findingId),
    );
}

// ---------------------------------------------------------------------------------------------- subject

/** ASCII only, no control characters, single spaces, at most SUBJECT_MAX_LENGTH characters, never empty. */
export function sanitizeSubject(text: string): string {
  return truncate(toSubjectText(text), SUBJECT_MAX_LENGTH) || 'TMC health notification';
}

/**
 * `[HIGH] TMC health: tmc.event-rule.disabled (us-west-2)`, or `[HIGH] TMC health: 3 problems in 2 credentials
 * (us-west-2, eu-west-1)`. Only what the checker owns: severity, check id, counts, region names. Never a title,
 * credential name or other text from AWS data: a subject is what people triage on before opening anything, and a
 * caller's `sub` or a tag value there could pass for the checker's own verdict ("RESOLVED - no action needed").
 */
export function formatSubject(problems: readonly Finding[], run: RunInfo): string {
  const [first] = problems;
  if (!first) return sanitizeSubject('TMC health: no problems');
  const tag = `[${worstSeverity(problems.map((p) => p.severity)) ?? first.severity}]`;
  const credentials = distinct(problems.flatMap((p) => (p.tmc ? [p.tmc.credentialName] : [])));
  const scope = credentials.length > 0 ? ` in ${plural(credentials.length, 'credential')}` : '';
  const what = problems.length === 1 ? first.checkId : `${plural(problems.length, 'problem')}${scope}`;
  const head = toSubjectText(`${tag} TMC health: ${what}`);
  const regions = subjectRegions(
    orderRegions(
      problems.map((p) => p.region),
      run.regions,
    ),
  );
  for (let shown = regions.named.length; shown >= 1; shown--) {
    const more = regions.named.length - shown + regions.others;
    const list = regions.named.slice(0, shown).join(', ') + (more > 0 ? `, +${more} more` : '');
    const candidate = `${head} (${list})`;
    if (candidate.length <= SUBJECT_MAX_LENGTH) return candidate;
  }
  return sanitizeSubject(head);
}

/** What an AWS region name (or the global pseudo-region) looks like: anything else is counted, not named. */
const REGION_NAME = /^(?:[a-z]{2}(?:-[a-z]{1,10}){1,3}-\d{1,2}|global)$/;

/**
 * The regions a subject may name: those shaped like AWS region names, in the order given; the others (a member
 * report's region field is free text) only counted.
 */
export function subjectRegions(regions: readonly string[]): { named: string[]; others: number } {
  const named = regions.filter((region) => region.length <= 32 && REGION_NAME.test(region));
  return { named, others: regions.length - named.length };
}

export function toSubjectText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) out += ' ';
    else if (code > 0x7e) out += '?';
    else out += char;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

// ------------------------------------------------------------------------------------------ attributes

/** For SNS subscription filter policies, e.g. route only CRITICAL, or only one credential, to a pager. */
export function notificationAttributes(problems: readonly Finding[]): NotificationAttributes {
  const sorted = sortProblems(problems);
  const credentials = boundedAttributeList(
    distinct(sorted.flatMap((p) => (p.tmc ? [p.tmc.credentialName] : []))),
  );
  return {
    severity: worstSeverity(sorted.map((p) => p.severity)) ?? 'INFORMATIONAL',
    checkId: distinct(sorted.map((p) => p.checkId)),
    ...(credentials.length > 0 ? { credentialName: credentials } : {}),
    status: STATUSES.filter((status) => sorted.some((p) => p.status === status)),
  };
}

export function toSnsMessageAttributes(
  attributes: NotificationAttributes,
): Record<string, SnsStringAttribute> {
  const list = (values: readonly string[]): SnsStringAttribute => ({
    DataType: 'String.Array',
    StringValue: JSON.stringify(values),
  });
  return {
    severity: { DataType: 'String', StringValue: attributes.severity },
    checkId: list(attributes.checkId),
    ...(attributes.credentialName ? { credentialName: list(attributes.credentialName) } : {}),
    status: list(attributes.status),
  };
}

/** A credential name longer than this is left out of the `credentialName` attribute: no TMC name is this long. */
export const MAX_ATTRIBUTE_VALUE_CHARS = 256;
/** Most bytes the names of one `credentialName` attribute may take; the names past it are left out. */
export const MAX_ATTRIBUTE_LIST_BYTES = 16 * 1024;

/**
 * The names a list attribute carries, in the order given (worst first), within MAX_ATTRIBUTE_VALUE_CHARS each and
 * MAX_ATTRIBUTE_LIST_BYTES in all. The names come from tags and member reports: unbounded, they would make the
 * message too large for SNS. A name left out matches no filter policy; the email still shows it.
 */
export function boundedAttributeList(values: readonly string[]): string[] {
  const kept: string[] = [];
  let bytes = 2;
  for (const value of values) {
    if (value.length > MAX_ATTRIBUTE_VALUE_CHARS) continue;
    const cost = utf8Bytes(JSON.stringify(value)) + 1;
    if (bytes + cost > MAX_ATTRIBUTE_LIST_BYTES) break;
    kept.push(value);
    bytes += cost;
  }
  return kept;
}

/** What SNS counts against its 256 KB limit for one Publish: the message, the subject and every attribute. */
export function snsPublishBytes(message: {
  readonly subject: string;
  readonly message: string;
  readonly messageAttributes: Readonly<Record<string, SnsStringAttribute>>;
}): number {
  return utf8Bytes(message.message) + utf8Bytes(message.subject) + attributeBytes(message.messageAttributes);
}

export function attributeBytes(attributes: Readonly<Record<string, SnsStringAttribute>>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) => sum + utf8Bytes(name) + utf8Bytes(value.DataType) + utf8Bytes(value.StringValue),
    0,
  );
}

// -------------------------------------------------------------------------------------------- short text

function formatShortText(
  subject: string,
  findings: readonly Finding[],
  problems: readonly Finding[],
  run: RunInfo,
): string {
  const lines = problems.slice(0, SHORT_TEXT_MAX_LINES).map((p) => {
    const where = [p.tmc?.credentialName, p.region].filter(Boolean).join(', ');
    return truncate(
      cleanLine(`- [${p.status} ${p.severity}] ${p.title} (${where})`),
      SHORT_TEXT_MAX_LINE_CHARS,
    );
  });
  const more = problems.length - lines.length;
  return [
    subject,
    `Account ${run.accountId}, run ${run.runId} started ${run.startedAt}: ${statusCounts(findings)}.`,
    ...lines,
    ...(more > 0 ? [`... and ${more} more`] : []),
    'Details: the email notification, or the "TMC Health Finding" events on EventBridge.',
  ].join('\n');
}

// -------------------------------------------------------------------------------------------------- body

/** The email. Sections are added whole until the byte budget (JSON-escaped, as SNS will see it) runs out. */
export function formatBody(
  findings: readonly Finding[],
  problems: readonly Finding[],
  run: RunInfo,
  budgetBytes: number,
): { text: string; omitted: number } {
  const header = formatHeader(findings, problems, run);
  const footer = `\n--\nSent by tmc-health-checker, run ${run.runId}. Every finding, PASS included, is also published to EventBridge (source tmc-health, detail-type "TMC Health Finding").\n`;
  const sections = bodySections(problems);
  const omissionLine = (count: number): string =>
    `\n... and ${plural(count, 'more problem')} not shown (see the EventBridge events)\n`;

  return fitSections({ header, footer, sections, totalItems: problems.length, omissionLine, budgetBytes });
}

function formatHeader(findings: readonly Finding[], problems: readonly Finding[], run: RunInfo): string {
  return [
    `TMC health check found ${plural(problems.length, 'problem')} in AWS account ${run.accountId}.`,
    '',
    ...alignedLines([
      ['Account', run.accountId],
      ['Regions', run.regions.length > 0 ? run.regions.join(', ') : '(none)'],
      ['Run started', run.startedAt],
      ['Run id', run.runId],
      ['Findings', `${statusCounts(findings)} (${findings.length} total)`],
      ['Worst severity', worstSeverity(problems.map((p) => p.severity)) ?? '-'],
    ]),
    '',
  ].join('\n');
}

/** One section per problem, with headings; dependent ERRORs are collapsed into one-liners after the rest. */
function bodySections(problems: readonly Finding[]): TextSection[] {
  const failed = problems.filter((p) => p.status === 'FAIL');
  const errors = problems.filter((p) => p.status !== 'FAIL');
  const fullErrors = errors.filter((p) => failedDependency(p) === undefined);
  const compactErrors = errors.filter((p) => failedDependency(p) !== undefined);
  const sections: TextSection[] = [];
  let counter = 0;
  const addFull = (list: readonly Finding[], heading: string): void => {
    list.forEach((finding, index) => {
      counter++;
      const prefix = index === 0 ? banner(`${heading} (${list.length})`) : '';
      sections.push({ text: prefix + formatFindingSection(finding, counter), items: 1 });
    });
  };
  addFull(failed, 'FAILED CHECKS');
  addFull(fullErrors, 'CHECKS THAT COULD NOT RUN');
  compactErrors.forEach((finding, index) => {
    counter++;
    const prefix =
      index === 0
        ? banner(`NOT CHECKED BECAUSE AN API CALL FAILED (${compactErrors.length})`) +
          'Unknown until the failed call works again (see the checker.error problems for the fix).\n\n'
        : '';
    sections.push({ text: prefix + formatCompactLine(finding, counter), items: 1 });
  });
  return sections;
}

export interface FindingSectionOptions {
  /** Name the finding's account first (an Organizations hub's digest: changes of many accounts in one message). */
  readonly showAccount?: boolean;
  /**
   * How an IRSA correction is shown: `document` prints the whole trust policy to save and apply; `reference` says
   * where it is instead, with its changes (a section too long for the email); `withheld` names the role only (a
   * hub's digest, which shows no fix another account wrote).
   * @default 'document'
   */
  readonly correction?: CorrectionShown;
}

export type CorrectionShown = 'document' | 'reference' | 'withheld';

export function formatFindingSection(
  finding: Finding,
  number: number,
  options: FindingSectionOptions = {},
): string {
  const indent = '   ';
  const component = finding.tmc?.component ? ` (${finding.tmc.component})` : '';
  const context: [string, string][] = [
    ...(options.showAccount ? [['Account', finding.accountId] as [string, string]] : []),
    // Names from AWS data (a tag value, a role ARN as a caller requested it) are quoted: data, not prose.
    ...(finding.tmc
      ? [['Credential', `${quoteUntrusted(finding.tmc.credentialName)}${component}`] as [string, string]]
      : []),
    ['Region', finding.region],
    ['Resource', `${finding.resource.type} ${quoteUntrusted(finding.resource.name)}`],
    ...(finding.resource.arn ? [['ARN', quoteUntrusted(finding.resource.arn)] as [string, string]] : []),
    ['Check', finding.checkId],
    ['Finding id', finding.findingId],
    ['Observed', finding.observedAt],
  ];
  const evidence = Object.entries(finding.evidence);
  const shownEvidence = evidence.slice(0, MAX_EVIDENCE_KEYS);
  const evidenceLines =
    shownEvidence.length === 0
      ? ['(none)']
      : alignedLines(shownEvidence.map(([key, value]) => [key, formatEvidenceValue(value)]));
  if (evidence.length > shownEvidence.length) {
    evidenceLines.push(`... ${evidence.length - shownEvidence.length} more (see the EventBridge event)`);
  }
  const lines = [
    `${number}. [${finding.status}, ${finding.severity}] ${cleanLine(finding.title)}`,
    // The message and the context embed names from AWS (tag values): one line each, so none can forge a line.
    ...indentBlock(cleanLine(finding.message), indent),
    '',
    ...alignedLines(context.map(([key, value]) => [key, cleanLine(value)])).map((line) => indent + line),
    '',
    `${indent}Evidence:`,
    ...evidenceLines.flatMap((line) => indentBlock(line, indent + '  ')),
    '',
    `${indent}Who can fix it: ${cleanLine(finding.remediation.whoCanFix)}`,
    `${indent}What to do:`,
    ...indentBlock(cleanText(finding.remediation.text), indent + '  '),
    `${indent}Runbook: ${cleanLine(finding.remediation.runbookUrl)}`,
    ...correctionSection(finding, options.correction ?? 'document', indent),
  ];
  return `\n${lines.join('\n')}\n`;
}

/** Changes of a correction listed in the email; the EventBridge event keeps them all. */
const MAX_CORRECTION_CHANGES = 10;

/**
 * The IRSA correction, last in its section: how to apply it, the changes, then the whole trust policy
 * pretty-printed, the command and each JSON line on a line of its own, so they paste as they are (each line
 * cleaned: the serialised JSON escapes control characters but writes bidi and format characters raw).
 */
function correctionSection(finding: Finding, shown: CorrectionShown, indent: string): string[] {
  const correction = finding.correction;
  if (correction === undefined) return [];
  const inner = indent + '  ';
  const role = cleanLine(correction.roleName);
  if (shown === 'withheld') {
    // Only the role name, which the report's schema restricts to IAM's characters: the changes and the note are
    // the member's words, and a fix the hub's readers would follow.
    return [
      '',
      `${indent}Corrected trust policy of role ${role}:`,
      `${inner}Proposed by the member account's checker and not shown here: \`tmc-health check --fix-dir <dir>\`,`,
      `${inner}run in account ${cleanLine(finding.accountId)}, writes it from the role's own trust policy.`,
    ];
  }
  const changes = correction.changes
    .slice(0, MAX_CORRECTION_CHANGES)
    .map((change) => `${inner}- ${cleanLine(change)}`);
  if (correction.changes.length > changes.length) {
    changes.push(
      `${inner}... ${correction.changes.length - changes.length} more (see the EventBridge event)`,
    );
  }
  const lines = ['', `${indent}Corrected trust policy of role ${role}:`];
  if (shown === 'reference' || correction.trustPolicy === undefined) {
    const where =
      correction.trustPolicy === undefined
        ? cleanLine(correction.note)
        : "The whole document is in the finding's EventBridge event (correction.trustPolicy); " +
          '`tmc-health check --fix-dir <dir>` run in the account writes it to a file.';
    return [...lines, `${inner}${where}`, `${inner}Changes:`, ...changes];
  }
  const fill =
    correction.placeholders.length === 0
      ? ''
      : `, fill in ${correction.placeholders.map((placeholder) => cleanLine(placeholder)).join(', ')}`;
  return [
    ...lines,
    `${inner}Save the document below as ${role}.json${fill}, check it, then run:`,
    `${inner}  aws iam update-assume-role-policy --role-name ${role} --policy-document file://${role}.json`,
    `${inner}Changes:`,
    ...changes,
    '',
    ...JSON.stringify(correction.trustPolicy, null, 2)
      .split('\n')
      .map((line) => `${inner}${cleanLine(line)}`),
  ];
}

export function formatCompactLine(finding: Finding, number: number): string {
  // The credential name is a tag value and the region a member's report field: one line, like the title.
  const where = cleanLine(
    [finding.tmc?.credentialName, finding.tmc?.component, finding.region].filter(Boolean).join(', '),
  );
  const dependency = truncate(
    cleanLine(failedDependency(finding) ?? 'a failed API call'),
    MAX_DEPENDENCY_CHARS,
  );
  return `${number}. [${finding.status}, ${finding.severity}] ${cleanLine(finding.title)} (${where}): ${dependency}\n`;
}

/**
 * For an ERROR finding whose evidence names the failed API call it depends on (see DEPENDENCY_EVIDENCE_KEYS),
 * that failure as the evidence words it; otherwise undefined. `checker.error` findings are the failures
 * themselves, never dependents, so they are always shown in full.
 */
export function failedDependency(finding: Finding): string | undefined {
  if (finding.status !== 'ERROR' || finding.checkId === 'checker.error') return undefined;
  for (const key of DEPENDENCY_EVIDENCE_KEYS) {
    const value = finding.evidence[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/**
 * One evidence value on one line, delimited as data: strings as quoted literals (quotes, backslashes, line breaks
 * and control or format characters escaped, quoteUntrusted), so a value can neither start a line of its own nor
 * read as the checker's words; numbers and booleans bare. A value longer than MAX_EVIDENCE_VALUE_CHARS is cut
 * with a pointer to the EventBridge event, which keeps it whole.
 */
export function formatEvidenceValue(value: Finding['evidence'][string]): string {
  if (value === null) return '(null)';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return quotedEvidence(value);
  if (value.length === 0) return '(empty list)';
  let text = '';
  for (const [index, item] of value.entries()) {
    const next = `${index === 0 ? '' : ', '}${quotedEvidence(item)}`;
    if (text.length + next.length > MAX_EVIDENCE_VALUE_CHARS) {
      return `${text}, ... [${value.length - index} more in the EventBridge event]`;
    }
    text += next;
  }
  return text;
}

function quotedEvidence(text: string): string {
  if (text.length <= MAX_EVIDENCE_VALUE_CHARS) return quoteUntrusted(text);
  const cut = text.length - MAX_EVIDENCE_VALUE_CHARS;
  return `${quoteUntrusted(text.slice(0, MAX_EVIDENCE_VALUE_CHARS), MAX_EVIDENCE_VALUE_CHARS + 3)}... [${cut} more characters in the EventBridge event]`;
}

// ------------------------------------------------------------------------------------------------ helpers

function statusCounts(findings: readonly Finding[]): string {
  return STATUSES.map((status) => `${findings.filter((f) => f.status === status).length} ${status}`).join(
    ', ',
  );
}

function indentBlock(text: string, indent: string): string[] {
  return text.split('\n').map((line) => (line === '' ? '' : indent + line));
}

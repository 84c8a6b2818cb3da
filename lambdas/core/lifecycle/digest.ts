import { severityRank, STATUSES, worstSeverity } from '../finding';
import {
  attributeBytes,
  boundedAttributeList,
  formatFindingSection,
  sanitizeSubject,
  SHORT_TEXT_MAX_LINE_CHARS,
  SHORT_TEXT_MAX_LINES,
  SIZE_MARGIN_BYTES,
  toSubjectText,
  SNS_MAX_MESSAGE_BYTES,
  snsPublishBytes,
  SUBJECT_MAX_LENGTH,
  subjectRegions,
  toSnsMessageAttributes,
  type NotificationAttributes,
  type SnsStringAttribute,
} from '../notification';
import type { RunInfo } from '../publishing';
import {
  alignedLines,
  banner,
  capText,
  cleanLine,
  compare,
  distinct,
  fitSections,
  orderRegions,
  plural,
  truncate,
  utf8Bytes,
  type TextSection,
} from '../plain-text';
import type { Storm } from './storm';
import { TRANSITIONS, type LifecycleFinding, type Transition } from './types';

/**
 * The email digest: one SNS message per run that has transitions, grouped as
 * New / Escalated / Resolved / Still open; one aggregated incident when the run is a storm; suppressed findings
 * left out. Pure: no AWS SDK, no clock. EventBridge still receives every finding; this is only the human view.
 */

/** Credentials listed per spreading check in the incident header; the rest are counted. */
const MAX_STORM_CREDENTIALS = 25;

/*
 * Every field of a change may come from a member account (its report) or a tag: each is cut for display, so the
 * digest fits SNS's limit (message, subject and attributes) whatever they hold, and one oversized change cannot
 * push every other one out of the email.
 */
/** One change's section in the email; longer is cut, with a pointer to its EventBridge event. */
export const MAX_SECTION_CHARS = 6_000;
/** A run id, region, credential or title as shown in a header, a list or a one-line change. */
const MAX_NAME_CHARS = 128;
const MAX_TITLE_CHARS = 200;
/** Regions named in the header; the rest are counted. */
const MAX_HEADER_REGIONS = 20;
const SECTION_CUT_NOTE = '   ... [cut here: the full finding is in its EventBridge event]\n';

/** An untrusted name on one line, at most `max` characters. */
const shown = (text: string, max = MAX_NAME_CHARS): string => truncate(cleanLine(text), max);

export interface DigestAttributes extends NotificationAttributes {
  /** Transition kinds present, in TRANSITIONS order, for filter policies such as "only OPENED". */
  readonly transition: readonly Transition[];
  /** The accounts of the changes, sorted (`namesAccounts` only): a member team's filter policy matches its own. */
  readonly accountId?: readonly string[];
}

export interface TransitionCounts {
  readonly opened: number;
  readonly escalated: number;
  readonly resolved: number;
  readonly reminders: number;
}

/** Shaped like notification.ts's RunNotification, so the SNS publisher can send either. */
export interface TransitionDigest {
  readonly subject: string;
  /** SNS `default`: short, for chat/SQS/Lambda subscribers. */
  readonly shortText: string;
  /** SNS `email`: the full digest. */
  readonly body: string;
  readonly attributes: DigestAttributes;
  readonly messageAttributes: Readonly<Record<string, SnsStringAttribute>>;
  /** The `MessageStructure: 'json'` payload: `{"default": shortText, "email": body}`. */
  readonly message: string;
  readonly counts: TransitionCounts;
  /** Transitions in the digest (suppressed ones excluded). */
  readonly transitionCount: number;
  /** Transitions left out of the email body to respect the size limit. */
  readonly omittedCount: number;
  /** Transitions kept out because their finding is suppressed. */
  readonly suppressedCount: number;
  readonly incident: boolean;
}

export interface DigestOptions {
  /** The run's storm, from detectStorm: the digest becomes one aggregated incident notification. */
  readonly storm?: Storm;
  /** Finding ids under an active suppression: kept out of SNS (EventBridge marks them SUPPRESSED). */
  readonly suppressedIds?: ReadonlySet<string>;
  /** Defaults to SNS's limit; lowered in tests. */
  readonly maxMessageBytes?: number;
  /**
   * An Organizations hub's digest (docs/organizations.md): every change names its account, the subject and the
   * header name the account (or how many), and the message carries an `accountId` attribute. Without it a change
   * still names its account whenever that differs from the run's, so no change is ever shown under the wrong
   * account; a single-account digest (every change of the run's account) is unchanged.
   */
  readonly namesAccounts?: boolean;
}

/** Where the changes happened: whether each change names its account, and the accounts in order. */
interface AccountView {
  readonly namesAccounts: boolean;
  readonly accounts: readonly string[];
  readonly showAccount: (event: LifecycleFinding) => boolean;
}

function accountView(events: readonly LifecycleFinding[], run: RunInfo, namesAccounts: boolean): AccountView {
  return {
    namesAccounts,
    accounts: distinct(events.map((event) => event.accountId)).sort(compare),
    showAccount: (event) => namesAccounts || event.accountId !== run.accountId,
  };
}

/** Accounts listed in the header; the rest are counted. */
const MAX_HEADER_ACCOUNTS = 10;

interface Group {
  readonly transition: Transition;
  readonly heading: string;
  readonly events: readonly LifecycleFinding[];
}

const GROUP_HEADINGS: Readonly<Record<Transition, string>> = {
  OPENED: 'NEW',
  ESCALATED: 'ESCALATED',
  RESOLVED: 'RESOLVED',
  REMINDER: 'STILL OPEN (REMINDER)',
};
const SHORT_LABELS: Readonly<Record<Transition, string>> = {
  OPENED: 'NEW',
  ESCALATED: 'ESCALATED',
  RESOLVED: 'RESOLVED',
  REMINDER: 'STILL OPEN',
};
/** Body order: what needs action first, what needs none last but one, the long-known at the end. */
const GROUP_ORDER: readonly Transition[] = ['OPENED', 'ESCALATED', 'RESOLVED', 'REMINDER'];

/** Undefined when nothing changed: no transition, or only suppressed ones. */
export function formatTransitionDigest(
  events: readonly LifecycleFinding[],
  run: RunInfo,
  options: DigestOptions = {},
): TransitionDigest | undefined {
  const suppressed = options.suppressedIds ?? new Set<string>();
  const kept = events.filter((event) => !suppressed.has(event.findingId));
  if (kept.length === 0) return undefined;

  const groups: Group[] = GROUP_ORDER.map((transition) => ({
    transition,
    heading: GROUP_HEADINGS[transition],
    events: sortEvents(kept.filter((event) => event.transition === transition)),
  }));
  const ordered = groups.flatMap((group) => group.events);
  const counts = countTransitions(kept);
  const storm = options.storm;
  const view = accountView(kept, run, options.namesAccounts ?? false);
  const attributes: DigestAttributes = {
    ...digestAttributes(kept),
    ...(view.namesAccounts ? { accountId: view.accounts } : {}),
  };
  const messageAttributes = {
    ...toSnsMessageAttributes(attributes),
    transition: { DataType: 'String.Array', StringValue: JSON.stringify(attributes.transition) },
    ...(attributes.accountId
      ? { accountId: { DataType: 'String.Array', StringValue: JSON.stringify(attributes.accountId) } }
      : {}),
  } satisfies Record<string, SnsStringAttribute>;
  const subject = formatDigestSubject(kept, run, storm, view.namesAccounts);
  const shortText = formatShortText(subject, ordered, counts, run, storm, view);

  // SNS counts the message, the subject and the attributes against its limit.
  const limit = options.maxMessageBytes ?? SNS_MAX_MESSAGE_BYTES;
  const fixedBytes =
    utf8Bytes(subject) +
    attributeBytes(messageAttributes) +
    utf8Bytes(JSON.stringify({ default: shortText, email: '' }));
  let { text: body, omitted } = formatBody(
    groups,
    counts,
    run,
    storm,
    limit - SIZE_MARGIN_BYTES - fixedBytes,
    view,
  );
  let message = JSON.stringify({ default: shortText, email: body });
  if (snsPublishBytes({ subject, message, messageAttributes }) > limit) {
    // Only for a limit lowered below what the bounded header needs: the counts and the pointer to EventBridge.
    body = formatBody(groups, counts, run, storm, 0, view).text;
    omitted = kept.length;
    message = JSON.stringify({ default: shortText, email: body });
  }
  return {
    subject,
    shortText,
    body,
    attributes,
    messageAttributes,
    message,
    counts,
    transitionCount: kept.length,
    omittedCount: omitted,
    suppressedCount: events.length - kept.length,
    incident: storm !== undefined,
  };
}

// ---------------------------------------------------------------------------------------------- subject

/**
 * `[HIGH] TMC health: 2 new, 1 resolved - tmc.lambda.not-invoked (us-west-2)`: the worst item's check gives way
 * first, then regions. A storm: `[INCIDENT][CRITICAL] TMC health: 14 findings opened at once (...)`. Only what
 * the checker owns (severity, counts, check ids, region and account names of their AWS shapes): never a title,
 * a credential name or any other text from a member report, a tag or CloudTrail, which could pass for the
 * checker's own verdict in the one line people triage on.
 */
export function formatDigestSubject(
  events: readonly LifecycleFinding[],
  run: RunInfo,
  storm?: Storm,
  /** Hub mode: `TMC health 111122223333: ...`, or `TMC health, 3 accounts: ...`. */
  namesAccounts = false,
): string {
  const open = events.filter((event) => event.transition !== 'RESOLVED');
  const worst = worstSeverity(open.map((event) => event.severity));
  const tag = worst ? `[${worst}]` : '[RESOLVED]';
  const regions = subjectRegions(
    orderRegions(
      events.map((event) => event.region),
      run.regions,
    ),
  );
  const accounts = distinct(events.map((event) => event.accountId));
  const [onlyAccount] = accounts;
  const where = !namesAccounts
    ? ''
    : accounts.length === 1 && onlyAccount !== undefined && ACCOUNT_ID.test(onlyAccount)
      ? ` ${onlyAccount}`
      : `, ${plural(accounts.length, 'account')}`;
  let head: string;
  let item = '';
  if (storm) {
    head = `[INCIDENT]${tag} TMC health${where}: ${plural(storm.openedCount, 'finding')} opened at once`;
    const [spreading] = Object.entries(storm.spreadingChecks).sort(
      ([a, x], [b, y]) => y.length - x.length || compare(a, b),
    );
    if (spreading) item = `${spreading[0]} on ${plural(spreading[1].length, 'credential')}`;
  } else {
    head = `${tag} TMC health${where}: ${countsPhrase(countTransitions(events))}`;
    const top = sortEvents(open.length > 0 ? open : events)[0];
    if (top) item = top.checkId;
  }
  head = toSubjectText(head);
  item = toSubjectText(item);

  for (let shown = regions.named.length; shown >= 0; shown--) {
    const more = regions.named.length - shown + regions.others;
    const list =
      shown === 0 ? '' : ` (${regions.named.slice(0, shown).join(', ')}${more > 0 ? `, +${more} more` : ''})`;
    const room = SUBJECT_MAX_LENGTH - head.length - list.length;
    // The item (a check id) is shown whole or not at all: a cut one names no check.
    if (item !== '' && room - 3 >= item.length) return sanitizeSubject(`${head} - ${item}${list}`);
    if (room >= 0) return sanitizeSubject(`${head}${list}`);
  }
  return sanitizeSubject(head);
}

/** An account id as the subject may name it; any other value (not expected past intake) is only counted. */
const ACCOUNT_ID = /^\d{12}$/;

function countsPhrase(counts: TransitionCounts): string {
  const parts = [
    counts.opened > 0 ? `${counts.opened} new` : '',
    counts.escalated > 0 ? `${counts.escalated} escalated` : '',
    counts.resolved > 0 ? `${counts.resolved} resolved` : '',
    counts.reminders > 0 ? `${counts.reminders} still open` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

// ------------------------------------------------------------------------------------------ attributes

/** Severity is the worst among what is still open (a resolution pages nobody); INFORMATIONAL if all resolved. */
export function digestAttributes(events: readonly LifecycleFinding[]): DigestAttributes {
  const sorted = sortEvents(events);
  const open = sorted.filter((event) => event.transition !== 'RESOLVED');
  const credentials = boundedAttributeList(
    distinct(sorted.flatMap((event) => (event.tmc ? [event.tmc.credentialName] : []))),
  );
  return {
    severity: worstSeverity(open.map((event) => event.severity)) ?? 'INFORMATIONAL',
    checkId: distinct(sorted.map((event) => event.checkId)),
    ...(credentials.length > 0 ? { credentialName: credentials } : {}),
    status: STATUSES.filter((status) => sorted.some((event) => event.status === status)),
    transition: TRANSITIONS.filter((transition) => sorted.some((event) => event.transition === transition)),
  };
}

// -------------------------------------------------------------------------------------------- short text

function formatShortText(
  subject: string,
  ordered: readonly LifecycleFinding[],
  counts: TransitionCounts,
  run: RunInfo,
  storm: Storm | undefined,
  view: AccountView,
): string {
  const lines = ordered.slice(0, SHORT_TEXT_MAX_LINES).map((event) => {
    const account = view.showAccount(event) ? `account ${event.accountId}` : undefined;
    const credential = event.tmc ? shown(event.tmc.credentialName, 60) : undefined;
    const where = [account, credential, shown(event.region, 40)].filter(Boolean).join(', ');
    // The place is cut first, so the title cannot push it out of the line.
    const label =
      event.transition === 'RESOLVED' ? 'RESOLVED' : `${SHORT_LABELS[event.transition]} ${event.severity}`;
    const head = `- [${label}] `;
    const tail = ` (${where})`;
    return truncate(
      head + shown(event.title, SHORT_TEXT_MAX_LINE_CHARS - head.length - tail.length) + tail,
      SHORT_TEXT_MAX_LINE_CHARS,
    );
  });
  const more = ordered.length - lines.length;
  return [
    subject,
    ...(storm ? [truncate(cleanLine(`INCIDENT: ${storm.reason}.`), SHORT_TEXT_MAX_LINE_CHARS)] : []),
    `${accountsPhrase(view, run, 'Account')}, run ${shown(run.runId)} started ${shown(run.startedAt, 40)}: ${countsPhrase(counts)}.`,
    ...lines,
    ...(more > 0 ? [`... and ${more} more`] : []),
    'Details: the email notification, or the "TMC Health Finding" events on EventBridge.',
  ].join('\n');
}

// -------------------------------------------------------------------------------------------------- body

function formatBody(
  groups: readonly Group[],
  counts: TransitionCounts,
  run: RunInfo,
  storm: Storm | undefined,
  budgetBytes: number,
  view: AccountView,
): { text: string; omitted: number } {
  const total = groups.reduce((sum, group) => sum + group.events.length, 0);
  const header = formatHeader(groups, counts, run, view) + (storm ? formatIncident(storm) : '');
  const footer = `\n--\nSent by tmc-health-checker, run ${shown(run.runId)}. Only changes are emailed; every finding, PASS and suppressed included, is also published to EventBridge (source tmc-health, detail-type "TMC Health Finding").\n`;
  const omissionLine = (count: number): string =>
    `\n... and ${plural(count, 'more change')} not shown (see the EventBridge events)\n`;
  const sections = bodySections(groups, view);

  return fitSections({ header, footer, sections, totalItems: total, omissionLine, budgetBytes });
}

/**
 * `Account 111122223333` / `AWS account 111122223333`; in hub mode the changes' accounts (`3 AWS accounts` when
 * several), since the run's own account may be the hub's rather than the one the changes are about.
 */
function accountsPhrase(view: AccountView, run: RunInfo, noun: 'Account' | 'AWS account'): string {
  if (!view.namesAccounts) return `${noun} ${run.accountId}`;
  const [only] = view.accounts;
  return view.accounts.length === 1 && only !== undefined
    ? `${noun} ${only}`
    : plural(view.accounts.length, noun === 'Account' ? 'account' : 'AWS account');
}

function headerAccounts(view: AccountView, run: RunInfo): [string, string][] {
  if (!view.namesAccounts) return [['Account', run.accountId]];
  const listed = view.accounts.slice(0, MAX_HEADER_ACCOUNTS).map((account) => shown(account, 40));
  const more = view.accounts.length - listed.length;
  return [
    [
      view.accounts.length === 1 ? 'Account' : 'Accounts',
      `${listed.join(', ')}${more > 0 ? `, +${more} more` : ''}`,
    ],
    // The fleet watch runs in the hub and reports on members: say where the run was.
    ...(view.accounts.length === 1 && view.accounts[0] === run.accountId
      ? []
      : [['Run in account', run.accountId] as [string, string]]),
  ];
}

function formatHeader(
  groups: readonly Group[],
  counts: TransitionCounts,
  run: RunInfo,
  view: AccountView,
): string {
  const open = groups.filter((group) => group.transition !== 'RESOLVED').flatMap((group) => group.events);
  return [
    `TMC health check: ${countsPhrase(counts)} in ${accountsPhrase(view, run, 'AWS account')}.`,
    '',
    ...alignedLines([
      ...headerAccounts(view, run),
      ['Regions', regionsList(run.regions)],
      ['Run started', shown(run.startedAt, 40)],
      ['Run id', shown(run.runId)],
      ['New', String(counts.opened)],
      ['Escalated', String(counts.escalated)],
      ['Resolved', String(counts.resolved)],
      ['Still open', String(counts.reminders)],
      ['Worst severity', worstSeverity(open.map((event) => event.severity)) ?? '-'],
    ]),
    '',
  ].join('\n');
}

/** The aggregated incident: why this run is one incident, which checks spread and where, what to do. */
export function formatIncident(storm: Storm): string {
  const spreading = Object.entries(storm.spreadingChecks).sort(([a], [b]) => compare(a, b));
  const spreadLines = spreading.flatMap(([checkId, who]) => {
    const listed = who.slice(0, MAX_STORM_CREDENTIALS).map((name) => shown(name, 64));
    const more = who.length - listed.length;
    return [
      `  - ${cleanLine(checkId)} (${plural(who.length, 'credential or role', 'credentials or roles')}):`,
      `      ${listed.join(', ')}${more > 0 ? `, +${more} more` : ''}`,
    ];
  });
  return [
    banner('INCIDENT: MANY FAILURES AT ONCE'),
    `Why: ${cleanLine(storm.reason)}.`,
    `Opened in this run: ${storm.openedCount}.`,
    ...(spreadLines.length > 0
      ? ['Checks failing across several credentials at once:', ...spreadLines]
      : ['No single check spread across credentials: the failures are many but varied.']),
    '',
    'Many failures at once are one bigger incident: look for a shared cause (AWS outage, TMC outage, an',
    'account-wide change such as an SCP, a permissions boundary or a deleted shared role) before fixing',
    'resources one by one.',
    'Escalate: open one incident and page the on-call owner of the TMC integration; link this message.',
    'The individual findings follow; each is also on EventBridge.',
    '',
  ].join('\n');
}

function bodySections(groups: readonly Group[], view: AccountView): TextSection[] {
  const sections: TextSection[] = [];
  let counter = 0;
  for (const group of groups) {
    group.events.forEach((event, index) => {
      counter++;
      const prefix =
        index === 0
          ? banner(`${group.heading} (${group.events.length})`) +
            (group.transition === 'RESOLVED' ? '\n' : '')
          : '';
      const showAccount = view.showAccount(event);
      const text =
        group.transition === 'RESOLVED'
          ? formatResolvedLine(event, counter, showAccount)
          : capText(
              findingSection(forDisplay(event), counter, showAccount),
              MAX_SECTION_CHARS,
              SECTION_CUT_NOTE,
            ) + lifecycleLine(event);
      sections.push({ text: prefix + text, items: 1 });
    });
  }
  return sections;
}

/**
 * A change's section. An IRSA correction's trust policy is shown whole or not at all (a document cut by the
 * section cap would not parse), and never in a hub's digest: a member account's report may not write a fix the
 * hub's readers would apply.
 */
function findingSection(event: LifecycleFinding, counter: number, showAccount: boolean): string {
  if (showAccount) return formatFindingSection(event, counter, { showAccount, correction: 'withheld' });
  const whole = formatFindingSection(event, counter, { showAccount, correction: 'document' });
  if (whole.length <= MAX_SECTION_CHARS) return whole;
  return formatFindingSection(event, counter, { showAccount, correction: 'reference' });
}

/** Longest message or remediation text shown in a change's section. */
const MAX_TEXT_CHARS = 2_000;

/**
 * The change with its free-text fields cut for the email (the EventBridge event keeps them whole), so a long
 * title or name leaves room in its section for the rest of it. Line breaks stay: the section cleans each field.
 */
function forDisplay(event: LifecycleFinding): LifecycleFinding {
  const cut = (text: string, max: number): string => truncate(text, max);
  return {
    ...event,
    title: cut(event.title, MAX_TITLE_CHARS),
    message: cut(event.message, MAX_TEXT_CHARS),
    region: cut(event.region, MAX_NAME_CHARS),
    resource: {
      ...event.resource,
      name: cut(event.resource.name, MAX_NAME_CHARS * 2),
      ...(event.resource.arn === undefined ? {} : { arn: cut(event.resource.arn, MAX_NAME_CHARS * 4) }),
    },
    ...(event.tmc
      ? { tmc: { ...event.tmc, credentialName: cut(event.tmc.credentialName, MAX_NAME_CHARS) } }
      : {}),
    remediation: {
      ...event.remediation,
      text: cut(event.remediation.text, MAX_TEXT_CHARS),
      whoCanFix: cut(event.remediation.whoCanFix, MAX_TITLE_CHARS),
      runbookUrl: cut(event.remediation.runbookUrl, MAX_NAME_CHARS * 4),
    },
  };
}

/** The header's regions: each cut, at most MAX_HEADER_REGIONS named, the rest counted. */
function regionsList(regions: readonly string[]): string {
  if (regions.length === 0) return '(none)';
  const listed = regions.slice(0, MAX_HEADER_REGIONS).map((region) => shown(region, 40));
  const more = regions.length - listed.length;
  return `${listed.join(', ')}${more > 0 ? `, +${more} more` : ''}`;
}

/** After the finding section: where the finding stands in its lifecycle. */
function lifecycleLine(event: LifecycleFinding): string {
  const seen = `seen ${plural(event.occurrenceCount, 'time')}`;
  switch (event.transition) {
    case 'OPENED':
      return `   Lifecycle: new, first observed ${event.firstObservedAt}.\n`;
    case 'ESCALATED':
      return `   Lifecycle: escalated to ${event.severity}; open since ${event.firstObservedAt}, ${seen}.\n`;
    case 'REMINDER':
      return `   Lifecycle: still open since ${event.firstObservedAt}, ${seen} (last ${event.lastObservedAt}).\n`;
    case 'RESOLVED':
      return '';
  }
}

/** Resolved findings need no action: one line each (notification.ts's formatCompactLine is for ERROR dependents). */
export function formatResolvedLine(event: LifecycleFinding, number: number, showAccount = false): string {
  const where = [
    showAccount ? `account ${event.accountId}` : undefined,
    event.tmc ? shown(event.tmc.credentialName) : undefined,
    event.tmc?.component,
    shown(event.region, 40),
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `${number}. [RESOLVED] ${shown(event.title, MAX_TITLE_CHARS)} (${where}): ${truncate(cleanLine(event.message), 240)} ` +
    `(open since ${event.firstObservedAt}, seen ${plural(event.occurrenceCount, 'time')}; finding ${event.findingId})\n`
  );
}

/** Most severe first, FAIL before ERROR before PASS, then a stable key. */
function sortEvents(events: readonly LifecycleFinding[]): LifecycleFinding[] {
  const statusRank = (status: LifecycleFinding['status']): number => STATUSES.indexOf(status);
  return [...events].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      statusRank(a.status) - statusRank(b.status) ||
      compare(a.tmc?.credentialName ?? '', b.tmc?.credentialName ?? '') ||
      compare(a.region, b.region) ||
      compare(a.title, b.title) ||
      compare(a.findingId, b.findingId),
  );
}

function countTransitions(events: readonly LifecycleFinding[]): TransitionCounts {
  const of = (transition: Transition): number => events.filter((e) => e.transition === transition).length;
  return {
    opened: of('OPENED'),
    escalated: of('ESCALATED'),
    resolved: of('RESOLVED'),
    reminders: of('REMINDER'),
  };
}

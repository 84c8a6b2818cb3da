import { createHash } from 'node:crypto';
import { CATALOGUE, runbookUrl } from '../catalogue';
import { CHECK_DESCRIPTIONS } from '../check-descriptions';
import { severityRank, worstSeverity, type ResourceType } from '../finding';
import type { Storm } from '../lifecycle/storm';
import type { LifecycleFinding, Transition } from '../lifecycle/types';
import { plural } from '../plain-text';
import { cleanLine } from '../untrusted-text';

/**
 * The chat view of a run's transitions: Amazon Q Developer in chat applications (AWS Chatbot) custom
 * notifications, one per finding change, each in the thread of its finding: OPENED starts it, ESCALATED, REMINDER
 * and RESOLVED reply in it. A storm is one message listing its openings. Suppressed changes and a run without
 * changes send nothing. Pure: no SDK, no clock.
 *
 * The format is the one documented at https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 * (`version` "1.0", `source` "custom", `content`, `metadata.threadId`; `textType` "client-markdown" renders the
 * text in each chat's own markdown). The page states no length limits; ours keep every field well under Slack's
 * 3,000 characters per text block and the whole message far under SNS's 256 KiB.
 *
 * What each message says about the problem (what it means, who can fix it, the steps, the runbook) comes from the
 * catalogue and the deployment's runbook base, never from the finding, whose text may come from a member account's
 * report, a tag or CloudTrail. The few untrusted values shown (credential or role, region, resource) are cleaned
 * (untrusted-text.ts), bounded, stripped of what either chat reads as markup or a mention, and shown as code.
 */

export const CUSTOM_NOTIFICATION_VERSION = '1.0';
export const MAX_TITLE_CHARS = 250;
export const MAX_DESCRIPTION_CHARS = 3_000;
export const MAX_NEXT_STEPS = 5;
export const MAX_NEXT_STEP_CHARS = 600;
export const MAX_KEYWORDS = 6;
/** An untrusted value as shown: longer is cut (`...`). */
export const MAX_VALUE_CHARS = 120;
/** Findings listed by name in a storm's message; the rest are counted. */
export const MAX_STORM_LINES = 25;
/** Messages one run sends at most; beyond, one message counts the other changes (their events are on the bus). */
export const MAX_MESSAGES_PER_RUN = 20;

/** A custom notification, as the chat topic carries it (the message body, JSON). */
export interface CustomNotification {
  readonly version: typeof CUSTOM_NOTIFICATION_VERSION;
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
  };
}

/** One message to publish: the notification and what the publisher needs around it. */
export interface ChatMessage {
  readonly notification: CustomNotification;
  /** For the error people read when it cannot be sent. */
  readonly label: string;
  /** Same key, same message: the FIFO de-duplication id source, and the notification's `id`. */
  readonly deduplicationKey: string;
}

export interface ChatOptions {
  /** The deployment's runbook base (settings): every runbook link is built from it, never read from a finding. */
  readonly runbookBaseUrl: string;
  readonly suppressedIds?: ReadonlySet<string>;
  readonly storm?: Storm;
  /** The hub: every message names its account (a member's finding reaches the organization's one channel). */
  readonly namesAccounts?: boolean;
  /** The run's own account: a change of another account always names it. */
  readonly runAccountId?: string;
}

/**
 * The thread of a finding: a hash of its account and id, so it is stable across runs and a member's report can
 * neither write into a thread id nor reach another account's thread.
 */
export function threadIdOf(accountId: string, findingId: string): string {
  return `tmc-health-${createHash('sha256').update(`${accountId}\n${findingId}`).digest('hex').slice(0, 40)}`;
}

/**
 * Characters either chat may read as markup, a link or a mention, and what is shown instead: a look-alike that
 * means nothing to the parser. Inside code spans (where every value is shown) `*`, `_` and `~` are already inert
 * in Slack and Teams; the code span's own backtick, Slack's `<...>` controls (`<!channel>`, `<@U...>`, links),
 * Teams' `<at>` tags, HTML entities and bare `@here`/`@channel` mentions are what could still escape or ping.
 */
const INERT: Readonly<Record<string, string>> = {
  '`': '\u02cb', // MODIFIER LETTER GRAVE ACCENT
  '<': '\u2039', // SINGLE LEFT-POINTING ANGLE QUOTATION MARK
  '>': '\u203a', // SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
  '&': '\uff06', // FULLWIDTH AMPERSAND
  '@': '\uff20', // FULLWIDTH COMMERCIAL AT
  '[': '\uff3b', // FULLWIDTH LEFT SQUARE BRACKET
  ']': '\uff3d', // FULLWIDTH RIGHT SQUARE BRACKET
  '|': '\u2502', // BOX DRAWINGS LIGHT VERTICAL (Slack's link text separator)
  '*': '\u2217', // ASTERISK OPERATOR
  _: '\uff3f', // FULLWIDTH LOW LINE
  '~': '\u223c', // TILDE OPERATOR
};
const MARKUP = /[`<>&@[\]|*_~]/g;

/**
 * An untrusted value for chat: cleaned to one line and cut (never inside an escape or a surrogate pair), then
 * every markup character and the `//` of a URL replaced one for one by a look-alike (so the cut stays where it
 * was), in a code span.
 */
export function chatValue(text: string, maxChars = MAX_VALUE_CHARS): string {
  const clean = cleanLine(text, maxChars)
    .replace(MARKUP, (char) => INERT[char] ?? char)
    // A code span links nothing, but a URL in a value is still no link to offer: `https:⁄⁄` cannot be followed.
    .replace(/:\/\//g, ':\u2044\u2044');
  return clean === '' ? '(empty)' : `\`${clean}\``;
}

const ACCOUNT_ID = /^\d{12}$/;

/** What a finding is about when it names no credential or role: every resource type has its noun. */
const RESOURCE_NOUN: Readonly<Record<ResourceType, string>> = {
  'AWS::Lambda::Function': 'function',
  'AWS::Events::Rule': 'rule',
  'AWS::SSM::Parameter': 'parameter',
  'TMC::Credential': 'credential',
  'AWS::IAM::Role': 'role',
  'AWS::API::Operation': 'call',
  'AWS::Organizations::Account': 'member',
  'AWS::EKS::Cluster': 'cluster',
  'AWS::EKS::PodIdentityAssociation': 'association',
};

const VERB: Readonly<Record<Transition, string>> = {
  OPENED: 'New',
  ESCALATED: 'Escalated',
  REMINDER: 'Still open',
  RESOLVED: 'Resolved',
};

/** The messages to send, in order (the storm's first, then the most severe): none for a run without changes. */
export function formatChatMessages(
  transitions: readonly LifecycleFinding[],
  options: ChatOptions,
): ChatMessage[] {
  const suppressed = options.suppressedIds ?? new Set<string>();
  const kept = transitions.filter((event) => !suppressed.has(event.findingId));
  if (kept.length === 0) return [];
  const storm = options.storm;
  const stormed = storm ? kept.filter((event) => event.transition === 'OPENED') : [];
  const single = storm ? kept.filter((event) => event.transition !== 'OPENED') : kept;
  const messages: ChatMessage[] = [];
  if (storm && stormed.length > 0) messages.push(stormMessage(stormed, storm, options));
  const room = MAX_MESSAGES_PER_RUN - messages.length;
  const ordered = [...single].sort(bySeverity);
  const sent = ordered.length > room ? ordered.slice(0, room - 1) : ordered;
  for (const event of sent) messages.push(findingMessage(event, options));
  if (sent.length < ordered.length) messages.push(overflowMessage(ordered.slice(sent.length), options));
  return messages;
}

function bySeverity(a: LifecycleFinding, b: LifecycleFinding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0)
  );
}

/** `credential `prod-eks``, `role `...``, else the resource: what the finding is about, as shown. */
function subjectOf(event: LifecycleFinding, maxChars = MAX_VALUE_CHARS): string {
  if (event.tmc) return `credential ${chatValue(event.tmc.credentialName, maxChars)}`;
  const name = chatValue(event.resource.name, maxChars);
  if (event.irsa || event.resource.type === 'AWS::IAM::Role') return `role ${name}`;
  return `${RESOURCE_NOUN[event.resource.type] ?? 'resource'} ${name}`;
}

/** What a title shows of the subject: the rest of the title (tag, check, account, region) fits beside it. */
const TITLE_VALUE_CHARS = 100;

function accountOf(event: LifecycleFinding, options: ChatOptions): string | undefined {
  const show = options.namesAccounts === true || event.accountId !== options.runAccountId;
  if (!show) return undefined;
  return ACCOUNT_ID.test(event.accountId)
    ? `account ${event.accountId}`
    : `account ${chatValue(event.accountId, 40)}`;
}

function findingMessage(event: LifecycleFinding, options: ChatOptions): ChatMessage {
  const definition = CATALOGUE[event.checkId];
  const description = CHECK_DESCRIPTIONS[event.checkId];
  const account = accountOf(event, options);
  const where = [account, subjectOf(event, TITLE_VALUE_CHARS), `in ${chatValue(event.region, 40)}`]
    .filter(Boolean)
    .join(' ');
  const tag = event.transition === 'RESOLVED' ? 'RESOLVED' : `${VERB[event.transition]} ${event.severity}`;
  const title = fit(`[${tag}] ${event.checkId}: ${where}`, MAX_TITLE_CHARS);
  const lines = [
    `*${lifecycleLine(event)}*`,
    ...(definition && description && event.transition !== 'RESOLVED'
      ? [`*What it means:* ${description.meaning}`, `*Who can fix it:* ${definition.whoCanFix}`]
      : []),
    ...(description ? [`*Check:* ${description.name} (\`${event.checkId}\`)`] : []),
    `*Runbook:* ${runbookUrl(options.runbookBaseUrl, event.checkId)}`,
    `Finding \`${event.findingId.replace(/[^0-9a-f]/gi, '').slice(0, 64)}\`; every detail is in its EventBridge event and the email digest.`,
  ];
  const deduplicationKey = `chat#${event.idempotencyKey}`;
  return {
    label: `chat ${event.transition} of ${event.checkId}`,
    deduplicationKey,
    notification: notification({
      id: deduplicationKey,
      title,
      description: fitLines(lines, MAX_DESCRIPTION_CHARS),
      nextSteps: event.transition === 'RESOLVED' ? [] : nextStepsOf(event, options),
      keywords: keywordsOf([event], event.transition, account),
      threadId: threadIdOf(event.accountId, event.findingId),
      eventType: event.transition,
    }),
  };
}

function lifecycleLine(event: LifecycleFinding): string {
  const seen = plural(event.occurrenceCount, 'time');
  switch (event.transition) {
    case 'OPENED':
      return `New ${event.status} finding, first observed ${safeTime(event.firstObservedAt)}.`;
    case 'ESCALATED':
      return `Escalated to ${event.severity}; open since ${safeTime(event.firstObservedAt)}, seen ${seen}.`;
    case 'REMINDER':
      return `Still open since ${safeTime(event.firstObservedAt)}, seen ${seen} (last ${safeTime(event.lastObservedAt)}).`;
    case 'RESOLVED':
      return `Resolved: it passes again (open since ${safeTime(event.firstObservedAt)}, seen ${seen}). No action needed.`;
  }
}

/** A timestamp as shown: only its ISO 8601 characters (a member's report carries it). */
function safeTime(time: string): string {
  return time.replace(/[^0-9TZ:.+-]/g, '').slice(0, 32) || 'unknown';
}

function nextStepsOf(event: LifecycleFinding, options: ChatOptions): string[] {
  const definition = CATALOGUE[event.checkId];
  const steps = (definition?.steps ?? []).slice(0, 3).map((step) => fit(step, MAX_NEXT_STEP_CHARS));
  // The correction is the role's own trust policy, but in the hub it is a member's: never offered there.
  const fix =
    event.correction?.trustPolicy && options.namesAccounts !== true
      ? 'Write the corrected trust policy and its command: `tmc-health check --fix-dir ./fixes`'
      : `All the steps: \`tmc-health explain ${event.checkId}\``;
  return [...steps, fix, `Runbook: ${runbookUrl(options.runbookBaseUrl, event.checkId)}`].slice(
    0,
    MAX_NEXT_STEPS,
  );
}

function keywordsOf(
  events: readonly LifecycleFinding[],
  transition: Transition | 'INCIDENT',
  account: string | undefined,
): string[] {
  const severity = worstSeverity(events.map((event) => event.severity)) ?? 'INFORMATIONAL';
  const checks = [...new Set(events.map((event) => event.checkId))].slice(0, 3);
  const accountId = account?.startsWith('account ') ? account.slice('account '.length) : undefined;
  return [
    transition,
    severity,
    ...checks,
    ...(accountId && ACCOUNT_ID.test(accountId) ? [accountId] : []),
  ].slice(0, MAX_KEYWORDS);
}

function stormMessage(events: readonly LifecycleFinding[], storm: Storm, options: ChatOptions): ChatMessage {
  const ordered = [...events].sort(bySeverity);
  const severity = worstSeverity(ordered.map((event) => event.severity)) ?? 'HIGH';
  const accounts = [...new Set(ordered.map((event) => event.accountId))];
  const [onlyAccount] = accounts;
  const where =
    options.namesAccounts || accounts.some((account) => account !== options.runAccountId)
      ? accounts.length === 1 && onlyAccount !== undefined && ACCOUNT_ID.test(onlyAccount)
        ? ` in account ${onlyAccount}`
        : ` in ${plural(accounts.length, 'account')}`
      : '';
  const title = fit(
    `[INCIDENT ${severity}] ${plural(ordered.length, 'finding')} opened at once${where}`,
    MAX_TITLE_CHARS,
  );
  const listed = ordered.slice(0, MAX_STORM_LINES).map((event) => {
    const account = accountOf(event, options);
    return `• ${event.severity} ${event.checkId}: ${[
      account,
      subjectOf(event),
      `in ${chatValue(event.region, 40)}`,
    ]
      .filter(Boolean)
      .join(' ')}`;
  });
  const more = ordered.length - listed.length;
  const spreading = Object.keys(storm.spreadingChecks)
    .filter((checkId) => checkId in CATALOGUE)
    .sort();
  const lines = [
    `*${plural(storm.openedCount, 'finding')} opened in one run: one incident, not many.*`,
    ...(spreading.length > 0
      ? [`*Failing across several credentials or roles:* ${spreading.map((id) => `\`${id}\``).join(', ')}`]
      : []),
    'Look for a shared cause (an AWS or TMC outage, an account-wide change such as an SCP or a deleted shared role) before fixing resources one by one.',
    ...listed,
    ...(more > 0 ? [`... and ${more} more (every finding is on EventBridge and in the email digest)`] : []),
  ];
  const ids = ordered.map((event) => event.idempotencyKey).sort();
  const key = `chat#storm#${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32)}`;
  return {
    label: `chat incident (${ordered.length} findings)`,
    deduplicationKey: key,
    notification: notification({
      id: key,
      title,
      description: fitLines(lines, MAX_DESCRIPTION_CHARS),
      nextSteps: [
        'Open one incident and page the on-call owner of the TMC integration; link this message.',
        ...spreading.slice(0, 2).map((checkId) => `\`tmc-health explain ${checkId}\``),
      ],
      keywords: keywordsOf(
        ordered,
        'INCIDENT',
        where === '' || onlyAccount === undefined || accounts.length > 1
          ? undefined
          : `account ${onlyAccount}`,
      ),
      threadId: `tmc-health-incident-${key.slice('chat#storm#'.length)}`,
      eventType: 'INCIDENT',
    }),
  };
}

function overflowMessage(events: readonly LifecycleFinding[], options: ChatOptions): ChatMessage {
  const counts = (['OPENED', 'ESCALATED', 'REMINDER', 'RESOLVED'] as const)
    .map(
      (transition) => [transition, events.filter((event) => event.transition === transition).length] as const,
    )
    .filter(([, count]) => count > 0)
    .map(([transition, count]) => `${count} ${VERB[transition].toLowerCase()}`);
  const ids = events.map((event) => event.idempotencyKey).sort();
  const key = `chat#more#${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32)}`;
  return {
    label: `chat summary of ${events.length} more changes`,
    deduplicationKey: key,
    notification: notification({
      id: key,
      title: `${plural(events.length, 'more change')} in this run: ${counts.join(', ')}`,
      description: fitLines(
        [
          `Only ${MAX_MESSAGES_PER_RUN - 1} changes of a run get their own message here; these are in the email digest and on EventBridge.`,
          ...[...events]
            .sort(bySeverity)
            .slice(0, MAX_STORM_LINES)
            .map(
              (event) =>
                `• ${VERB[event.transition]} ${event.severity} ${event.checkId}: ${[accountOf(event, options), subjectOf(event)].filter(Boolean).join(' ')}`,
            ),
        ],
        MAX_DESCRIPTION_CHARS,
      ),
      nextSteps: [],
      keywords: keywordsOf(events, events[0]?.transition ?? 'REMINDER', undefined),
      threadId: `tmc-health-more-${key.slice('chat#more#'.length)}`,
      eventType: 'SUMMARY',
    }),
  };
}

function notification(parts: {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly nextSteps: readonly string[];
  readonly keywords: readonly string[];
  readonly threadId: string;
  readonly eventType: string;
}): CustomNotification {
  return {
    version: CUSTOM_NOTIFICATION_VERSION,
    source: 'custom',
    id: parts.id,
    content: {
      textType: 'client-markdown',
      title: parts.title,
      description: parts.description,
      nextSteps: parts.nextSteps,
      keywords: parts.keywords,
    },
    metadata: {
      threadId: parts.threadId,
      summary: fit(parts.title, MAX_TITLE_CHARS),
      eventType: parts.eventType,
    },
  };
}

/**
 * Text the formatter composed, at most `max` characters. The untrusted parts are already bounded so this only
 * cuts checker-owned text; it still never cuts inside a surrogate pair, nor inside a code span (which would leave
 * one open and turn what follows into code): a cut falls before the last opening backtick left unclosed.
 */
function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = text.slice(0, max - 3);
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  if ((kept.match(/`/g) ?? []).length % 2 === 1) kept = kept.slice(0, kept.lastIndexOf('`')).trimEnd();
  return `${kept}...`;
}

/**
 * Whole lines while they fit in `max` characters, then one line saying how many were left out (itself dropped
 * when even it does not fit). A line is never cut: cutting could split what a code span or a link holds.
 */
function fitLines(lines: readonly string[], max: number): string {
  const out: string[] = [];
  let length = 0;
  const joined = (extra: string): number => length + (out.length > 0 ? 1 : 0) + extra.length;
  for (const [index, line] of lines.entries()) {
    const rest = lines.length - index - 1;
    const note = `... ${plural(rest + 1, 'more line')} left out: the email digest has everything`;
    const fits = joined(line) <= max;
    const roomAfter = rest === 0 || joined(line) + 1 + note.length <= max;
    if (!fits || !roomAfter) {
      if (joined(note) <= max) out.push(note);
      return out.join('\n');
    }
    length = joined(line);
    out.push(line);
  }
  return out.join('\n');
}

import type { Finding } from '../finding';
import {
  REMEDIATION_SCHEMA_VERSION,
  type RemediationDetail,
  type RemediationOutcome,
} from './remediation-event';
import type { LifecycleFinding } from './types';

/**
 * The optional built-in remediation: when `tmc.lambda.not-invoked` opens for a data-sync function,
 * invoke that function once, asynchronously, but only when this run shows the usual causes fixed. Pure: the
 * decision is made from this run's findings alone, so every precondition is tested with plain data.
 *
 * The operational rule comes from the SRE runbook the product was specified from: "retrigger only after the cause
 * is fixed", because "blindly retriggering without prior investigation/fixing will most likely not help resolve
 * the problem and could actually result in you receiving another alert for the same failure"; and "a successful
 * retrigger does not mean that the operation will pass". The TMC credential guide names the causes to rule out:
 * the Lambdas must be set up correctly and working, and "the TMC authentication token in SSM is still valid".
 * The catalogue's tmc.lambda.not-invoked steps add the event rule (missing, disabled, re-targeted) and throttling.
 *
 * Preconditions, all required, each read from a finding of this run in the same account, region and credential:
 * - the token: `tmc.token.missing` PASS and every `tmc.token.stale` PASS (at least one). A finding absent from the
 *   run is unknown, and unknown is never healthy: skip.
 * - the function: its `tmc.lambda.unhealthy` PASS, with evidence `state` Active (or null: Lambda omits State for
 *   functions older than states, which are Active by definition), and `tmc.lambda.throttled` not failing.
 * - the trigger: an event rule of the credential that is enabled (`tmc.event-rule.disabled` PASS) and targets the
 *   data-sync function (`tmc.event-rule.wrong-target` PASS). Without it one invocation would only hide the cause:
 *   its Invocations datapoint resolves the finding, which reopens once the window has passed, and every reopening
 *   would retrigger again.
 *
 * Only OPENED transitions trigger (not REMINDER or ESCALATED), so a function is invoked at most once per episode;
 * suppressed findings are left alone.
 */

export const RETRIGGER_CHECK_ID = 'tmc.lambda.not-invoked';

interface DecisionBase {
  readonly functionArn: string;
  readonly region: string;
  readonly accountId: string;
  readonly credentialName: string;
  /** The OPENED transition that prompted the decision. */
  readonly finding: LifecycleFinding;
  /** Why the function was or was not invoked, in words an on-call engineer can act on. */
  readonly reason: string;
}

export interface InvokeDecision extends DecisionBase {
  readonly kind: 'invoke';
  /** The enabled rule that targets the function: the invocation mimics the event it delivers. */
  readonly eventRuleArn: string;
}

export interface SkipDecision extends DecisionBase {
  readonly kind: 'skip';
}

export type RetriggerDecision = InvokeDecision | SkipDecision;

export interface RetriggerInput {
  /** This run's lifecycle transitions (the ones about to be published). */
  readonly transitions: readonly LifecycleFinding[];
  /** Every finding of this run, PASS included: the preconditions are read from them. */
  readonly findings: readonly Finding[];
  /** Not needed by the decision itself; the run context the shell passes on to the adapter. */
  readonly runId: string;
  readonly now: Date;
}

/** One decision per OPENED, unsuppressed `tmc.lambda.not-invoked` of a data-sync function; at most one per ARN. */
export function planRetriggers(input: RetriggerInput): RetriggerDecision[] {
  const decisions: RetriggerDecision[] = [];
  const decided = new Set<string>();
  for (const event of input.transitions) {
    const functionArn = event.resource.arn;
    const credentialName = event.tmc?.credentialName;
    if (
      event.transition !== 'OPENED' ||
      event.checkId !== RETRIGGER_CHECK_ID ||
      event.tmc?.component !== 'data-sync' ||
      event.suppression !== undefined ||
      functionArn === undefined ||
      credentialName === undefined ||
      decided.has(functionArn)
    ) {
      continue;
    }
    decided.add(functionArn);
    decisions.push(decide(event, functionArn, credentialName, input.findings));
  }
  return decisions;
}

function decide(
  event: LifecycleFinding,
  functionArn: string,
  credentialName: string,
  findings: readonly Finding[],
): RetriggerDecision {
  const base = {
    functionArn,
    region: event.region,
    accountId: event.accountId,
    credentialName,
    finding: event,
  };
  const related = findings.filter(
    (finding) =>
      finding.accountId === event.accountId &&
      finding.region === event.region &&
      finding.tmc?.credentialName === credentialName,
  );
  const blockers = [
    ...notInvokedBlockers(event),
    ...tokenBlockers(related, credentialName, event.region),
    ...functionBlockers(related, functionArn),
  ];
  const rule = ruleTargeting(related, functionArn);
  if (rule.blocker) blockers.push(rule.blocker);
  if (blockers.length > 0 || rule.arn === undefined) {
    return {
      ...base,
      kind: 'skip',
      reason: `Not retriggered (retrigger only after the cause is fixed): ${blockers.join('; ')}.`,
    };
  }
  return {
    ...base,
    kind: 'invoke',
    eventRuleArn: rule.arn,
    reason:
      `${event.resource.name} was not invoked although its token is fresh, it is Active and rule ` +
      `${arnName(rule.arn)} is enabled and targets it: invoked once asynchronously. A successful invocation does ` +
      "not mean the sync passed: check tmc.lambda.errors on the next run and the function's CloudWatch Logs.",
  };
}

/** A not-invoked ERROR means the metrics could not be read: whether the function runs is unknown. */
function notInvokedBlockers(event: LifecycleFinding): string[] {
  if (event.status === 'FAIL') return [];
  return [
    `it is unknown whether ${event.resource.name} runs (${bare(event.message)}); fix the CloudWatch metrics read first — see tmc.lambda.not-invoked`,
  ];
}

function tokenBlockers(related: readonly Finding[], credentialName: string, region: string): string[] {
  const blockers: string[] = [];
  const presence = related.filter((finding) => finding.checkId === 'tmc.token.missing');
  const freshness = related.filter((finding) => finding.checkId === 'tmc.token.stale');
  const presenceProblem = presence.find((finding) => finding.status !== 'PASS');
  if (presence.length === 0) {
    blockers.push(
      `this run has no tmc.token.missing result for credential ${credentialName} in ${region}, so whether its TMC auth token exists is unknown, and unknown is never treated as healthy`,
    );
  } else if (presenceProblem?.status === 'FAIL') {
    blockers.push(
      `credential ${credentialName} has no TMC auth token parameter in ${region}: data-sync cannot authenticate to TMC; restore the token first — see tmc.token.missing`,
    );
  } else if (presenceProblem) {
    blockers.push(
      `whether credential ${credentialName} has its TMC auth token is unknown (${bare(presenceProblem.message)}) — see tmc.token.missing`,
    );
  }
  if (freshness.length === 0) {
    // Without a token parameter there is no freshness finding; the presence blocker already says so.
    if (presence.length === 0 || presence.every((finding) => finding.status === 'PASS')) {
      blockers.push(
        `this run has no tmc.token.stale result for credential ${credentialName} in ${region}, so the token's age is unknown, and unknown is never treated as healthy`,
      );
    }
  }
  for (const finding of freshness) {
    if (finding.status === 'FAIL') {
      const age = finding.evidence.ageHours;
      const limit = finding.evidence.maxAgeHours;
      blockers.push(
        `token parameter ${finding.resource.name} is stale (${String(age)} h old, limit ${String(limit)} h): ` +
          "refresh the TMC auth token first, TMC's data-sync would fail again — see tmc.token.stale",
      );
    } else if (finding.status === 'ERROR') {
      blockers.push(
        `the age of token parameter ${finding.resource.name} is unknown (${bare(finding.message)}) — see tmc.token.stale`,
      );
    }
  }
  return blockers;
}

function functionBlockers(related: readonly Finding[], functionArn: string): string[] {
  const blockers: string[] = [];
  const own = related.filter((finding) => finding.resource.arn === functionArn);
  const health = own.filter((finding) => finding.checkId === 'tmc.lambda.unhealthy');
  const name = arnName(functionArn);
  if (health.length === 0) {
    blockers.push(
      `this run has no tmc.lambda.unhealthy result for ${name}, so whether it is Active is unknown, and unknown is never treated as healthy`,
    );
  }
  for (const finding of health) {
    const state = finding.evidence.state;
    if (finding.status === 'ERROR') {
      blockers.push(`the state of ${name} is unknown (${bare(finding.message)}) — see tmc.lambda.unhealthy`);
    } else if (finding.status === 'FAIL') {
      blockers.push(
        `${name} is not healthy (${bare(finding.message)}): fix its state first — see tmc.lambda.unhealthy`,
      );
    } else if (state !== null && state !== undefined && state !== 'Active') {
      blockers.push(`${name} is ${String(state)}, not Active — see tmc.lambda.unhealthy`);
    }
  }
  for (const finding of own.filter((f) => f.checkId === 'tmc.lambda.throttled' && f.status === 'FAIL')) {
    blockers.push(
      `${name} is being throttled (${bare(finding.message)}): free concurrency first, another invocation would only queue — see tmc.lambda.throttled`,
    );
  }
  return blockers;
}

/** The credential's rule that is enabled and targets the function; or why there is none. */
function ruleTargeting(related: readonly Finding[], functionArn: string): { arn?: string; blocker?: string } {
  const name = arnName(functionArn);
  const ruleFindings = related.filter((finding) => finding.checkId.startsWith('tmc.event-rule.'));
  const presence = ruleFindings.find((finding) => finding.checkId === 'tmc.event-rule.missing');
  if (presence === undefined) {
    return {
      blocker: `this run has no tmc.event-rule.missing result for the credential, so whether a rule triggers ${name} is unknown`,
    };
  }
  if (presence.status !== 'PASS') {
    return {
      blocker: `nothing schedules ${name} (${bare(presence.message)}): restore the credential's event rule first, one invocation would not bring the sync back — see tmc.event-rule.missing`,
    };
  }
  const passing = (checkId: string, ruleArn: string) =>
    ruleFindings.some(
      (finding) =>
        finding.checkId === checkId && finding.resource.arn === ruleArn && finding.status === 'PASS',
    );
  const ruleArns = [
    ...new Set(ruleFindings.flatMap((finding) => (finding.resource.arn ? [finding.resource.arn] : []))),
  ];
  const good = ruleArns.find(
    (arn) => passing('tmc.event-rule.disabled', arn) && passing('tmc.event-rule.wrong-target', arn),
  );
  if (good !== undefined) return { arn: good };
  const problems = ruleFindings
    .filter((finding) => finding.checkId !== 'tmc.event-rule.missing' && finding.status !== 'PASS')
    .map((finding) => `${bare(finding.message)} (${finding.checkId})`);
  return {
    blocker:
      `no enabled rule of the credential is known to target ${name}` +
      (problems.length > 0 ? ` (${problems.join('; ')})` : '') +
      ': fix the rule first, one invocation would not bring the sync back',
  };
}

/** A finding message without its final full stop, to quote inside a sentence. */
function bare(message: string): string {
  return message.replace(/\.$/, '');
}

function arnName(arn: string): string {
  const functionMatch = /:function:([^:]+)/.exec(arn);
  if (functionMatch?.[1]) return functionMatch[1];
  return arn.slice(arn.lastIndexOf('/') + 1);
}

export interface RemediationExtra {
  readonly runId: string;
  readonly at: Date;
  /** Replaces the decision's reason (a FAILED invocation says what went wrong). */
  readonly reason?: string;
  /** The AWS error name when `outcome` is FAILED. */
  readonly errorName?: string;
}

/** The finding update published for one decision (validated by remediationDetailSchema). */
export function remediationDetail(
  decision: RetriggerDecision,
  outcome: RemediationOutcome,
  extra: RemediationExtra,
): RemediationDetail {
  return {
    schemaVersion: REMEDIATION_SCHEMA_VERSION,
    runId: extra.runId,
    action: 'retrigger-data-sync',
    outcome,
    findingId: decision.finding.findingId,
    idempotencyKey: decision.finding.idempotencyKey,
    checkId: decision.finding.checkId,
    accountId: decision.accountId,
    region: decision.region,
    credentialName: decision.credentialName,
    functionArn: decision.functionArn,
    reason: extra.reason ?? decision.reason,
    ...(extra.errorName === undefined ? {} : { errorName: extra.errorName }),
    at: extra.at.toISOString(),
  };
}

import { createHash } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { unqualifiedFunctionArn } from '../../core/classify';
import {
  remediationDetail,
  type InvokeDecision,
  type RetriggerDecision,
} from '../../core/lifecycle/remediation';
import type { RemediationDetail } from '../../core/lifecycle/remediation-event';
import { errorMessage, errorName } from '../aws-error';

export interface RetriggerContext {
  readonly runId: string;
  readonly now: Date;
}

/** Lambda's answer to an accepted asynchronous (`Event`) invocation. */
const ACCEPTED = 202;

/**
 * What the invoked function receives. TMC's data-sync function is normally started by the credential's
 * CloudWatch Events rule, a schedule (`rate(5 minutes)`) whose target carries no custom input, so every run it has
 * ever handled received a "Scheduled Event". The payload is therefore shaped like the event that rule delivers
 * (same source, detail-type, account, region and the rule's ARN in `resources`): we cannot read TMC's code, and the
 * event shape it is proven to accept is the safest. An empty `{}` would be the first payload of its kind the
 * function ever saw; if it reads `time`, `resources` or `detail` it could fail, raise tmc.lambda.errors and
 * turn a remediation into a new incident.
 *
 * Two deliberate differences let the run be told apart in the function's logs: `id` is derived from the
 * finding's idempotency key (a UUID-shaped hash, stable if the same transition is retried), and `detail`, empty
 * in a real scheduled event and never read by a schedule handler, names this checker and the finding.
 */
export function retriggerPayload(decision: InvokeDecision, context: RetriggerContext): string {
  const { finding } = decision;
  return JSON.stringify({
    version: '0',
    id: uuidFrom(finding.idempotencyKey),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: decision.accountId,
    // Scheduled events carry whole seconds.
    time: context.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: decision.region,
    resources: [decision.eventRuleArn],
    detail: {
      'tmc-health': {
        action: 'retrigger-data-sync',
        reason: 'retrigger after tmc.lambda.not-invoked',
        runId: context.runId,
        findingId: finding.findingId,
        idempotencyKey: finding.idempotencyKey,
      },
    },
  });
}

function uuidFrom(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
}

/**
 * Carries out the built-in remediation's decisions: one asynchronous invocation per invoke decision, one
 * remediation detail per decision. Never throws: a refused invocation (or a region whose client cannot be built)
 * is a FAILED detail naming the error, and the other decisions still run. A function is invoked at most once per
 * run, whatever the decisions say; later decisions for the same function are dropped.
 *
 * No retry loop of our own: the SDK client already retries throttling and server errors, and an asynchronous
 * invocation that timed out may still have been queued, so retrying further risks the second run this class is
 * meant to prevent.
 */
export class LambdaRetrigger {
  constructor(private readonly clientFor: (region: string) => LambdaClient) {}

  async run(
    decisions: readonly RetriggerDecision[],
    context: RetriggerContext,
  ): Promise<RemediationDetail[]> {
    const seen = new Set<string>();
    const unique = decisions.filter((decision) => {
      const key = unqualifiedFunctionArn(decision.functionArn);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return Promise.all(unique.map((decision) => this.carryOut(decision, context)));
  }

  private async carryOut(decision: RetriggerDecision, context: RetriggerContext): Promise<RemediationDetail> {
    const at = { runId: context.runId, at: context.now };
    if (decision.kind === 'skip') return remediationDetail(decision, 'SKIPPED', at);
    try {
      const response = await this.clientFor(decision.region).send(
        new InvokeCommand({
          FunctionName: decision.functionArn,
          InvocationType: 'Event',
          Payload: retriggerPayload(decision, context),
        }),
      );
      if (response.StatusCode === ACCEPTED) return remediationDetail(decision, 'INVOKED', at);
      return remediationDetail(decision, 'FAILED', {
        ...at,
        errorName: 'UnexpectedStatusCode',
        reason: `Lambda answered the asynchronous invocation of ${decision.functionArn} with status ${String(response.StatusCode)} instead of ${ACCEPTED}; it may not have been queued. Invoke it once by hand after checking tmc.lambda.not-invoked.`,
      });
    } catch (error) {
      const name = errorName(error);
      return remediationDetail(decision, 'FAILED', {
        ...at,
        errorName: name,
        reason: `Invoking ${decision.functionArn} failed with ${name}: ${errorMessage(error)}. Nothing was retriggered; ${hint(name)}`,
      });
    }
  }
}

function hint(name: string): string {
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return "the checker's role needs lambda:InvokeFunction on the credential's data-sync function (or turn autoRemediation off).";
  }
  if (name === 'ResourceNotFoundException') {
    return 'the function disappeared since the check ran; see tmc.lambda.missing.';
  }
  return 'invoke it once by hand after checking the findings of this credential.';
}

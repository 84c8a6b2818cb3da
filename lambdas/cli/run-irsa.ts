import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { runIrsaCheck, type IrsaRunSummary } from '../app/irsa-check';
import { publishingSink } from '../app/run-sink';
import { createAssumedIrsaClients, createIrsaClients } from '../adapters/irsa/clients';
import type { FindingPublisher, PublishReport } from '../core/publishing';
import type { Finding } from '../core/finding';
import type { IrsaSettings } from '../core/irsa/settings';

/**
 * The CLI's IRSA check, apart from run-check.ts so that `check --checks tmc` never loads it: run-check imports it
 * with `import()` when the family runs, and with it the CloudTrail, IAM and DynamoDB clients.
 */

/** The IRSA check started reading a region's CloudTrail (LookupEvents, at most 2 requests/s). */
export interface IrsaRegionProgress {
  readonly kind: 'irsa-region';
  readonly region: string;
  readonly index: number;
  readonly total: number;
}

export interface IrsaRun {
  readonly findings: readonly Finding[];
  readonly summary: IrsaRunSummary;
  readonly publishReport?: PublishReport;
}

export interface IrsaRunRequest {
  readonly settings: IrsaSettings;
  readonly accountId: string;
  /** Another account's role (check --accounts); absent: the caller's own account, the default chain. */
  readonly credentials?: AwsCredentialIdentityProvider;
  readonly homeRegion: string;
  readonly publisher?: FindingPublisher;
  readonly maxAttempts?: number;
  readonly onProgress?: (event: IrsaRegionProgress) => void;
  /** Every client the run created, destroyed by the caller when all families are done. */
  readonly toDestroy: { destroy(): void }[];
}

/**
 * The IRSA check: the Lambda's runIrsaCheck and adapters, without a watermark table (a dry scan of the lookback
 * window: nothing is committed, with or without --publish).
 */
export async function runIrsa(request: IrsaRunRequest): Promise<IrsaRun> {
  const { settings, credentials, homeRegion, publisher, onProgress, toDestroy } = request;
  // The caller's own account keeps its clients exactly as before (no options); another account's are signed
  // with its role's credentials and honour AWS_MAX_ATTEMPTS like the credential check's.
  const base = credentials
    ? createAssumedIrsaClients(homeRegion, credentials, { maxAttempts: request.maxAttempts })
    : createIrsaClients({}, homeRegion);
  toDestroy.push(base.iam);
  const started = new Set<string>();
  // Known once the run has planned its regions (with none configured, after listing the OIDC providers).
  let total = settings.regions.length;
  const cloudTrailFor = (region: string): CloudTrailClient => {
    const client = base.cloudTrailFor(region);
    if (!started.has(region)) {
      started.add(region);
      toDestroy.push(client);
      onProgress?.({ kind: 'irsa-region', region, index: started.size, total });
    }
    return client;
  };
  const result = await runIrsaCheck(
    { accountId: request.accountId, settings, defaultRegion: homeRegion },
    {
      clients: { ...base, cloudTrailFor },
      onRegionPlan: (plan) => (total = plan.length),
      ...(publisher ? { sink: publishingSink(publisher) } : {}),
    },
  );
  return {
    findings: result.findings,
    summary: result.summary,
    ...(result.publishReport ? { publishReport: result.publishReport } : {}),
  };
}

import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { runCredentialCheck } from '../app/credential-check';
import type { IrsaRunSummary } from '../app/irsa-check';
import { publishingSink } from '../app/run-sink';
import { createAssumedRegionClients } from '../adapters/assume-role';
import { createRegionClients, type RegionClients } from '../adapters/clients';
import type { EksConnectorClients } from '../adapters/eks-connector-clients';
import type { FindingPublisher } from '../core/publishing';
import { PublishError, type PublishReport } from '../core/publishing';
import { isProblem, type Finding } from '../core/finding';
import type { IrsaSettings } from '../core/irsa/settings';
import type { RunSummary } from '../core/run-summary';
import type { CheckerSettings } from '../core/settings';
import { resolveAccountId } from './account';
import type { CheckFamily } from './check-options';
import { CliError, EXIT } from './exit-codes';
import type { IrsaRegionProgress, IrsaRun } from './run-irsa';
import { combineSummaries, type CliSummary } from './summary';

/*
 * Loaded when used, with import(): the IRSA check (./run-irsa.ts: CloudTrail, IAM, DynamoDB), the EKS Connector
 * reads (EKS, IAM) and the publishers (SNS). `check --checks tmc`, the common case, then loads only the clients it
 * calls (STS, tagging, Lambda, CloudWatch, EventBridge, SSM); esbuild puts each in a chunk of its own
 * (scripts/build-cli.ts), and test/infra/cli-bundle.test.ts checks which clients each path loads.
 */

export type ProgressEvent =
  | { readonly kind: 'account' }
  | { readonly kind: 'region'; readonly region: string; readonly index: number; readonly total: number }
  /** The IRSA check started reading a region's CloudTrail (LookupEvents, at most 2 requests/s). */
  | IrsaRegionProgress
  | { readonly kind: 'publish' }
  /** `--accounts`: how many accounts are done, and which are being checked now. */
  | {
      readonly kind: 'fleet';
      readonly done: number;
      readonly total: number;
      readonly running: readonly string[];
    };

export interface CheckRequest {
  /** The families to run; defaults to `tmc` alone for callers that predate IRSA. */
  readonly families?: readonly CheckFamily[];
  /** Fully validated; `regions` is never empty. Its bus, topic and runbook also serve the IRSA check. */
  readonly settings: CheckerSettings;
  /** Required when `families` includes `irsa`: regions resolved, no watermark table. */
  readonly irsaSettings?: IrsaSettings;
  /** Send the FAIL and ERROR findings through the EventBridge/SNS publisher, as the Lambdas do statelessly. */
  readonly publish: boolean;
  /** With `publish`: PASS findings too (a full state for consumers that want one). */
  readonly publishAll?: boolean;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** One family's own part of the outcome. */
export interface IrsaOutcome {
  readonly findings: readonly Finding[];
  readonly summary: IrsaRunSummary;
}

export interface CheckOutcome {
  readonly accountId: string;
  /** Every finding of every family that ran (TMC first, then IRSA), exactly as the Lambdas publish them. */
  readonly findings: readonly Finding[];
  /** The credential summary's shape; counts cover every finding; `irsa` when the IRSA check ran. */
  readonly summary: CliSummary;
  /** Present when the IRSA check ran: its findings (also in `findings`) and its summary. */
  readonly irsa?: IrsaOutcome;
  readonly publishReport?: PublishReport;
}

/** The seam the command is tested through: the real one talks to AWS, tests inject a fake. */
export type RunCheck = (request: CheckRequest) => Promise<CheckOutcome>;

export interface AwsRunCheckOptions {
  /** From AWS_MAX_ATTEMPTS when set; otherwise the adapters' default. */
  readonly maxAttempts?: number;
  /** Where the bus and topic live when given by name: AWS_REGION, else the first checked region. */
  readonly homeRegion?: string;
}

/**
 * The real RunCheck: STS for the account id, then the very same runCredentialCheck, adapters and publisher
 * as the Lambda. Clients use the SDK's default chain, so AWS_PROFILE, AWS_ENDPOINT_URL(_<SERVICE>) apply.
 */
export function createAwsRunCheck(options: AwsRunCheckOptions = {}): RunCheck {
  return async (request) => {
    const firstRegion = checkedFirstRegion(request);
    request.onProgress?.({ kind: 'account' });
    const accountId = await resolveAccountId(firstRegion, options.maxAttempts);
    return runAccountCheck(request, options, { accountId });
  };
}

/** The first region to check, after the request's own consistency checks (usage errors). */
export function checkedFirstRegion(
  request: Pick<CheckRequest, 'settings' | 'families' | 'irsaSettings'>,
): string {
  const firstRegion = request.settings.regions[0];
  if (firstRegion === undefined) throw new CliError(EXIT.USAGE, 'no region to check');
  if ((request.families ?? ['tmc']).includes('irsa') && request.irsaSettings === undefined) {
    throw new CliError(EXIT.USAGE, 'the IRSA check needs its settings');
  }
  return firstRegion;
}

/** Which account a run reads, and with which credentials (absent: the SDK's default chain). */
export interface AccountAccess {
  readonly accountId: string;
  /** Another account's role, assumed (lambdas/adapters/assume-role.ts); every client of the run signs with it. */
  readonly credentials?: AwsCredentialIdentityProvider;
}

/**
 * One account's check, the account already known: the families requested, with the Lambda's own code. Shared by
 * `check` (the caller's account) and `check --accounts` (each account through its role, run-fleet.ts).
 */
export async function runAccountCheck(
  { settings, irsaSettings, families = ['tmc'], publish, publishAll, onProgress }: CheckRequest,
  options: AwsRunCheckOptions,
  access: AccountAccess,
): Promise<CheckOutcome> {
  const firstRegion = checkedFirstRegion({ settings, families, ...(irsaSettings ? { irsaSettings } : {}) });
  const { accountId } = access;
  const homeRegion = options.homeRegion ?? firstRegion;
  const created = publish
    ? (await import('../adapters/publishers')).createFindingPublisher(settings, homeRegion)
    : undefined;
  const publisher: FindingPublisher | undefined = created
    ? {
        publish: (findings, run) => {
          onProgress?.({ kind: 'publish' });
          // Stateless publishing sends problems only (docs/events.md), like the Lambda without its ledger.
          return created.publish(publishAll ? findings : findings.filter(isProblem), run);
        },
      }
    : undefined;

  const toDestroy: { destroy(): void }[] = [];
  const runs = await Promise.allSettled([
    // The EKS Connector and Pod Identity checks run inside the credential check, as in the Lambda; any of the
    // three families starts it.
    families.includes('tmc') || families.includes('eks-connector') || families.includes('pod-identity')
      ? runTmc(
          {
            ...settings,
            eksConnectorEnabled: families.includes('eks-connector'),
            podIdentityEnabled: families.includes('pod-identity'),
          },
          families.includes('tmc'),
          access,
          firstRegion,
          publisher,
          options,
          onProgress,
          toDestroy,
        )
      : Promise.resolve(undefined),
    families.includes('irsa') && irsaSettings !== undefined
      ? import('./run-irsa').then(({ runIrsa }) =>
          runIrsa({
            settings: irsaSettings,
            accountId,
            ...(access.credentials ? { credentials: access.credentials } : {}),
            homeRegion,
            ...(publisher ? { publisher } : {}),
            ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
            ...(onProgress ? { onProgress } : {}),
            toDestroy,
          }),
        )
      : Promise.resolve(undefined),
  ]);
  for (const client of toDestroy) client.destroy();
  const failed = runs.find((run) => run.status === 'rejected');
  if (failed) {
    const error: unknown = failed.reason;
    if (error instanceof PublishError) {
      throw new CliError(EXIT.ERROR, `publishing the findings failed: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const [tmc, irsa] = runs.map((run) => (run.status === 'fulfilled' ? run.value : undefined)) as [
    TmcRun | undefined,
    IrsaRun | undefined,
  ];
  const findings = [...(tmc?.findings ?? []), ...(irsa?.findings ?? [])];
  const publishReport = mergeReports([tmc?.publishReport, irsa?.publishReport]);
  return {
    accountId,
    findings,
    summary: combineSummaries({
      accountId,
      findings,
      ...(tmc ? { tmc: tmc.summary } : {}),
      ...(irsa ? { irsa: irsa.summary } : {}),
    }),
    ...(irsa ? { irsa: { findings: irsa.findings, summary: irsa.summary } } : {}),
    ...(publishReport ? { publishReport } : {}),
  };
}

interface TmcRun {
  readonly findings: readonly Finding[];
  readonly summary: RunSummary;
  readonly publishReport?: PublishReport;
}

/**
 * The credential check: the Lambda's runCredentialCheck with per-region clients created on first use; the TMC
 * family when `tmc`, the EKS Connector's when `settings.eksConnectorEnabled`, Pod Identity's when
 * `settings.podIdentityEnabled`.
 */
async function runTmc(
  settings: CheckerSettings,
  tmc: boolean,
  access: AccountAccess,
  firstRegion: string,
  publisher: FindingPublisher | undefined,
  options: AwsRunCheckOptions,
  onProgress: CheckRequest['onProgress'],
  toDestroy: { destroy(): void }[],
): Promise<TmcRun> {
  const regions = settings.regions;
  const clients = new Map<string, RegionClients>();
  const clientsFor = (region: string): RegionClients => {
    let regionClients = clients.get(region);
    if (regionClients === undefined) {
      onProgress?.({ kind: 'region', region, index: clients.size + 1, total: regions.length });
      regionClients = access.credentials
        ? createAssumedRegionClients(region, access.credentials, { maxAttempts: options.maxAttempts })
        : createRegionClients(region, { maxAttempts: options.maxAttempts });
      clients.set(region, regionClients);
      toDestroy.push(
        regionClients.tagging,
        regionClients.lambda,
        regionClients.cloudwatch,
        regionClients.events,
        regionClients.ssm,
      );
    }
    return regionClients;
  };
  const result = await runCredentialCheck(
    { accountId: access.accountId, settings, defaultRegion: firstRegion, tmc },
    {
      clientsFor,
      ...(settings.eksConnectorEnabled || settings.podIdentityEnabled
        ? await eksReads(settings, access, options, toDestroy)
        : {}),
      ...(publisher ? { sink: publishingSink(publisher) } : {}),
    },
  );
  return {
    findings: result.findings,
    summary: result.summary,
    ...(result.publishReport ? { publishReport: result.publishReport } : {}),
  };
}

/**
 * The EKS and IAM clients and the reads of the EKS Connector and Pod Identity checks (with --checks eks-connector or
 * pod-identity, both defaults), loaded then: clients per region, created once, shared by both families and signed
 * like the others; each family's reads only when it runs.
 */
async function eksReads(
  settings: Pick<CheckerSettings, 'eksConnectorEnabled' | 'podIdentityEnabled'>,
  access: AccountAccess,
  options: AwsRunCheckOptions,
  toDestroy: { destroy(): void }[],
) {
  const [{ createEksConnectorClients }, eksConnector, podIdentity] = await Promise.all([
    import('../adapters/eks-connector-clients'),
    settings.eksConnectorEnabled ? import('../adapters/gather-eks-connector') : undefined,
    settings.podIdentityEnabled ? import('../adapters/gather-pod-identity') : undefined,
  ]);
  const eksClients = new Map<string, EksConnectorClients>();
  const eksConnectorClientsFor = (region: string): EksConnectorClients => {
    let created = eksClients.get(region);
    if (created === undefined) {
      created = createEksConnectorClients(region, {
        maxAttempts: options.maxAttempts,
        ...(access.credentials ? { credentials: access.credentials } : {}),
      });
      eksClients.set(region, created);
      toDestroy.push(created.eks, created.iam);
    }
    return created;
  };
  return {
    eksConnectorClientsFor,
    ...(eksConnector ? { gatherEksConnector: eksConnector.gatherEksConnector } : {}),
    ...(podIdentity ? { gatherPodIdentity: podIdentity.gatherPodIdentity } : {}),
  };
}

/** One report for the command's stderr line: the families publish separately, as their Lambdas do. */
function mergeReports(reports: readonly (PublishReport | undefined)[]): PublishReport | undefined {
  const present = reports.filter((report): report is PublishReport => report !== undefined);
  if (present.length <= 1) return present[0];
  return {
    publisher: 'composite',
    parts: present,
    findingCount: present.reduce((sum, report) => sum + report.findingCount, 0),
    delivered: present.reduce((sum, report) => sum + report.delivered, 0),
    apiCalls: present.reduce((sum, report) => sum + report.apiCalls, 0),
  };
}

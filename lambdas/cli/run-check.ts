import { runCredentialCheck } from '../app/credential-check';
import { createRegionClients, type RegionClients } from '../adapters/clients';
import { PublishError, type PublishReport } from '../adapters/publisher';
import { createFindingPublisher } from '../adapters/publishers';
import type { Finding } from '../core/finding';
import type { RunSummary } from '../core/run-summary';
import type { CheckerSettings } from '../core/settings';
import { resolveAccountId } from './account';
import { CliError, EXIT } from './exit-codes';

export type ProgressEvent =
  | { readonly kind: 'account' }
  | { readonly kind: 'region'; readonly region: string; readonly index: number; readonly total: number }
  | { readonly kind: 'publish' };

export interface CheckRequest {
  /** Fully validated; `regions` is never empty. */
  readonly settings: CheckerSettings;
  /** Send the findings through the EventBridge/SNS publisher, as the Lambda does. */
  readonly publish: boolean;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface CheckOutcome {
  readonly accountId: string;
  readonly findings: readonly Finding[];
  readonly summary: RunSummary;
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
  return async ({ settings, publish, onProgress }) => {
    const regions = settings.regions;
    const firstRegion = regions[0];
    if (firstRegion === undefined) throw new CliError(EXIT.USAGE, 'no region to check');
    onProgress?.({ kind: 'account' });
    const accountId = await resolveAccountId(firstRegion, options.maxAttempts);

    const clients = new Map<string, RegionClients>();
    const clientsFor = (region: string): RegionClients => {
      let regionClients = clients.get(region);
      if (regionClients === undefined) {
        onProgress?.({ kind: 'region', region, index: clients.size + 1, total: regions.length });
        regionClients = createRegionClients(region, { maxAttempts: options.maxAttempts });
        clients.set(region, regionClients);
      }
      return regionClients;
    };
    const homeRegion = options.homeRegion ?? firstRegion;
    const publisher = publish ? createFindingPublisher(settings, homeRegion) : undefined;
    try {
      const result = await runCredentialCheck(
        { accountId, settings, defaultRegion: firstRegion },
        {
          clientsFor,
          ...(publisher
            ? {
                publisher: {
                  publish: (findings, run) => {
                    onProgress?.({ kind: 'publish' });
                    return publisher.publish(findings, run);
                  },
                },
              }
            : {}),
        },
      );
      return {
        accountId,
        findings: result.findings,
        summary: result.summary,
        ...(result.publishReport ? { publishReport: result.publishReport } : {}),
      };
    } catch (error) {
      if (error instanceof PublishError) {
        throw new CliError(EXIT.ERROR, `publishing the findings failed: ${error.message}`, { cause: error });
      }
      throw error;
    } finally {
      for (const regionClients of clients.values()) {
        for (const client of [
          regionClients.tagging,
          regionClients.lambda,
          regionClients.cloudwatch,
          regionClients.events,
          regionClients.ssm,
        ]) {
          client.destroy();
        }
      }
    }
  };
}

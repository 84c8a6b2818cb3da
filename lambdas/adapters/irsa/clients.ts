import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { IrsaSettings } from '../../core/irsa/settings';
import {
  attachRequestCounter,
  clientConfig,
  type ClientOptions,
  type RequestCounter,
} from '../client-config';
import { reportUnexpectedAnswers } from '../unexpected-answer';
import type { IrsaClients } from './gather-irsa';
import { DynamoClaimStore } from './claim-store';
import { DynamoWatermarkStore } from './watermark-store';

/**
 * Only `region`, the retry strategy and the per-attempt timeouts are set, so the SDK's own resolution of
 * AWS_ENDPOINT_URL(_CLOUDTRAIL, _IAM, _DYNAMODB), profiles and credentials applies unchanged (the integration
 * tests rely on it). Adaptive retry slows the client down after throttles, on top of our own LookupEvents rate
 * limiter; the timeouts turn a hung endpoint into a TimeoutError instead of a hung run.
 */

/**
 * Clients for the IRSA check, created once per container so warm runs reuse connections and the adaptive
 * retry's state. IAM is global: one client, in the caller's region (valid in every partition).
 */
export function createIrsaClients(
  settings: Pick<IrsaSettings, 'watermarkTableName'> & Partial<Pick<IrsaSettings, 'realtime'>>,
  homeRegion: string,
  options: ClientOptions = {},
): IrsaClients & { readonly claimStore?: DynamoClaimStore } {
  const config = (region: string) => clientConfig(region, options);
  const cloudTrail = new Map<string, CloudTrailClient>();
  const cloudTrailFor = (region: string): CloudTrailClient => {
    let client = cloudTrail.get(region);
    if (client === undefined) {
      client = new CloudTrailClient(config(region));
      reportUnexpectedAnswers(client);
      cloudTrail.set(region, client);
    }
    return client;
  };
  const iam = new IAMClient(config(homeRegion));
  reportUnexpectedAnswers(iam);
  const dynamodb = new DynamoDBClient(config(homeRegion));
  reportUnexpectedAnswers(dynamodb);
  return {
    cloudTrailFor,
    iam,
    ...(settings.watermarkTableName === undefined
      ? {}
      : { watermarkStore: new DynamoWatermarkStore(dynamodb, settings.watermarkTableName) }),
    // IRSA real time (docs/irsa-realtime.md): claims and scan leases beside the watermarks.
    ...(settings.realtime === true && settings.watermarkTableName !== undefined
      ? { claimStore: new DynamoClaimStore(dynamodb, settings.watermarkTableName) }
      : {}),
  };
}

/**
 * The IRSA check's clients (createIrsaClients without a watermark store: the CLI never keeps one) signed with
 * `credentials`: another account's, through its role (lambdas/adapters/assume-role.ts).
 */
export function createAssumedIrsaClients(
  homeRegion: string,
  credentials: AwsCredentialIdentityProvider,
  options: ClientOptions = {},
): IrsaClients {
  return createIrsaClients({ watermarkTableName: undefined }, homeRegion, { ...options, credentials });
}

/** The IAM and CloudTrail clients counted, so the run summary event and the ApiCalls metric say what a run cost. */
export function countIrsaClients<C extends IrsaClients>(clients: C, counter: RequestCounter): C {
  attachRequestCounter(clients.iam, counter);
  return {
    ...clients,
    cloudTrailFor: (region: string) => {
      const client = clients.cloudTrailFor(region);
      attachRequestCounter(client, counter);
      return client;
    },
  };
}

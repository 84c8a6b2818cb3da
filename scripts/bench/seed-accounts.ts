/**
 * The bench's accounts in moto, seeded with the integration tier's own helpers (test/integration/support) so the
 * resources are shaped exactly as the tests' TMC credentials: healthy credentials in any number of regions, and
 * plain application functions that have nothing to do with TMC.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mapWithConcurrency } from '../../lambdas/adapters/gather-concurrency';
import { destroyClients, type TestClients } from '../../test/integration/support/moto';
import { ensureLambdaRole, seedTmcCredential } from '../../test/integration/support/seed';

/** Seeding calls in flight at once: moto is one local process, more only queues up there. */
const SEED_CONCURRENCY = 8;

/** testClients() for any region (the support's are pinned to TEST_REGION; moto serves every region on one port). */
export function clientsInRegion(endpoint: string, region: string): TestClients {
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 2,
  };
  return {
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    cloudwatch: new CloudWatchClient(config),
    events: new EventBridgeClient(config),
    ssm: new SSMClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
}

/** A credential name per (region, index): a TMC credential's resources all live in one region. */
export const benchCredentialName = (region: string, index: number) =>
  `bench-${region}-${String(index).padStart(2, '0')}`;

/** Seeds `perRegion` healthy TMC credentials in each region; returns their names. Expects an empty moto. */
export async function seedCredentials(
  endpoint: string,
  regions: readonly string[],
  perRegion: number,
): Promise<string[]> {
  const byRegion = new Map(regions.map((region) => [region, clientsInRegion(endpoint, region)]));
  try {
    // The shared IAM role first: concurrent seeders would otherwise race to create it.
    await ensureLambdaRole(byRegion.values().next().value!);
    const work = regions.flatMap((region) =>
      Array.from({ length: perRegion }, (_, index) => ({ region, name: benchCredentialName(region, index) })),
    );
    await mapWithConcurrency(work, SEED_CONCURRENCY, ({ region, name }) =>
      seedTmcCredential(byRegion.get(region)!, name),
    );
    return work.map(({ name }) => name);
  } finally {
    for (const clients of byRegion.values()) destroyClients(clients);
  }
}

/**
 * The fault-injection hub (issue 13): the fleet watch over a heartbeat table of three members, one of them silent.
 * The DynamoDB mock is the IRSA fixture's (one mock per client class per test file); `install` resets it.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { observeFleet } from '../../../lambdas/app/fleet-watch';
import { DynamoHeartbeatStore, toHeartbeatItem } from '../../../lambdas/adapters/fleet/heartbeat-store';
import type { Finding } from '../../../lambdas/core/finding';
import { heartbeatUpdateOf } from '../../../lambdas/core/fleet/heartbeat';
import type { RunReport } from '../../../lambdas/core/fleet/run-report-types';
import { COMMAND } from './irsa-account';

export const HUB = '999999999999';
export const HOME_REGION = 'eu-central-1';
const NOW = new Date('2026-05-01T12:00:00.000Z');
const dynamodb = COMMAND.PutItem[0];

/** The one read the watch makes; the lifecycle's ledger calls come after and are covered by lifecycle-stage tests. */
export const OPERATIONS = ['dynamodb:Scan'] as const;

function item(accountId: string, family: 'credentials' | 'irsa', minutesAgo: number) {
  const report = {
    family,
    accountId,
    runId: `${accountId}-${family}`,
    regions: ['us-west-2'],
    part: 1,
    parts: 1,
    finishedAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
    findings: [],
  } as unknown as RunReport;
  return toHeartbeatItem(heartbeatUpdateOf(report), NOW);
}

const HEALTHY = {
  Items: [
    item('111111111111', 'credentials', 5),
    item('111111111111', 'irsa', 20),
    item('222222222222', 'credentials', 180),
  ],
};

/** `{}`: a Scan answer without its Items list. */
export const MALFORMED = (): unknown => ({});

export function install(answer?: (input: Record<string, unknown>) => unknown): void {
  dynamodb.reset();
  dynamodb.on(ScanCommand).callsFake((input: Record<string, unknown>) => (answer ? answer(input) : HEALTHY));
}

export async function run(): Promise<readonly Finding[]> {
  const store = new DynamoHeartbeatStore(
    new DynamoDBClient({ region: HOME_REGION, maxAttempts: 1 }),
    'fleet',
  );
  const observation = await observeFleet(
    {
      hubAccountId: HUB,
      homeRegion: HOME_REGION,
      settings: { fleetTableName: 'fleet', memberSilentAfterMinutes: 45, runbookBaseUrl: 'docs/checks.md' },
    },
    store,
    NOW,
  );
  return observation.findings;
}

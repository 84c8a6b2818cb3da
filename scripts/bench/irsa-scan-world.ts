/**
 * The account the IRSA scan bench runs against: in moto, an OIDC provider, one role whose trust policy names
 * another service account (so every call is a sub-mismatch denial), the watermark table and the sinks the
 * findings land in; in the CloudTrail stub, `events` denials from `serviceAccounts` service accounts (one finding
 * group each) over the last hour. Names are unique per call, so it can share moto with the bench's other parts.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudTrailStub, StubEvent } from '../../test/integration/support/cloudtrail-stub';
import { eksIssuer, serviceAccountSubject, spreadCalls } from '../../test/integration/support/irsa-fixtures';
import { IRSA_RULE_PATTERN } from '../../test/integration/support/irsa-runner';
import {
  createOidcProvider,
  createTrustRole,
  createWatermarkTable,
  webIdentityStatement,
} from '../../test/integration/support/irsa-seed';
import {
  MOTO_ACCOUNT_ID,
  TEST_REGION,
  uniqueName,
  type TestClients,
} from '../../test/integration/support/moto';
import { publishingSinks, type Sinks } from '../../test/integration/support/sinks';

export interface IrsaScanWorldOptions {
  readonly events: number;
  readonly serviceAccounts: number;
  readonly now: Date;
}

export interface IrsaScanWorld {
  readonly sinks: Sinks;
  readonly watermarkTable: string;
  /** Event id → the subject of its group (what `finding.irsa.serviceAccount` says). */
  readonly groupOf: ReadonlyMap<string, string>;
}

const NAMESPACE = 'bench';
const MINUTE_MS = 60_000;
/** Denials in the last 15 minutes, all service accounts together: fewer than the watermark remembers (about 400). */
const OVERLAP_DENIALS = 240;

export async function seedIrsaScanWorld(
  clients: TestClients,
  dynamo: DynamoDBClient,
  stub: CloudTrailStub,
  options: IrsaScanWorldOptions,
): Promise<IrsaScanWorld> {
  // A provider of its own: CreateOpenIDConnectProvider refuses an issuer another part already registered.
  const issuer = eksIssuer(TEST_REGION, randomBytes(16).toString('hex').toUpperCase());
  await createOidcProvider(clients, issuer);
  const role = await createTrustRole(clients, uniqueName('irsa-bench-app'), [
    webIdentityStatement({ issuer, sub: serviceAccountSubject(NAMESPACE, 'expected') }),
  ]);
  const watermarkTable = uniqueName('tmc-health-irsa-bench');
  await createWatermarkTable(dynamo, watermarkTable);
  const sinks = await publishingSinks(clients, {
    prefix: uniqueName('irsa-bench'),
    eventBusName: uniqueName('tmc-health-irsa-bench'),
    eventPattern: IRSA_RULE_PATTERN,
  });

  // Like test/integration/irsa-performance.test.ts: denials over [now - 55 min, now - 1 min], inside the first
  // run's 60-minute lookback. Every service account gets the same time grid, so several denials share each
  // CloudTrail second and the cut falls inside a second, part read and part not (the watermark keeps that second
  // in the gap and remembers the ids read at it). The resume also re-reads the last 15 minutes (the overlap for
  // late deliveries), all of them already counted. The runs follow each other at once, not 15 minutes apart, so
  // the overlap holds no more denials than the watermark remembers (OVERLAP_DENIALS, under its 32 KB of ids):
  // a denser overlap is counted by the run 15 minutes later, which only a spaced schedule shows
  // (test/adversarial/irsa-flood-blinding.test.ts).
  const perAccount = Math.ceil(options.events / options.serviceAccounts);
  const from = new Date(options.now.getTime() - 55 * MINUTE_MS);
  const overlapFrom = new Date(options.now.getTime() - 15 * MINUTE_MS);
  const to = new Date(options.now.getTime() - MINUTE_MS);
  const inOverlap = Math.floor(OVERLAP_DENIALS / options.serviceAccounts);
  const events: StubEvent[] = [];
  const groupOf = new Map<string, string>();
  for (let i = 0; i < options.serviceAccounts; i++) {
    const serviceAccount = `sa-${i}`;
    const count = Math.min(perAccount, options.events - i * perAccount);
    const call = {
      roleArn: role,
      namespace: NAMESPACE,
      serviceAccount,
      issuer,
      providerAccount: MOTO_ACCOUNT_ID,
      region: TEST_REGION,
      eventTime: from,
      errorCode: 'AccessDenied',
    };
    const older = spreadCalls(call, count - inOverlap, from, new Date(overlapFrom.getTime() - MINUTE_MS));
    // Ids derive from the call's time too, so the two spreads never share one (checked below).
    const calls = [...older, ...spreadCalls(call, inOverlap, overlapFrom, to)];
    for (const call of calls) groupOf.set(call.eventId, serviceAccountSubject(NAMESPACE, serviceAccount));
    events.push(...calls);
  }
  if (groupOf.size !== events.length) throw new Error('the IRSA bench seeded two denials with one event id');
  stub.seed(TEST_REGION, events);
  return { sinks, watermarkTable, groupOf };
}

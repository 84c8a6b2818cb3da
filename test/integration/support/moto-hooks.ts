/**
 * The hooks most integration files open with, in one place: point this process's SDK clients at moto, make the
 * tests' own clients (and the CloudTrail stub, for the IRSA files), empty moto before each test, and close
 * everything after the file.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startCloudTrailStub, type CloudTrailStub, type CloudTrailStubOptions } from './cloudtrail-stub';
import { dynamoClient } from './irsa-seed';
import {
  destroyClients,
  motoEndpoint,
  resetMoto,
  TEST_REGION,
  testClients,
  useMotoEnvironment,
  type TestClients,
} from './moto';

export interface MotoFileOptions {
  /** Start a CloudTrail LookupEvents stub for the file with these options; it is cleared before each test. */
  readonly cloudTrailStub?: CloudTrailStubOptions;
  /**
   * When moto is emptied: before every test, or once before the file's first test (for files whose tests build on
   * one seeded account).
   * @default 'each'
   */
  readonly reset?: 'each' | 'once';
}

/** What the hooks made, handed to the file once its `beforeAll` ran. */
export interface MotoFile {
  readonly clients: TestClients;
  readonly dynamo: DynamoDBClient;
}

export interface MotoFileWithStub extends MotoFile {
  readonly stub: CloudTrailStub;
}

/**
 * Registers the file's hooks. `ready` receives the clients (and the stub) in `beforeAll`, e.g.
 * `useMotoFile({}, (moto) => ({ clients } = moto))`; hooks the file registers after this call run after these.
 */
export function useMotoFile(
  options: MotoFileOptions & { readonly cloudTrailStub: CloudTrailStubOptions },
  ready: (moto: MotoFileWithStub) => void,
): void;
export function useMotoFile(options: MotoFileOptions, ready: (moto: MotoFile) => void): void;
export function useMotoFile(options: MotoFileOptions, ready: (moto: MotoFileWithStub) => void): void {
  let clients: TestClients | undefined;
  let dynamo: DynamoDBClient | undefined;
  let stub: CloudTrailStub | undefined;
  beforeAll(async () => {
    useMotoEnvironment();
    clients = testClients();
    dynamo = dynamoClient();
    if (options.cloudTrailStub) stub = await startCloudTrailStub(options.cloudTrailStub);
    if (options.reset === 'once') await resetMoto();
    // Without a stub the file was handed the overload without `stub`, and never reads it.
    ready({ clients, dynamo, stub: stub as CloudTrailStub });
  });
  afterAll(async () => {
    if (clients) destroyClients(clients);
    dynamo?.destroy();
    await stub?.close();
  });
  if (options.reset !== 'once') {
    beforeEach(async () => {
      await resetMoto();
      stub?.clear();
    });
  }
}

/** An SDK client of any service, configured for moto like `testClients` (endpoint, region, fake credentials). */
export function motoClient<C>(
  Client: new (config: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  }) => C,
): C {
  return new Client({
    endpoint: motoEndpoint(),
    region: TEST_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

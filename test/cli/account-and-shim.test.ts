import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyAccountError } from '../../lambdas/cli/account';
import { EXIT } from '../../lambdas/cli/exit-codes';

const named = (name: string, message: string, extra: object = {}) =>
  Object.assign(new Error(message), { name }, extra);

describe('STS failures become one-line CLI errors', () => {
  test('no credentials at all -> usage (2) with a hint', () => {
    const error = classifyAccountError(
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      'us-east-1',
      undefined,
    );
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(
      'no usable AWS credentials: Could not load credentials from any providers (pass --profile or set AWS_PROFILE, or run `aws sso login`)',
    );
  });

  test('a profile without credentials -> usage (2) naming the profile', () => {
    for (const error of [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      named('Error', 'Profile nope could not be found or parsed in shared credentials file.'),
    ]) {
      const classified = classifyAccountError(error, 'us-east-1', 'nope');
      expect(classified.exitCode).toBe(EXIT.USAGE);
      expect(classified.message).toContain("check that profile 'nope' exists");
    }
  });

  test('rejected credentials -> usage (2)', () => {
    const error = classifyAccountError(
      named('InvalidClientTokenId', 'The security token included in the request is invalid.'),
      'eu-west-1',
    );
    expect(error).toMatchObject({
      exitCode: EXIT.USAGE,
      message:
        'AWS rejected the credentials (InvalidClientTokenId): The security token included in the request is invalid.',
    });
  });

  test('connection refused, even wrapped in an AggregateError -> unreachable (3)', () => {
    const refused = new AggregateError([
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ]);
    const error = classifyAccountError(refused, 'us-west-2');
    expect(error.exitCode).toBe(EXIT.ERROR);
    expect(error.message).toBe(
      'cannot reach AWS STS in us-west-2 (ECONNREFUSED); check the network, AWS_ENDPOINT_URL and the region',
    );
  });

  test('anything else -> could not run (3), first line of the message only', () => {
    const error = classifyAccountError(named('InternalFailure', 'first\nsecond'), 'us-west-2');
    expect(error).toMatchObject({
      exitCode: EXIT.ERROR,
      message: 'could not identify the AWS account (InternalFailure): first',
    });
  });
});

describe('bin/tmc-health.js', () => {
  test('without the bundle it says how to build it and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmc-health-shim-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(__dirname, '..', '..', 'bin', 'tmc-health.js'), join(dir, 'bin', 'tmc-health.js'));
      const run = spawnSync(process.execPath, [join(dir, 'bin', 'tmc-health.js'), '--help'], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('run `npm run build:cli`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

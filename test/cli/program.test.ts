import { CliError, EXIT } from '../../lambdas/cli/exit-codes';
import { FakeStream, harness, outcomeOf, SCENARIOS } from './support';
import { version } from '../../package.json';

describe('tmc-health check: exit codes', () => {
  test.each([
    ['all PASS', SCENARIOS.healthy, EXIT.OK],
    ['a FAIL', SCENARIOS.failing, EXIT.FAIL],
    ['ERROR and no FAIL', SCENARIOS.erroring, EXIT.ERROR],
    ['FAIL and ERROR (FAIL wins)', SCENARIOS.failingAndErroring, EXIT.FAIL],
  ])('%s -> exit %i in both output modes', async (_name, scenario, expected) => {
    for (const mode of [[], ['--json']]) {
      const cli = harness({ findings: scenario() });
      expect(await cli.run('check', ...mode)).toBe(expected);
      expect(cli.stdout.text).not.toBe('');
    }
  });

  test('no findings at all -> exit 0', async () => {
    const cli = harness({ findings: [] });
    expect(await cli.run('check')).toBe(EXIT.OK);
  });

  test('AWS unreachable (a CliError from runCheck) -> exit 3, one line, no stack', async () => {
    const cli = harness({
      runCheck: () =>
        Promise.reject(new CliError(EXIT.ERROR, 'cannot reach AWS STS in us-west-2 (ECONNREFUSED)')),
    });
    expect(await cli.run('check', '--json')).toBe(EXIT.ERROR);
    expect(cli.stdout.text).toBe('');
    expect(cli.stderr.text).toBe('tmc-health: error: cannot reach AWS STS in us-west-2 (ECONNREFUSED)\n');
  });

  test('an unexpected error -> exit 3 with a one-line message; --debug adds the stack', async () => {
    const boom = () => Promise.reject(new TypeError('boom\nsecond line'));
    const quiet = harness({ runCheck: boom });
    expect(await quiet.run('check')).toBe(EXIT.ERROR);
    expect(quiet.stderr.text).toBe(
      'tmc-health: error: the check could not run: boom (run with --debug for details)\n',
    );
    const loud = harness({ runCheck: boom });
    expect(await loud.run('check', '--debug')).toBe(EXIT.ERROR);
    expect(loud.stderr.text).toMatch(/TypeError: boom[\s\S]*\n\s+at /);
  });

  test('the spinner writes to stderr only when it is a terminal, and never to stdout', async () => {
    const run = (stderrTty: boolean) => {
      const stderr = new FakeStream(stderrTty);
      const cli = harness({
        stderr,
        runCheck: (request) => {
          request.onProgress?.({ kind: 'account' });
          request.onProgress?.({ kind: 'region', region: 'us-west-2', index: 1, total: 1 });
          return Promise.resolve(outcomeOf(SCENARIOS.healthy()));
        },
      });
      return cli.run('check', '--json').then(() => cli);
    };
    const tty = await run(true);
    expect(tty.stderr.text).toContain('Scanning us-west-2 (region 1 of 1)');
    expect(tty.stderr.text.endsWith('\r\u001b[2K')).toBe(true);
    expect(() => JSON.parse(tty.stdout.text) as unknown).not.toThrow();
    const piped = await run(false);
    expect(piped.stderr.text).toBe('');
  });
});

describe('tmc-health: usage errors exit 2', () => {
  test.each([
    [['check', '--bogus'], /unknown option '--bogus'/],
    [['bogus'], /unknown command 'bogus'/],
    [['check', '--since'], /argument missing/],
    [['check', '--since', '90'], /--since: '90' is not a duration/],
    [['check', '--since', '2x'], /--since: '2x' is not a duration/],
    [['check', '--since', '2m'], /--since: '2m' must be whole minutes between 5m and 24h/],
    [['check', '--since', '2d'], /--since: '2d' must be whole minutes between 5m and 24h/],
    [['check', '--token-max-age', 'soon'], /--token-max-age: 'soon' is not a duration/],
    [['check', '--token-max-age', '0h'], /--token-max-age: '0h' must be longer than zero/],
    [['check', '--checks', 'nope'], /--checks: unknown check family 'nope'; available: tmc, irsa/],
    [['check', '--checks', 'tmc,nope'], /--checks: unknown check family 'nope'/],
    [['check', '--checks', ','], /--checks: give at least one of tmc, irsa/],
    [['check', '--checks', 'irsa', '--since', '2d'], /--since: '2d' must be whole minutes/],
    [
      ['check', '--region', 'US_WEST_2'],
      /--region: "US_WEST_2" is not a known AWS region \(e\.g\. eu-west-1\)/,
    ],
    // The rules and messages of `cdk synth` (lib/config/aws-names.ts): what passes here also deploys.
    [['check', '--region', 'us-east-9'], /--region: "us-east-9" is not a known AWS region/],
    [
      ['check', '--region', 'us-east-1,us-gov-west-1'],
      /--region: all regions must be in the same AWS partition/,
    ],
    [
      ['check', '--topic-arn', 'tmc-topic'],
      /--topic-arn: 'tmc-topic' must be an SNS topic ARN: arn:aws:sns:/,
    ],
    [
      ['check', '--topic-arn', 'arn:aws:sns:us-east-1:111122223333:tmc.fifo'],
      /--topic-arn: .* FIFO topics are not supported/,
    ],
    [
      ['check', '--event-bus', 'arn:aws:sns:us-east-1:111122223333:x'],
      /--event-bus: .* must be an event bus name or an ARN/,
    ],
    [['check', '--profile', ''], /--profile: give a profile name/],
    [
      ['explain', 'tmc.lambda.mising'],
      /unknown check id or IRSA cause 'tmc.lambda.mising'. Did you mean: tmc.lambda.missing/,
    ],
    [[], /Usage: tmc-health/],
  ])('%j', async (argv, message) => {
    const cli = harness();
    expect(await cli.run(...argv)).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toMatch(message);
    expect(cli.stdout.text).toBe('');
    expect(cli.requests).toHaveLength(0);
  });

  test('no region anywhere -> exit 2 saying how to give one', async () => {
    const cli = harness({ env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined } });
    expect(await cli.run('check')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toBe(
      'tmc-health: error: no region to check: pass --region (e.g. --region us-east-1,eu-west-1) or set AWS_REGION\n',
    );
  });

  test('a bad TMC_HEALTH_* variable -> exit 2 naming the variable', async () => {
    const cli = harness({ env: { TMC_HEALTH_ERROR_THRESHOLD: 'lots' } });
    expect(await cli.run('check')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toMatch(/TMC_HEALTH_ERROR_THRESHOLD/);
  });
});

describe('tmc-health check: argument parsing', () => {
  test('defaults: AWS_REGION, the Lambda defaults, no publishing', async () => {
    const cli = harness();
    expect(await cli.run('check')).toBe(EXIT.OK);
    expect(cli.requests).toHaveLength(1);
    const [request] = cli.requests;
    expect(request!.publish).toBe(false);
    expect(request!.settings).toMatchObject({
      regions: ['us-west-2'],
      metricsWindowMinutes: 30,
      tokenMaxAgeHours: 720,
      eventBusName: 'default',
    });
    expect(request!.settings.credentialNames).toBeUndefined();
  });

  test('AWS_DEFAULT_REGION is the fallback of AWS_REGION; TMC_HEALTH_REGIONS comes first', async () => {
    const fallback = harness({ env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: 'eu-west-1' } });
    await fallback.run('check');
    expect(fallback.requests[0]!.settings.regions).toEqual(['eu-west-1']);
    const configured = harness({ env: { TMC_HEALTH_REGIONS: 'ap-south-1,eu-north-1' } });
    await configured.run('check');
    expect(configured.requests[0]!.settings.regions).toEqual(['ap-south-1', 'eu-north-1']);
  });

  test('every flag reaches the settings', async () => {
    const cli = harness();
    const code = await cli.run(
      'check',
      '--region',
      'us-east-1,eu-west-1',
      '-r',
      'us-west-2',
      '--credential',
      'acme-prod',
      'acme-dev',
      '-c',
      'acme-qa,acme-prod',
      '--checks',
      'tmc',
      '--since',
      '2h',
      '--token-max-age',
      '30d',
      '--publish',
      '--event-bus',
      'arn:aws:events:us-east-1:111122223333:event-bus/central',
      '--topic-arn',
      'arn:aws:sns:us-east-1:111122223333:tmc',
      '--no-color',
    );
    expect(code).toBe(EXIT.OK);
    const request = cli.requests[0]!;
    expect(request.publish).toBe(true);
    expect(request.settings).toMatchObject({
      regions: ['us-east-1', 'eu-west-1', 'us-west-2'],
      credentialNames: ['acme-prod', 'acme-dev', 'acme-qa'],
      metricsWindowMinutes: 120,
      tokenMaxAgeHours: 720,
      eventBusName: 'arn:aws:events:us-east-1:111122223333:event-bus/central',
      topicArn: 'arn:aws:sns:us-east-1:111122223333:tmc',
    });
  });

  test.each([
    ['30m', 30],
    ['5m', 5],
    ['1.5h', 90],
    ['24h', 1440],
    ['1d', 1440],
  ])('--since %s -> %i minutes', async (value, minutes) => {
    const cli = harness();
    await cli.run('check', '--since', value);
    expect(cli.requests[0]!.settings.metricsWindowMinutes).toBe(minutes);
  });

  test.each([
    ['720h', 720],
    ['30d', 720],
    ['90m', 1.5],
  ])('--token-max-age %s -> %d hours', async (value, hours) => {
    const cli = harness();
    await cli.run('check', '--token-max-age', value);
    expect(cli.requests[0]!.settings.tokenMaxAgeHours).toBe(hours);
  });

  test('--profile sets AWS_PROFILE before runCheck creates any client', async () => {
    let seen: string | undefined;
    const cli = harness({
      runCheck: () => {
        seen = cli.env.AWS_PROFILE;
        return Promise.resolve(outcomeOf(SCENARIOS.healthy()));
      },
    });
    expect(await cli.run('check', '--profile', 'tmc-readonly')).toBe(EXIT.OK);
    expect(seen).toBe('tmc-readonly');
  });

  test('flags override TMC_HEALTH_* variables', async () => {
    const cli = harness({ env: { TMC_HEALTH_METRICS_WINDOW_MINUTES: '60', TMC_HEALTH_EVENT_BUS: 'ops' } });
    await cli.run('check', '--since', '15m');
    expect(cli.requests[0]!.settings).toMatchObject({ metricsWindowMinutes: 15, eventBusName: 'ops' });
  });

  test('--help on every command exits 0 and prints usage on stdout', async () => {
    for (const argv of [['--help'], ['check', '--help'], ['explain', '--help'], ['help', 'check']]) {
      const cli = harness();
      expect(await cli.run(...argv)).toBe(EXIT.OK);
      expect(cli.stdout.text).toMatch(/^Usage: tmc-health/);
      expect(cli.stdout.text).toContain('Exit codes:');
    }
    const check = harness();
    await check.run('check', '--help');
    // The emulator example must run as printed: moto has no CloudTrail LookupEvents, so IRSA is left out.
    expect(check.stdout.text).toMatch(/AWS_ENDPOINT_URL=\S+ \\\n\s+tmc-health check --checks tmc --region /);
    for (const flag of [
      '--region',
      '--credential',
      '--checks',
      '--since',
      '--token-max-age',
      '--profile',
      '--json',
      '--publish',
      '--publish-all',
      '--failing',
      '--all',
      '--no-color',
    ]) {
      expect(check.stdout.text).toContain(flag);
    }
  });

  test('--version prints the package version', async () => {
    const cli = harness();
    expect(await cli.run('--version')).toBe(EXIT.OK);
    expect(cli.stdout.text.trim()).toBe(version);
  });
});

describe('tmc-health check: every flag error at once, before the environment is resolved', () => {
  test('several bad flags are all named, one line each, and nothing runs', async () => {
    const cli = harness();
    const code = await cli.run(
      'check',
      '--since',
      '99x',
      '--token-max-age',
      '0h',
      '--checks',
      'tmc,nope',
      '--region',
      'us-east-9',
      '--topic-arn',
      'x',
      '--profile',
      '',
    );
    expect(code).toBe(EXIT.USAGE);
    const lines = cli.stderr.text.trimEnd().split('\n');
    for (const flag of ['--region', '--since', '--token-max-age', '--topic-arn', '--checks', '--profile']) {
      expect(lines.some((line) => line.startsWith(`tmc-health: error: ${flag}`))).toBe(true);
    }
    expect(lines).toHaveLength(6);
    expect(cli.stderr.text).toContain('between 5m and 24h, e.g. 30m, 2h or 1d');
    expect(cli.requests).toHaveLength(0);
  });

  test('a bad flag and no region: both, the flag first', async () => {
    const cli = harness({ env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined } });
    expect(await cli.run('check', '--since', '99x')).toBe(EXIT.USAGE);
    const lines = cli.stderr.text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^tmc-health: error: --since: '99x' is not a duration/);
    expect(lines[1]).toMatch(/^tmc-health: error: no region to check: pass --region/);
  });

  test('check --help states each flag range or format, within 80 columns', async () => {
    const cli = harness({ env: { COLUMNS: '80' } });
    await cli.run('check', '--help');
    const help = cli.stdout.text;
    const options = help.slice(help.indexOf('Options:'), help.indexOf('AWS access uses'));
    const flat = options.replace(/\s+/g, ' ');
    expect(flat).toContain(
      '--since <duration> how far back to look, whole minutes between 5m and 24h, e.g. 30m, 2h or 1d',
    );
    expect(flat).toMatch(/--token-max-age <duration> .*longer than zero, e\.g\. 720h or 30d/);
    expect(flat).toMatch(/--region <regions> AWS regions to check, e\.g\. us-east-1/);
    expect(flat).toMatch(/--topic-arn <arn> .*arn:aws:sns:<region>:<id>:<name>/);
    expect(flat).toMatch(/--event-bus <nameOrArn> .*arn:aws:events:<region>:<id>:event-bus\/<name>/);
    expect(flat).toMatch(/--accounts <ids\.\.\.> .*12-digit ids/);
    expect(flat).toMatch(/--role-name <name> .*up to 64 letters/);
    expect(flat).toMatch(/--external-id <id> .*2 to 1224/);
    expect(flat).toMatch(/--role-session-name <name> .*2 to 64/);
    expect(flat).toContain(
      '--all list every check, PASS included, instead of one "passed" line per credential, region and IRSA scan',
    );
    expect(flat).toContain('--failing show only FAIL and ERROR, none of what passed');
    // The whole help, prose after the options and examples included, fits the 80 columns it was given.
    const wide = help.split('\n').filter((line) => line.length > 80);
    expect(wide).toEqual([]);
  });
});

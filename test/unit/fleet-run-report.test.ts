import { gzipSync } from 'node:zlib';
import { gzipBase64Codec } from '../../lambdas/adapters/fleet/report-codec';
import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import type { Finding, Status } from '../../lambdas/core/finding';
import { buildFinding } from '../../lambdas/core/finding-factory';
import { findingSchema } from '../../lambdas/core/finding-schema';
import {
  buildRunReports,
  detailBytes,
  OVERSIZED_OPERATION,
  regionOfOperation,
  type RunReportInput,
} from '../../lambdas/core/fleet/run-report';
import { parseRunReportDetail, reportedFindingSchema } from '../../lambdas/core/fleet/run-report-parse';
import {
  RUN_REPORT_MAX_DECODED_BYTES,
  RUN_REPORT_MAX_DETAIL_BYTES,
  RUN_REPORT_MAX_FINDING_BYTES,
  RUN_REPORT_MAX_FINDINGS,
  RUN_REPORT_SCHEMA_VERSION,
  type EncodedRunReportDetail,
  type RunReport,
} from '../../lambdas/core/fleet/run-report-types';
import { GLOBAL_REGION } from '../../lambdas/core/inventory';
import { fn, healthyRegion, settings, snapshot } from '../fixtures/inventory';

const ACCOUNT = '111122223333';
const STARTED = '2026-11-22T12:00:00.000Z';
const FINISHED = '2026-11-22T12:00:04.500Z';
const codec = gzipBase64Codec();

function finding(region: string, name: string, status: Status = 'FAIL', account = ACCOUNT): Finding {
  return buildFinding(
    { accountId: account, region, observedAt: STARTED, runbookBaseUrl: 'docs/checks.md' },
    {
      checkId: status === 'ERROR' ? 'checker.error' : 'tmc.lambda.unhealthy',
      status,
      title: `${name} in ${region}`,
      message: `${name} is ${status} in ${region}`,
      resource: {
        type: 'AWS::Lambda::Function',
        arn: `arn:aws:lambda:${region}:${account}:function:${name}`,
        name,
      },
      resourceKey: `arn:aws:lambda:${region}:${account}:function:${name}`,
      tmc: { credentialName: name.split('-')[0] ?? name, component: 'data-sync' },
      evidence: { state: status === 'PASS' ? 'Active' : 'Failed', invocations: 3, alarm: null },
    },
  );
}

/** Three regions (eu-west-1 with nothing to report, but covered), a global IAM failure, PASS included. */
function runInput(overrides: Partial<RunReportInput> = {}): RunReportInput {
  return {
    family: 'credentials',
    run: {
      runId: 'run-1',
      accountId: ACCOUNT,
      regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
      startedAt: STARTED,
    },
    findings: [
      finding('us-east-1', 'alpha-data-sync', 'PASS'),
      finding('us-east-1', 'beta-data-sync', 'FAIL'),
      finding('us-west-2', 'alpha-data-sync', 'PASS'),
      finding('us-west-2', 'gamma-data-sync', 'ERROR'),
      finding(GLOBAL_REGION, 'iam-reads', 'ERROR'),
    ],
    coveredRegions: ['us-east-1', 'eu-west-1'],
    failedOperations: ['us-west-2 tagging:GetResources', 'global iam:GetRole'],
    apiCalls: 17,
    finishedAt: FINISHED,
    ...overrides,
  };
}

function parsed(detail: unknown): RunReport {
  const result = parseRunReportDetail(JSON.parse(JSON.stringify(detail)), codec);
  if (!result.ok) throw new Error(result.problem);
  return result.report;
}

/** The single-part size of a run: the limit at which it just fits. */
const wholeSize = (input: RunReportInput): number =>
  detailBytes(buildRunReports(input, codec, Number.MAX_SAFE_INTEGER).details[0]!);

describe('buildRunReports', () => {
  it('one detail when it fits: every field of the lifecycle input, PASS included, round trip', () => {
    const input = runInput();
    const built = buildRunReports(input, codec);
    expect(built.ok).toBe(true);
    expect(built.details).toHaveLength(1);
    const detail = built.details[0]!;
    expect(detail).toMatchObject({
      schemaVersion: RUN_REPORT_SCHEMA_VERSION,
      encoding: 'gzip+base64',
      findingCount: 5,
      part: 1,
      parts: 1,
    });
    expect(typeof detail.findings).toBe('string');
    expect(built.partFindingIds).toEqual([input.findings.map((f) => f.findingId)]);
    expect(parsed(detail)).toEqual({
      family: 'credentials',
      accountId: ACCOUNT,
      runId: 'run-1',
      regions: input.run.regions,
      coveredRegions: input.coveredRegions,
      failedOperations: input.failedOperations,
      apiCalls: 17,
      startedAt: STARTED,
      finishedAt: FINISHED,
      part: 1,
      parts: 1,
      findings: input.findings,
    });
  });

  it('a run without findings is still one detail (the hub resolves from it and hears from the member)', () => {
    const built = buildRunReports(runInput({ findings: [] }), codec);
    expect(built.details).toHaveLength(1);
    expect(parsed(built.details[0]).findings).toEqual([]);
  });

  it('600 findings of a run travel in one event: about 42 KB of detail for 534 KB of findings JSON', () => {
    const credentials = Array.from({ length: 60 }, (_, i) => `credential-${String(i).padStart(3, '0')}`);
    const region = healthyRegion(credentials);
    const broken = {
      ...region,
      functions: region.functions.map((f, i) =>
        i % 6 === 0
          ? fn(f.credentialName, 'data-sync', {
              configuration: { ok: true, value: { state: 'Failed', lastUpdateStatus: 'Failed' } },
            })
          : f,
      ),
    };
    const findings = evaluateCredentials(snapshot(broken), settings).slice(0, 600);
    expect(findings).toHaveLength(600);
    const input = runInput({
      run: { ...runInput().run, regions: [region.region] },
      findings,
      coveredRegions: [region.region],
      failedOperations: [],
    });
    const built = buildRunReports(input, codec);
    const json = Buffer.byteLength(JSON.stringify(findings));
    const size = detailBytes(built.details[0]!);
    expect(built.details).toHaveLength(1);
    expect(json).toBeGreaterThan(500_000);
    expect(size).toBeLessThan(60_000);
    expect(size).toBeLessThan(RUN_REPORT_MAX_DETAIL_BYTES / 3);
    expect(parsed(built.details[0]).findings).toEqual(findings);
  });

  describe('split by region at the limit', () => {
    const input = runInput();
    const limit = wholeSize(input);
    const largestPart = Math.max(...buildRunReports(input, codec, limit - 1).details.map(detailBytes));

    it.each([
      ['exactly the single-part size', limit, 1],
      ['one byte less', limit - 1, 4],
      ['exactly the largest part', largestPart, 4],
    ])('%s: %s bytes gives %s part(s)', (_name, maxBytes, parts) => {
      const built = buildRunReports(input, codec, maxBytes);
      expect(built.ok).toBe(true);
      expect(built.details).toHaveLength(parts);
      for (const detail of built.details) expect(detailBytes(detail)).toBeLessThanOrEqual(maxBytes);
      const reports = built.details.map(parsed);
      // Nothing lost, nothing twice.
      expect(reports.flatMap((report) => report.findings)).toEqual(
        expect.arrayContaining([...input.findings]),
      );
      expect(reports.flatMap((report) => report.findings)).toHaveLength(input.findings.length);
      expect(built.partFindingIds.flat().sort()).toEqual(input.findings.map((f) => f.findingId).sort());
    });

    it('one byte under the largest part: that region cannot travel (see below)', () => {
      const built = buildRunReports(input, codec, largestPart - 1);
      expect(built.ok).toBe(false);
      expect(built.details).toHaveLength(4);
    });

    it('each part: its region only, coverage reduced to it, its failed operations, numbered, run fields kept', () => {
      const reports = buildRunReports(input, codec, limit - 1).details.map(parsed);
      expect(
        reports.map((report) => ({
          part: `${report.part}/${report.parts}`,
          regions: [...new Set(report.findings.map((f) => f.region))],
          covered: report.coveredRegions,
          failed: report.failedOperations,
          count: report.findings.length,
        })),
      ).toEqual([
        { part: '1/4', regions: ['us-east-1'], covered: ['us-east-1'], failed: [], count: 2 },
        {
          part: '2/4',
          regions: ['us-west-2'],
          covered: [],
          failed: ['us-west-2 tagging:GetResources'],
          count: 2,
        },
        // Covered with nothing to report: the part still comes, so the hub can resolve what was open there.
        { part: '3/4', regions: [], covered: ['eu-west-1'], failed: [], count: 0 },
        // The global pseudo-region is a part of its own, never covered (it resolves only by a PASS).
        { part: '4/4', regions: [GLOBAL_REGION], covered: [], failed: ['global iam:GetRole'], count: 1 },
      ]);
      for (const report of reports) {
        expect(report).toMatchObject({
          family: 'credentials',
          accountId: ACCOUNT,
          runId: 'run-1',
          regions: input.run.regions,
          apiCalls: 17,
          startedAt: STARTED,
          finishedAt: FINISHED,
        });
      }
    });

    it('a region named only by a finding, coverage or failed operation gets a part too, after the run regions', () => {
      const extra = runInput({
        findings: [...runInput().findings, finding('ap-south-1', 'delta-data-sync')],
        failedOperations: ['sa-east-1 ssm:DescribeParameters', 'lambda:ListFunctions'],
      });
      const reports = buildRunReports(extra, codec, wholeSize(extra) - 1).details.map(parsed);
      expect(
        reports.map((r) => [r.findings.map((f) => f.region)[0] ?? r.coveredRegions[0], r.failedOperations]),
      ).toEqual([
        ['us-east-1', []],
        ['us-west-2', []],
        ['eu-west-1', []],
        ['ap-south-1', []],
        [GLOBAL_REGION, ['lambda:ListFunctions']],
        [undefined, ['sa-east-1 ssm:DescribeParameters']],
      ]);
    });
  });

  it('a region too big alone: the other parts go, an ERROR finding in its place, and an explicit error', () => {
    const many = Array.from({ length: 40 }, (_, i) => finding('us-west-2', `fn${i}-data-sync`));
    const input = runInput({ findings: [...runInput().findings, ...many] });
    const usWest2 = input.findings.filter((f) => f.region === 'us-west-2');
    const built = buildRunReports(input, codec, 2_500);
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.oversized).toEqual([
      {
        region: 'us-west-2',
        findingCount: usWest2.length,
        detailBytes: expect.any(Number),
        decodedBytes: expect.any(Number),
        findingIds: usWest2.map((f) => f.findingId),
      },
    ]);
    expect(built.oversized[0]!.detailBytes).toBeGreaterThan(2_500);
    expect(built.problem).toMatch(
      /^credentials run report: us-west-2 \(42 findings, \d+ bytes over the 2500-byte limit\) even alone; 42 findings not sent to the hub/,
    );
    const reports = built.details.map(parsed);
    expect(reports).toHaveLength(4);
    const replaced = reports[1]!;
    expect(replaced.coveredRegions).toEqual([]);
    expect(replaced.failedOperations).toEqual([
      'us-west-2 tagging:GetResources',
      `us-west-2 ${OVERSIZED_OPERATION}`,
    ]);
    expect(replaced.findings).toEqual([
      expect.objectContaining({
        checkId: 'checker.error',
        status: 'ERROR',
        region: 'us-west-2',
        accountId: ACCOUNT,
        resource: { type: 'AWS::API::Operation', name: OVERSIZED_OPERATION },
        evidence: expect.objectContaining({
          findingCount: 42,
          failing: 40,
          erroring: 1,
          maxDetailBytes: 2_500,
        }),
        observedAt: FINISHED,
      }),
    ]);
    expect(built.partFindingIds[1]).toEqual([replaced.findings[0]!.findingId]);
    // The other regions are complete.
    expect(reports[0]!.findings).toEqual(input.findings.filter((f) => f.region === 'us-east-1'));
    expect(reports[3]!.findings).toEqual(input.findings.filter((f) => f.region === GLOBAL_REGION));
  });

  it("a region that compresses under the detail limit but decodes past the hub's limit is split, then replaced", () => {
    // Each finding alone fits everywhere; together they decode to more than the hub accepts from one part.
    const huge = (name: string): Finding => ({
      ...finding('us-west-2', name),
      evidence: { log: 'x'.repeat(230_000) },
    });
    const big = Array.from({ length: 20 }, (_, i) => huge(`fn${i}-data-sync`));
    const input = runInput({ findings: [...runInput().findings, ...big] });
    const built = buildRunReports(input, codec);
    expect(Math.max(...built.details.map(detailBytes))).toBeLessThan(RUN_REPORT_MAX_DETAIL_BYTES);
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.oversized.map((r) => [r.region, r.findingCount])).toEqual([['us-west-2', 22]]);
    expect(built.oversized[0]!.decodedBytes).toBeGreaterThan(RUN_REPORT_MAX_DECODED_BYTES);
    expect(built.problem).toMatch(
      /us-west-2 \(22 findings, \d+ bytes decoded, over the 4194304-byte limit\)/,
    );
    // The hub accepts every part that was sent.
    expect(built.details.map(parsed)).toHaveLength(4);
  });

  it('regionOfOperation: the prefix before the first space, global without one', () => {
    expect(regionOfOperation('eu-west-1 lambda:GetFunctionConfiguration')).toBe('eu-west-1');
    expect(regionOfOperation('global iam:GetRole')).toBe(GLOBAL_REGION);
    expect(regionOfOperation('iam:GetRole')).toBe(GLOBAL_REGION);
  });
});

describe('parseRunReportDetail', () => {
  const input = runInput();
  const good = (): EncodedRunReportDetail & Record<string, unknown> =>
    JSON.parse(JSON.stringify(buildRunReports(input, codec).details[0])) as EncodedRunReportDetail &
      Record<string, unknown>;
  const encode = (value: unknown): string => codec.encode(JSON.stringify(value));
  /** The findings as they travel in the good detail: each with its resource key. */
  const travelled = () => JSON.parse(codec.decode(good().findings)) as Record<string, unknown>[];
  const withFinding = (index: number, change: (f: Record<string, unknown>) => unknown) => {
    const findings = travelled();
    findings[index] = change(findings[index]!) as Record<string, unknown>;
    return { findings: encode(findings) };
  };

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'hello', /^detail: /],
    ['null', null, /^detail: /],
    ['another schema version', { ...good(), schemaVersion: '2.0' }, /^detail\.schemaVersion: /],
    ['the hub family', { ...good(), family: 'fleet' }, /^detail\.family: /],
    [
      'an 11-digit account',
      { ...good(), accountId: '11112222333' },
      /^detail\.accountId: must be a 12-digit/,
    ],
    ['no run id', { ...good(), runId: '' }, /^detail\.runId: /],
    ['no regions', { ...good(), regions: [], coveredRegions: [] }, /^detail\.regions: /],
    ['a date that is not ISO', { ...good(), startedAt: '22/11/2026 12:00' }, /^detail\.startedAt: /],
    ['finishedAt missing', { ...good(), finishedAt: undefined }, /^detail\.finishedAt: /],
    ['part 0', { ...good(), part: 0 }, /^detail\.part: /],
    [
      'part over parts',
      { ...good(), part: 3, parts: 2 },
      /^detail\.part: part must not be greater than parts/,
    ],
    ['a fractional part', { ...good(), part: 1.5 }, /^detail\.part: /],
    ['negative apiCalls', { ...good(), apiCalls: -1 }, /^detail\.apiCalls: /],
    [
      'coverage outside the regions',
      { ...good(), coveredRegions: ['ap-east-1'] },
      /^detail\.coveredRegions: every covered region must be one of regions/,
    ],
    ['another encoding', { ...good(), encoding: 'json' }, /^detail\.encoding: /],
    ['findings not a string', { ...good(), findings: [] }, /^detail\.findings: /],
    [
      'findings not base64',
      { ...good(), findings: '%%%not-base64%%%' },
      /^detail\.findings: not gzip\+base64 JSON/,
    ],
    [
      'findings base64 but not gzip',
      { ...good(), findings: Buffer.from('[]').toString('base64') },
      /^detail\.findings: not gzip\+base64 JSON \(Error: incorrect header check\)/,
    ],
    [
      'findings gzip but not JSON',
      { ...good(), findings: gzipSync('[{').toString('base64') },
      /^detail\.findings: not gzip\+base64 JSON \(SyntaxError/,
    ],
    ['findings not an array', { ...good(), findings: encode({ a: 1 }), findingCount: 1 }, /not an array/],
    [
      'findingCount too high',
      { ...good(), findingCount: 6 },
      /^detail\.findingCount: says 6, findings holds 5$/,
    ],
    [
      'findingCount too low',
      { ...good(), findingCount: 4 },
      /^detail\.findingCount: says 4, findings holds 5$/,
    ],
    [
      'a finding without an id',
      { ...good(), ...withFinding(1, ({ findingId: _, ...rest }) => rest) },
      /^detail\.findings\[1\]\.findingId: /,
    ],
    [
      'a finding with an unknown status',
      { ...good(), ...withFinding(2, (f) => ({ ...f, status: 'OK' })) },
      /^detail\.findings\[2\]\.status: /,
    ],
    [
      'a finding with an unknown severity',
      { ...good(), ...withFinding(0, (f) => ({ ...f, severity: 'SEVERE' })) },
      /^detail\.findings\[0\]\.severity: /,
    ],
    [
      'a finding without a resource name',
      { ...good(), ...withFinding(0, (f) => ({ ...f, resource: { type: 'AWS::Lambda::Function' } })) },
      /^detail\.findings\[0\]\.resource\.name: /,
    ],
    [
      'a finding that is not an object',
      { ...good(), ...withFinding(4, () => 'finding') },
      /^detail\.findings\[4\]: /,
    ],
    [
      "a finding of another account (each account's ledger is its own)",
      { ...good(), ...withFinding(0, (f) => ({ ...f, accountId: '999988887777' })) },
      /^detail\.findings\[0\]: of account 999988887777, the report is of 111122223333$/,
    ],
    [
      'the same finding twice',
      { ...good(), ...withFinding(1, () => travelled()[0]) },
      /^detail\.findings\[1\]: finding [0-9a-f]{32} twice$/,
    ],
    // The limits that bound what one report costs the hub (any account of the organization may send one).
    [
      'findingCount over the limit',
      { ...good(), findingCount: RUN_REPORT_MAX_FINDINGS + 1 },
      /^detail\.findingCount: /,
    ],
    [
      'more regions than AWS has',
      { ...good(), regions: Array.from({ length: 65 }, (_, i) => `r-${i}`), coveredRegions: [] },
      /^detail\.regions: /,
    ],
    [
      'findings longer than any detail',
      { ...good(), findings: 'A'.repeat(256 * 1024 + 4) },
      /^detail\.findings: /,
    ],
    [
      'findings that inflate past the decode limit (a gzip bomb)',
      { ...good(), findings: codec.encode(' '.repeat(RUN_REPORT_MAX_DECODED_BYTES + 1)) },
      /^detail\.findings: not gzip\+base64 JSON \(RangeError: inflates to more than 4194304 bytes\)$/,
    ],
    [
      'millions of tiny objects under the decode limit, counted before parsing',
      { ...good(), findingCount: 1, findings: codec.encode(`[${'{},'.repeat(300_000)}{}]`) },
      /^detail\.findings: the decoded JSON has more than 262144 items$/,
    ],
    [
      'nesting deeper than a finding has',
      { ...good(), findingCount: 1, findings: codec.encode(`[${'['.repeat(9)}${']'.repeat(9)}]`) },
      /^detail\.findings: the decoded JSON is nested deeper than 9 levels$/,
    ],
    [
      'one finding of more UTF-8 bytes than the hub can put on its bus again',
      {
        ...good(),
        ...withFinding(2, (f) => ({ ...f, message: 'é'.repeat(RUN_REPORT_MAX_FINDING_BYTES / 2) })),
      },
      /^detail\.findings: the decoded JSON has an element \(index 2\) of more than 204800 bytes$/,
    ],
    [
      'an evidence list of more than 1000 values',
      { ...good(), ...withFinding(0, (f) => ({ ...f, evidence: { ids: Array(1_001).fill('i') } })) },
      /^detail\.findings\[0\]\.evidence/,
    ],
    // The id is recomputed against the account: any member can compute another's finding ids.
    [
      "a finding carrying another resource's id (another member's, say)",
      { ...good(), ...withFinding(1, (f) => ({ ...f, findingId: travelled()[0]!.findingId })) },
      /^detail\.findings\[1\]\.findingId: [0-9a-f]{32} is not the id of tmc\.lambda\.unhealthy on that resource in us-east-1 of account 111122223333 \([0-9a-f]{32}\)$/,
    ],
    [
      'a finding whose resource key is of another resource than its id',
      {
        ...good(),
        ...withFinding(0, (f) => ({ ...f, resourceKey: 'arn:aws:lambda:us-east-1:222233334444:function:x' })),
      },
      /^detail\.findings\[0\]\.findingId: /,
    ],
    [
      'a finding without its resource key (a member older than the hub)',
      { ...good(), ...withFinding(0, ({ resourceKey: _, ...rest }) => rest) },
      /^detail\.findings\[0\]\.resourceKey: missing/,
    ],
    [
      "the hub's own check",
      { ...good(), ...withFinding(0, (f) => ({ ...f, checkId: 'fleet.member.silent' })) },
      /^detail\.findings\[0\]\.checkId: fleet\.member\.silent is the hub's own check/,
    ],
    // Length caps, each rejection naming the field.
    ['a run id over its cap', { ...good(), runId: 'r'.repeat(129) }, /^detail\.runId: Too big/],
    [
      'a finishedAt of a thousand fractional digits',
      { ...good(), finishedAt: `2026-11-22T12:00:00.${'1'.repeat(1_000)}Z` },
      /^detail\.finishedAt: Too big/,
    ],
    [
      'a region name over its cap',
      { ...good(), regions: ['r'.repeat(33)], coveredRegions: [] },
      /^detail\.regions\.0: Too big/,
    ],
    [
      'a failed operation over its cap',
      { ...good(), failedOperations: [`us-east-1 ${'x'.repeat(300)}`] },
      /^detail\.failedOperations\.0: Too big/,
    ],
    ...(
      [
        ['title', (f) => ({ ...f, title: 't'.repeat(4_097) })],
        ['message', (f) => ({ ...f, message: 'm'.repeat(16_385) })],
        [
          'resource.arn',
          (f) => ({ ...f, resource: { ...(f.resource as object), arn: `arn:${'a'.repeat(2_045)}` } }),
        ],
        [
          'resource.name',
          (f) => ({ ...f, resource: { ...(f.resource as object), name: 'n'.repeat(2_049) } }),
        ],
        ['tmc.credentialName', (f) => ({ ...f, tmc: { credentialName: 'c'.repeat(513) } })],
        ['evidence.note', (f) => ({ ...f, evidence: { note: 'e'.repeat(8_193) } })],
        [
          'remediation.text',
          (f) => ({ ...f, remediation: { ...(f.remediation as object), text: 'x'.repeat(8_193) } }),
        ],
      ] as const satisfies readonly [string, (f: Record<string, unknown>) => unknown][]
    ).map(
      ([field, change]) =>
        [
          `a finding's ${field} over its cap`,
          { ...good(), ...withFinding(0, change) },
          new RegExp(`^detail\\.findings\\[0\\]\\.${field.replace('.', '\\.')}: Too big`),
        ] as [string, unknown, RegExp],
    ),
  ])('%s: ok false with the problem named, never a throw', (_name, detail, problem) => {
    let result: ReturnType<typeof parseRunReportDetail> | undefined;
    expect(() => (result = parseRunReportDetail(detail, codec))).not.toThrow();
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(problem) });
  });

  it('many schema problems are named up to three, then counted', () => {
    const result = parseRunReportDetail({ schemaVersion: '1.0' }, codec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(/^(detail\.\w+: [^;]+; ){3}and \d+ more$/);
  });

  it('a decoder that throws something else than an Error is still a problem', () => {
    const throwing = {
      encode: codec.encode,
      decode: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a codec may throw anything
        throw 'nope';
      },
    };
    expect(parseRunReportDetail(good(), throwing)).toEqual({
      ok: false,
      problem: 'detail.findings: not gzip+base64 JSON (nope)',
    });
  });

  /** An IRSA finding carrying the deepest correction IAM's grammar allows: a condition key with a list of values. */
  function correctedFinding(correction: Record<string, unknown>): Finding {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/app`;
    return buildFinding(
      { accountId: ACCOUNT, region: 'us-east-1', observedAt: STARTED, runbookBaseUrl: 'docs/checks.md' },
      {
        checkId: 'irsa.assume-role.denied',
        status: 'FAIL',
        title: 'apps/app cannot assume role app (sub-mismatch)',
        message: 'denied',
        resource: { type: 'AWS::IAM::Role', arn: roleArn, name: 'app' },
        resourceKey: `${roleArn}|system:serviceaccount:apps:app`,
        correction: correction as unknown as NonNullable<Finding['correction']>,
        evidence: { cause: 'sub-mismatch' },
      },
    );
  }
  const DEEPEST = {
    roleName: 'app',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111122223333:root'] }, Action: 'sts:AssumeRole' },
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'oidc.example:sub': ['system:serviceaccount:apps:a', '<x>'] } },
        },
      ],
    },
    changes: ['statement #2: added <x>'],
    placeholders: ['<x>'],
    note: 'fill in',
  };
  const irsaReport = (correction: Record<string, unknown>) =>
    buildRunReports(
      runInput({ family: 'irsa', findings: [correctedFinding(correction)], coveredRegions: ['us-east-1'] }),
      codec,
    ).details[0]!;

  it('an IRSA correction as deep as a trust policy goes (depth 9) arrives whole', () => {
    const [finding] = parsed(irsaReport(DEEPEST)).findings;
    expect(finding!.correction).toEqual(DEEPEST);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a value one level deeper than IAM allows',
      {
        ...DEEPEST,
        trustPolicy: { Version: '2012-10-17', Statement: [{ Condition: { A: { k: [['deeper']] } } }] },
      },
      /^detail\.findings: the decoded JSON is nested deeper than 9 levels$/,
    ],
    [
      'a trust policy longer than IAM takes',
      {
        ...DEEPEST,
        trustPolicy: { Version: '2012-10-17', Statement: [{ Sid: 'x'.repeat(16_400) }] },
      },
      /^detail\.findings\[0\]\.correction\.trustPolicy: must be at most 16384 characters/,
    ],
    [
      'a role name that is a path',
      { ...DEEPEST, roleName: '../../etc/cron.d/x' },
      /^detail\.findings\[0\]\.correction\.roleName/,
    ],
  ])('a hostile correction: %s is refused', (_name, correction, problem) => {
    const result = parseRunReportDetail(JSON.parse(JSON.stringify(irsaReport(correction))), codec);
    expect(result.ok ? 'accepted' : result.problem).toMatch(problem);
  });

  it('fields added later (detail or finding) pass through', () => {
    const findings = travelled().map((f) => ({ ...f, addedLater: { x: 1 } }));
    const result = parseRunReportDetail({ ...good(), findings: encode(findings), extra: true }, codec);
    // Every field passes through but the resource key, which only travels for the hub to check the id.
    expect(result.ok && result.report.findings).toEqual(
      input.findings.map((f) => ({ ...f, addedLater: { x: 1 } })),
    );
  });
});

describe('reportedFindingSchema (zod/mini) agrees with the published finding schema', () => {
  const base = runInput().findings;
  const irsa: Finding = {
    ...base[1]!,
    checkId: 'irsa.assume-role.denied',
    resource: { type: 'AWS::IAM::Role', arn: `arn:aws:iam::${ACCOUNT}:role/app`, name: 'app' },
    irsa: {
      serviceAccount: 'system:serviceaccount:apps:app',
      namespace: 'apps',
      oidcProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example`,
      errorCode: 'AccessDenied',
      count: 3,
      firstSeen: STARTED,
      lastSeen: FINISHED,
      sampleEventIds: ['a', 'b'],
    },
  };
  const noTmc = Object.fromEntries(Object.entries(base[0]!).filter(([key]) => key !== 'tmc'));
  const cases: [string, unknown][] = [
    ...base.map((f, i): [string, unknown] => [`fixture ${i} (${f.status})`, f]),
    ['an IRSA finding', irsa],
    [
      'an IRSA finding with a correction',
      {
        ...irsa,
        correction: {
          roleName: 'app',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
          trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' }] },
          changes: ['statement #1: added'],
          placeholders: [],
          note: 'apply it',
        },
      },
    ],
    [
      'a correction whose trust policy is a string',
      {
        ...irsa,
        correction: {
          roleName: 'app',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
          trustPolicy: '{"Version":"2012-10-17"}',
          changes: ['x'],
          placeholders: [],
          note: 'n',
        },
      },
    ],
    [
      'a correction for a role name IAM refuses',
      {
        ...irsa,
        correction: {
          roleName: 'a/b',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/a/b`,
          changes: ['x'],
          placeholders: [],
          note: 'n',
        },
      },
    ],
    ['without tmc context', noTmc],
    ['without a resource ARN', { ...base[0], resource: { type: 'TMC::Credential', name: 'alpha' } }],
    ['a resource ARN that is not one', { ...base[0], resource: { ...base[0]!.resource, arn: 'fn' } }],
    ['a short finding id', { ...base[0], findingId: 'abc' }],
    ['an unknown check', { ...base[0], checkId: 'tmc.unknown' }],
    ['an unknown resource type', { ...base[0], resource: { type: 'AWS::S3::Bucket', name: 'b' } }],
    ['an unknown component', { ...base[0], tmc: { credentialName: 'a', component: 'sync' } }],
    ['an empty title', { ...base[0], title: '' }],
    ['evidence with an object', { ...base[0], evidence: { nested: { a: 1 } } }],
    ['evidence with a number list', { ...base[0], evidence: { list: [1, 2] } }],
    ['no remediation runbook', { ...base[0], remediation: { text: 't', whoCanFix: 'w' } }],
    ['observedAt not ISO', { ...base[0], observedAt: 'yesterday' }],
    [
      'six sample events',
      { ...irsa, irsa: { ...irsa.irsa, sampleEventIds: ['1', '2', '3', '4', '5', '6'] } },
    ],
    ['an IRSA count of zero', { ...irsa, irsa: { ...irsa.irsa, count: 0 } }],
    ['another finding schema version', { ...base[0], schemaVersion: '2.0' }],
  ];

  it.each(cases)('%s', (_name, value) => {
    expect(reportedFindingSchema.safeParse(value).success).toBe(findingSchema.safeParse(value).success);
  });

  it('the cases cover both verdicts', () => {
    const verdicts = cases.map(([, value]) => findingSchema.safeParse(value).success);
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(verdicts.filter((ok) => !ok).length).toBeGreaterThanOrEqual(10);
  });
});

describe('unreadChecks: the checks a member run did not look at', () => {
  it('travel in every part and come back as sent', () => {
    const input = runInput({ unreadChecks: ['tmc.lambda.not-invoked', 'tmc.lambda.errors'] });
    const whole = buildRunReports(input, codec);
    expect(whole.details.map((detail) => parsed(detail).unreadChecks)).toEqual([
      ['tmc.lambda.not-invoked', 'tmc.lambda.errors'],
    ]);
    const split = buildRunReports(input, codec, wholeSize(input) - 1);
    expect(split.details.length).toBeGreaterThan(1);
    for (const detail of split.details) {
      expect(parsed(detail).unreadChecks).toEqual(['tmc.lambda.not-invoked', 'tmc.lambda.errors']);
    }
  });

  it('are left out when every check was looked at, as an older member sends them', () => {
    const detail = buildRunReports(runInput({ unreadChecks: [] }), codec).details[0]!;
    expect(detail).not.toHaveProperty('unreadChecks');
    expect(parsed(detail)).not.toHaveProperty('unreadChecks');
  });

  it.each([
    ['an unknown check id', ['tmc.lambda.invented']],
    ['not a list', 'tmc.lambda.errors'],
    ['more entries than there are checks', Array.from({ length: 500 }, () => 'tmc.lambda.errors')],
  ])('refuse %s', (_case, unreadChecks) => {
    const detail = { ...buildRunReports(runInput(), codec).details[0]!, unreadChecks };
    const result = parseRunReportDetail(detail, codec);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain('unreadChecks');
  });
});

import fc from 'fast-check';
import type { OidcProvider } from '../../lambdas/core/irsa/types';
import {
  describeRegionReasons,
  eksIssuerRegion,
  MAX_PROVIDER_REGIONS,
  planIrsaRegions,
} from '../../lambdas/core/irsa/scan-regions';

const provider = (url: string): OidcProvider => ({
  arn: `arn:aws:iam::111122223333:oidc-provider/${url}`,
  url,
  clientIds: ['sts.amazonaws.com'],
});
const listed = (...urls: string[]) => ({ ok: true as const, value: urls.map(provider) });
const EKS = (region: string, id = 'EXAMPLED539D4633E53DE1B71EXAMPLE') =>
  `oidc.eks.${region}.amazonaws.com/id/${id}`;

describe('eksIssuerRegion', () => {
  test.each([
    [EKS('eu-west-1'), 'eu-west-1'],
    [`https://${EKS('ap-southeast-2')}`, 'ap-southeast-2'],
    ['oidc.eks.cn-north-1.amazonaws.com.cn/id/ABCDEF0123', 'cn-north-1'],
    [EKS('us-gov-west-1'), 'us-gov-west-1'],
    [EKS('il-central-1'), 'il-central-1'],
  ])('%s is in %s', (url, region) => {
    expect(eksIssuerRegion(url)).toBe(region);
  });

  test.each([
    ['token.actions.githubusercontent.com'],
    ['oidc.eks.eu-west-1.amazonaws.com'],
    ['oidc.eks.eu-west-1.amazonaws.com/id/'],
    ['oidc.eks.eu-west-1.amazonaws.com/id/ABC/extra'],
    ['oidc.eks.eu-west-1.amazonaws.com.evil.example/id/ABC'],
    ['evil.example/oidc.eks.eu-west-1.amazonaws.com/id/ABC'],
    ['oidc.eks.EU-WEST-1.amazonaws.com/id/ABC'],
    ['oidc.eks.eu-west.amazonaws.com/id/ABC'],
    ['oidc.eks.eu-west-1\n.amazonaws.com/id/ABC'],
    [`oidc.eks.eu-west-1.amazonaws.com/id/${'A'.repeat(300)}`],
  ])('%j names no EKS region', (url) => {
    expect(eksIssuerRegion(url)).toBeUndefined();
  });

  test('a hostile URL is parsed in linear time', () => {
    const started = Date.now();
    for (let n = 1; n <= 4; n += 1) eksIssuerRegion(`oidc.eks.${'a-'.repeat(50_000 * n)}`);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('planIrsaRegions', () => {
  test('configured regions replace the defaults and the providers entirely', () => {
    expect(
      planIrsaRegions(['eu-west-1', 'eu-west-1', 'ap-south-1'], 'us-west-2', listed(EKS('sa-east-1'))),
    ).toEqual([
      { region: 'eu-west-1', reasons: ['configured'] },
      { region: 'ap-south-1', reasons: ['configured'] },
    ]);
  });

  test('by default: home, us-east-1, then each region an EKS provider names, each once with every reason', () => {
    const plan = planIrsaRegions(
      [],
      'us-west-2',
      listed(
        EKS('eu-west-1', 'A1'),
        'token.actions.githubusercontent.com',
        EKS('us-west-2', 'B2'),
        EKS('eu-west-1', 'C3'),
        EKS('us-east-1', 'D4'),
      ),
    );
    expect(plan).toEqual([
      { region: 'us-west-2', reasons: ['home', 'oidc-provider'], providers: 1 },
      { region: 'us-east-1', reasons: ['global-sts', 'oidc-provider'], providers: 1 },
      { region: 'eu-west-1', reasons: ['oidc-provider'], providers: 2 },
    ]);
    expect(plan.map(describeRegionReasons)).toEqual([
      'the checker runs here, EKS OIDC provider',
      'global STS endpoint, EKS OIDC provider',
      '2 EKS OIDC providers',
    ]);
  });

  test('home in us-east-1 is read once', () => {
    expect(planIrsaRegions([], 'us-east-1', listed())).toEqual([
      { region: 'us-east-1', reasons: ['home', 'global-sts'] },
    ]);
  });

  test('providers that could not be listed, or not asked for: the defaults only', () => {
    const failed = {
      ok: false as const,
      failure: {
        service: 'iam',
        operation: 'ListOpenIDConnectProviders',
        region: 'global',
        errorName: 'AccessDenied',
        message: 'no',
      },
    };
    for (const providers of [failed, undefined]) {
      expect(planIrsaRegions([], 'eu-central-1', providers).map((plan) => plan.region)).toEqual([
        'eu-central-1',
        'us-east-1',
      ]);
    }
  });

  test(`at most ${MAX_PROVIDER_REGIONS} regions come from providers, however many are made up`, () => {
    const urls = Array.from({ length: 500 }, (_, index) => EKS(`xx-fake-${(index % 99) + 1}`, `P${index}`));
    const letters = Array.from({ length: 200 }, (_, index) =>
      EKS(`zz-${String.fromCharCode(97 + (index % 26))}${'q'.repeat(Math.floor(index / 26) + 1)}-1`),
    );
    const plan = planIrsaRegions([], 'us-west-2', listed(...urls, ...letters));
    expect(plan.filter((item) => item.reasons.includes('oidc-provider'))).toHaveLength(MAX_PROVIDER_REGIONS);
    expect(plan).toHaveLength(MAX_PROVIDER_REGIONS + 2);
  });

  test('every region an EKS provider names is read, whatever the order (property)', () => {
    const region = fc
      .tuple(
        fc.constantFrom('us', 'eu', 'ap', 'sa', 'ca', 'me', 'af'),
        fc.constantFrom('east', 'west', 'south', 'north', 'central', 'southeast'),
        fc.integer({ min: 1, max: 9 }),
      )
      .map(([a, b, n]) => `${a}-${b}-${n}`);
    fc.assert(
      fc.property(fc.array(region, { maxLength: 20 }), region, (regions, home) => {
        const plan = planIrsaRegions(
          [],
          home,
          listed(...regions.map((name, index) => EKS(name, `I${index}`))),
        );
        const read = plan.map((item) => item.region);
        expect(new Set(read).size).toBe(read.length);
        for (const name of [home, 'us-east-1', ...regions]) expect(read).toContain(name);
      }),
    );
  });
});

/**
 * The Security Hub export in the template (issue 14): the `securityHubExport` key, the functions' environment, and
 * securityhub:BatchImportFindings on the account's default product of the stack's region, granted to both checker
 * roles only when the export is on. The grant is also simulated (@cloud-copilot/iam-simulate, a test-only
 * dependency) so a widened resource would be caught, not just a changed string.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ConfigError, loadConfig } from '../../lib/config/config';
import { SECURITY_HUB_EXPORT_VARIABLE } from '../../lambdas/core/security-hub/settings';
import { expectExplicitActions } from './iam-assertions';
import {
  actionsOf,
  allPolicyStatements,
  HUB_BUS_ARN,
  HUB_CONTEXT,
  resourceOf,
  roleAllows,
  synth,
  type PolicyStatementJson,
} from './helpers';

const ACCOUNT = '123456789012';
const REGION = 'us-west-2';
const PRODUCT = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const ROLES = ['CheckerRole', 'IrsaCheckerRole'];
const FUNCTIONS = ['CheckerFunction', 'IrsaCheckerFunction'];

describe('the securityHubExport key', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['off by default', {}, false],
    ['"true" from -c', { securityHubExport: 'true' }, true],
    ['true from cdk.json', { securityHubExport: true }, true],
    ['"false"', { securityHubExport: 'false' }, false],
  ])('%s', (_name, context, expected) => {
    expect(loadConfig(context).securityHubExport).toBe(expected);
  });

  it('a value that is no boolean names the key and how to set it', () => {
    expect(() => loadConfig({ securityHubExport: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ securityHubExport: 'yes' })).toThrow(
      /securityHubExport: must be true or false \(got "yes"\)\. Set it in cdk\.json "context" or pass -c securityHubExport=true\./,
    );
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['hub', HUB_CONTEXT, /accepts only findings of the calling account/],
    ['member', { mode: 'member', hubEventBusArn: HUB_BUS_ARN }, /a member publishes nothing itself/],
  ])('refused with mode=%s, saying why', (mode, context, why) => {
    const load = () => loadConfig({ ...context, securityHubExport: 'true' });
    expect(load).toThrow(new RegExp(`securityHubExport: is not supported with mode=${mode}`));
    expect(load).toThrow(why);
    // Off is fine in every mode.
    expect(loadConfig({ ...context, securityHubExport: 'false' }).securityHubExport).toBe(false);
  });
});

/** Resolves the pseudo parameters of a statement's Fn::Join resource (all the Security Hub grant uses). */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if ('Ref' in record) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
    };
    const resolved = pseudo[String(record.Ref)];
    if (resolved === undefined) throw new Error(`unresolved Ref ${String(record.Ref)}`);
    return resolved;
  }
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolve(part))).join(separator);
  }
  return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, resolve(inner)]));
}

const securityHubStatements = (statements: readonly PolicyStatementJson[]) =>
  statements.filter((statement) =>
    actionsOf(statement).some((action) => action.toLowerCase().startsWith('securityhub:')),
  );

describe('export off (the default)', () => {
  const { template } = synth({ regions: 'us-west-2,eu-west-1' });

  it('no policy in the template names any Security Hub action', () => {
    expect(securityHubStatements(allPolicyStatements(template).map((found) => found.statement))).toEqual([]);
  });

  it.each(FUNCTIONS)('%s has no Security Hub variable', (prefix) => {
    const env = resourceOf(template, 'AWS::Lambda::Function', prefix).Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(env.Variables[SECURITY_HUB_EXPORT_VARIABLE]).toBeUndefined();
  });
});

describe('export on', () => {
  const { template } = synth({ securityHubExport: 'true', regions: 'us-west-2,eu-west-1' });

  it.each(ROLES)(
    '%s: BatchImportFindings on the default product of the stack region, and nothing else',
    (role) => {
      const statements = securityHubStatements(roleAllows(template, role));
      expect(statements).toHaveLength(1);
      const [statement] = statements.map((s) => resolve(s) as PolicyStatementJson);
      expect(statement).toEqual({
        Sid: 'ImportFindingsIntoSecurityHub',
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: PRODUCT,
      });
    },
  );

  it('no wildcard action anywhere (the template rule holds with the export on)', () => {
    expectExplicitActions(template);
  });

  it.each(FUNCTIONS)('%s is told to export', (prefix) => {
    const env = resourceOf(template, 'AWS::Lambda::Function', prefix).Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(env.Variables[SECURITY_HUB_EXPORT_VARIABLE]).toBe('true');
  });

  describe.each(ROLES)('%s, simulated', (role) => {
    // Only the Security Hub grant: every other statement names other services' actions explicitly (no wildcard
    // action, checked above), so none of them can allow a securityhub: action.
    const policies = securityHubStatements(roleAllows(template, role)).map((statement, index) => ({
      name: `statement-${index}`,
      policy: { Version: '2012-10-17', Statement: [resolve(statement)] },
    }));
    const simulate = async (action: string, resource: string): Promise<string> => {
      const result = await runSimulation(
        {
          request: {
            principal: `arn:aws:iam::${ACCOUNT}:role/${role}`,
            action,
            resource: { resource, accountId: resource.split(':')[4] ?? ACCOUNT },
            contextVariables: {
              'aws:SecureTransport': 'true',
              'aws:RequestedRegion': resource.split(':')[3]!,
            },
          },
          identityPolicies: policies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult === 'Allowed' ? 'Allowed' : 'denied';
    };

    it.each<[string, string, string, string]>([
      ['may import into its own default product', 'securityhub:BatchImportFindings', PRODUCT, 'Allowed'],
      [
        'may not import in another region (checked regions included)',
        'securityhub:BatchImportFindings',
        `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`,
        'denied',
      ],
      [
        "may not import into another account's product",
        'securityhub:BatchImportFindings',
        `arn:aws:securityhub:${REGION}:210987654321:product/210987654321/default`,
        'denied',
      ],
      [
        "may not import as another product (a partner's)",
        'securityhub:BatchImportFindings',
        `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/aws/guardduty`,
        'denied',
      ],
      [
        'may not change findings through BatchUpdateFindings',
        'securityhub:BatchUpdateFindings',
        `arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`,
        'denied',
      ],
      [
        'may not read findings',
        'securityhub:GetFindings',
        `arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`,
        'denied',
      ],
    ])('%s', async (_name, action, resource, expected) => {
      expect(await simulate(action, resource)).toBe(expected);
    });
  });
});

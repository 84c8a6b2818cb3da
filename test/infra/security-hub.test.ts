/**
 * The Security Hub export in the template: the `securityHubExport` key; with it on, the exporter function and the
 * rule on the findings bus that feeds it this account's finding events, and securityhub:BatchImportFindings on the
 * account's default product of the stack's region granted to the exporter's role alone. The checkers' roles hold
 * no Security Hub action in any mode. The grant is also simulated (@cloud-copilot/iam-simulate, a test-only
 * dependency) so a widened resource would be caught, not just a changed string.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError, loadConfig } from '../../lib/config/config';
import {
  SECURITY_HUB_EXPORT_MAX_EVENT_AGE,
  SECURITY_HUB_EXPORT_RETRY_ATTEMPTS,
} from '../../lib/constructs/security-hub-exporter';
import { TmcHealthCheckerStack } from '../../lib/tmc-health-checker-stack';
import { expectExplicitActions } from './iam-assertions';
import {
  actionsOf,
  allPolicyStatements,
  HUB_BUS_ARN,
  HUB_CONTEXT,
  resourceOf,
  roleAllows,
  synth,
  synthApp,
  type PolicyStatementJson,
} from './helpers';

const ACCOUNT = '123456789012';
const REGION = 'us-west-2';
const PRODUCT = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const CHECKER_ROLES = ['CheckerRole', 'IrsaCheckerRole'];
const EXPORTER_ROLE = 'SecurityHubExportExporterRole';
const EXPORTER_FUNCTION = 'SecurityHubExportExporterFunction';
const FINDING_EVENTS = {
  source: ['tmc-health'],
  'detail-type': ['TMC Health Finding'],
  account: [{ Ref: 'AWS::AccountId' }],
};

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

  it('no exporter, and no rule on the finding events', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).not.toContainEqual(
      expect.stringMatching(/^SecurityHubExport/),
    );
    expect(
      template.findResources('AWS::Events::Rule', { Properties: { EventPattern: FINDING_EVENTS } }),
    ).toEqual({});
  });
});

describe('the checkers hold no Security Hub action in any mode', () => {
  it.each<[string, Record<string, unknown>]>([
    ['single, export off', {}],
    ['single, export on', { securityHubExport: 'true' }],
    ['hub', HUB_CONTEXT],
    ['member', { mode: 'member', hubEventBusArn: HUB_BUS_ARN }],
  ])('%s', (_name, context) => {
    const synthesized = synthApp(context);
    const stacks = [
      synthesized.single,
      synthesized.hub,
      synthesized.hub?.memberTemplate,
      synthesized.member,
    ].filter((stack) => stack !== undefined);
    expect(stacks.length).toBeGreaterThan(0);
    for (const template of stacks.map((stack) => synthesized.templateOf(stack))) {
      const checkerStatements = allPolicyStatements(template)
        .filter((found) => !found.logicalId.startsWith(EXPORTER_ROLE))
        .map((found) => found.statement);
      expect(securityHubStatements(checkerStatements)).toEqual([]);
    }
  });
});

describe('export on', () => {
  const { template } = synth({ securityHubExport: 'true', regions: 'us-west-2,eu-west-1' });

  it('the exporter role: BatchImportFindings on the default product of the stack region, and nothing else', () => {
    const statements = securityHubStatements(roleAllows(template, EXPORTER_ROLE));
    expect(statements.map((s) => resolve(s) as PolicyStatementJson)).toEqual([
      {
        Sid: 'ImportFindingsIntoSecurityHub',
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: PRODUCT,
      },
    ]);
    // Beside it only its logs (CheckerFunction's grant): no read of any other service.
    const others = roleAllows(template, EXPORTER_ROLE)
      .flatMap(actionsOf)
      .filter((action) => !action.startsWith('securityhub:'));
    expect(others.every((action) => action.startsWith('logs:') || action.startsWith('sqs:'))).toBe(true);
  });

  it.each(CHECKER_ROLES)('%s holds no Security Hub action', (role) => {
    expect(securityHubStatements(roleAllows(template, role))).toEqual([]);
  });

  it('no wildcard action anywhere (the template rule holds with the export on)', () => {
    expectExplicitActions(template);
  });

  it('a rule on the findings bus sends this account’s finding events to the exporter, undelivered ones to its queue', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: FINDING_EVENTS },
    });
    expect(Object.values(rules)).toHaveLength(1);
    const [rule] = Object.values(rules) as { Properties: Record<string, unknown> }[];
    expect(rule!.Properties.EventBusName).toBeUndefined(); // the default bus
    expect(rule!.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${EXPORTER_FUNCTION}`)), 'Arn'] },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^SecurityHubExportExporterFailureQueue/), 'Arn'] },
        },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
      }),
    ]);
  });

  it('the exporter: its own handler, no settings, failed imports retried then kept in its failure queue', () => {
    const fn = resourceOf(template, 'AWS::Lambda::Function', EXPORTER_FUNCTION);
    expect((fn.Properties.Environment as { Variables: Record<string, string> }).Variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'tmc-health-security-hub-export',
      POWERTOOLS_METRICS_NAMESPACE: expect.any(String),
      NODE_OPTIONS: '--enable-source-maps',
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp(`^${EXPORTER_FUNCTION}`) },
      MaximumRetryAttempts: SECURITY_HUB_EXPORT_RETRY_ATTEMPTS,
      MaximumEventAgeInSeconds: SECURITY_HUB_EXPORT_MAX_EVENT_AGE.toSeconds(),
      DestinationConfig: {
        OnFailure: {
          Destination: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^SecurityHubExportExporterFailureQueue'), 'Arn'],
          },
        },
      },
    });
  });

  it('a custom bus by name: the rule is on it', () => {
    const custom = synth({ securityHubExport: 'true', eventBusName: 'tmc-findings' }).template;
    custom.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: FINDING_EVENTS,
      EventBusName: 'tmc-findings',
    });
  });

  it('a bus in another account is refused with the fix (a rule cannot be created there)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = loadConfig({
      securityHubExport: 'true',
      eventBusName: 'arn:aws:events:us-west-2:210987654321:event-bus/central',
    });
    expect(
      () =>
        new TmcHealthCheckerStack(app, 'Elsewhere', {
          config,
          env: { account: ACCOUNT, region: REGION },
        }),
    ).toThrow(/securityHubExport: .* in another account than the stack; a rule can only be created on a bus/);
    // The same account and region by ARN is fine.
    const same = new TmcHealthCheckerStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Same', {
      config: loadConfig({
        securityHubExport: 'true',
        eventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/central`,
      }),
      env: { account: ACCOUNT, region: REGION },
    });
    Template.fromStack(same).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'central',
    });
  });

  describe('the exporter role, simulated', () => {
    // Only the Security Hub grant: every other statement names other services' actions explicitly (no wildcard
    // action, checked above), so none of them can allow a securityhub: action.
    const policies = securityHubStatements(roleAllows(template, EXPORTER_ROLE)).map((statement, index) => ({
      name: `statement-${index}`,
      policy: { Version: '2012-10-17', Statement: [resolve(statement)] },
    }));
    const simulate = async (action: string, resource: string): Promise<string> => {
      const result = await runSimulation(
        {
          request: {
            principal: `arn:aws:iam::${ACCOUNT}:role/${EXPORTER_ROLE}`,
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

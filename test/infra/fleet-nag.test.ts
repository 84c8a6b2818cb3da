import { Validations, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HUB_BUS_ARN, HUB_CONTEXT, synthApp } from './helpers';

/**
 * cdk-nag AwsSolutions on every stack of the Organizations modes, as nag.test.ts does for the single stack: no
 * finding left unacknowledged, each acknowledgement with a written reason.
 */
const configurations: [string, Record<string, unknown>][] = [
  ['hub', HUB_CONTEXT],
  ['hub with hubIntake=queue', { ...HUB_CONTEXT, hubIntake: 'queue' }],
  [
    'hub with emails, an existing topic elsewhere, IRSA regions and patterns',
    {
      ...HUB_CONTEXT,
      notificationEmails: 'ops@example.com',
      existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      regions: 'eu-west-1,us-east-1',
      irsaRegions: 'eu-west-1,us-east-1',
      irsaRoleNamePatterns: 'eks/*,AccessEC2role',
    },
  ],
  ['hub without IRSA', { ...HUB_CONTEXT, irsaEnabled: 'false' }],
  [
    'hub with the paging recipes',
    {
      ...HUB_CONTEXT,
      pagerDutyRoutingKeySecret: 'tmc-health/pagerduty-routing-key',
      opsItemsForHigh: 'true',
    },
  ],
  ['member', { mode: 'member', hubEventBusArn: HUB_BUS_ARN }],
  [
    'member with regions and reserved concurrency',
    { mode: 'member', regions: 'eu-west-1', reservedConcurrency: 1 },
  ],
];

function stacksOf(context: Record<string, unknown>): Stack[] {
  const { hub, member, memberAssets } = synthApp(context);
  return [...(hub ? [hub, hub.memberTemplate] : []), ...(member ? [member] : []), ...memberAssets];
}

describe.each(configurations)('cdk-nag AwsSolutions (%s)', (_name, context) => {
  const stacks = stacksOf(context);

  test.each(stacks.map((stack) => [stack.node.path, stack] as const))(
    '%s: no unacknowledged findings (errors or warnings)',
    (_path, stack) => {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
        [],
      );
      expect(report.success).toBe(true);
    },
  );

  test('each acknowledgement carries a written reason', () => {
    const reasons = stacks
      .flatMap((stack) => stack.node.findAll())
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.values(entry.data as Record<string, string>));
    expect(reasons.length).toBeGreaterThanOrEqual(4);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
  });
});

test('the app-level plugin (as registered in bin/app.ts) lets a hub synthesis pass', () => {
  const { app } = synthApp(HUB_CONTEXT, { fresh: true });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  expect(() => app.synth({ force: true })).not.toThrow();
});

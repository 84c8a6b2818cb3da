import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synth } from './helpers';

/**
 * cdk-nag 3 is a CDK policy-validation plugin: findings go to the validation report, not to annotations, so
 * the pack is run directly on the stack (the same rules bin/app.ts registers with Validations.of(app)).
 */
const configurations: [string, Record<string, unknown>][] = [
  ['default', {}],
  ['with emails', { notificationEmails: 'ops@example.com' }],
  ['with regions and reserved concurrency', { regions: 'eu-west-1,us-east-1', reservedConcurrency: 1 }],
  ['with an existing topic', { existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' }],
  [
    'with IRSA regions and several role patterns',
    { irsaRegions: 'eu-west-1,eu-central-1', irsaRoleNamePatterns: 'eks/*,AccessEC2role,team-?-irsa-*' },
  ],
  ['with IRSA disabled', { irsaEnabled: false }],
  ['with auto-remediation', { autoRemediation: true }],
  ['with auto-remediation in two regions', { autoRemediation: 'true', regions: 'eu-west-1,us-east-1' }],
  ['with the Security Hub export', { securityHubExport: 'true' }],
  ['with the Security Hub export on a custom bus', { securityHubExport: 'true', eventBusName: 'findings' }],
  [
    'with the paging recipes',
    { pagerDutyRoutingKeySecret: 'tmc-health/pagerduty-routing-key', opsItemsForHigh: 'true' },
  ],
  ['with a Slack channel', { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' }],
  [
    'with Slack and Teams channels and an existing topic',
    {
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
      teamsTeamId: '2c5e8a4e-1f7b-4c1a-9d3e-6b8f0a2c4d6e',
      teamsChannelId: '19%3a0123456789abcdef%40thread.tacv2',
      teamsTenantId: '7d1f3b5a-9c2e-4e6f-8a0b-1c3d5e7f9a2b',
      existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    },
  ],
];

describe.each(configurations)('cdk-nag AwsSolutions (%s)', (_name, context) => {
  test('no unacknowledged findings (errors or warnings)', () => {
    const { stack } = synth(context);
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
    expect(report.success).toBe(true);
  });
});

test('each acknowledgement carries a written reason', () => {
  const { stack } = synth();
  const reasons = stack.node
    .findAll()
    .flatMap((construct) => construct.node.metadata)
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.values(entry.data as Record<string, string>));
  expect(reasons.length).toBeGreaterThanOrEqual(4);
  for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
});

test('the app-level plugin (as registered in bin/app.ts) lets synthesis pass', () => {
  const { app } = synth({}, { fresh: true });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  expect(() => app.synth()).not.toThrow();
});

/**
 * Attack: a principal of the monitoring account that is not the platform team's (a developer, a CI job) assumes
 * the read-only role in a member account and reads what tmc-health reads there. The role used to trust the
 * account root with no external id and no organization condition, so every principal of that account whose own
 * policies allowed `sts:AssumeRole` on `*` could. The trust must name the role ARNs, or the organization with an
 * external id; an account id is refused at synth. Each configuration is simulated against its synthesized trust
 * policy with @cloud-copilot/iam-simulate.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FleetReadOnlyRole, type FleetReadOnlyRoleProps } from '../../lib/constructs/fleet-read-only-role';

// The simulator loads its IAM data on first use: seconds on a busy 2-core machine.
jest.setTimeout(60_000);

const MONITORING = '123456789012';
const MEMBER = '444455556666';
const ORG = 'o-a1b2c3d4e5';
const AUDIT_ROLE = `arn:aws:iam::${MONITORING}:role/platform-audit`;
const DEVELOPER = `arn:aws:iam::${MONITORING}:role/developer`;
const ROLE_ARN = `arn:aws:iam::${MEMBER}:role/TmcHealthReadOnly`;

/** The synthesized trust policy, or the synth error. */
function trustPolicyOf(props: FleetReadOnlyRoleProps): { Statement: unknown[] } {
  const app = new App();
  const stack = new Stack(app, 'Member', { env: { account: MEMBER, region: 'eu-west-1' } });
  new FleetReadOnlyRole(stack, 'ReadOnly', props);
  const roles = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')) as {
    Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } };
  }[];
  return stack.resolve(roles[0]!.Properties.AssumeRolePolicyDocument) as { Statement: unknown[] };
}

async function assumeRole(
  trust: { Statement: unknown[] },
  caller: string,
  context: Record<string, string> = {},
): Promise<'Allowed' | 'denied'> {
  const result = await runSimulation(
    {
      request: {
        principal: caller,
        action: 'sts:AssumeRole',
        resource: { resource: ROLE_ARN, accountId: MEMBER },
        contextVariables: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalArn': caller, ...context },
      },
      // The caller's own policy allows assuming any role, as an administrator's or a broad CI role's does.
      identityPolicies: [
        {
          name: 'broad',
          policy: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult === 'Allowed' ? 'Allowed' : 'denied';
}

describe('another principal of the trusted account assuming the read-only role', () => {
  test('trusting the account id, as the docs used to show, is refused at synth', () => {
    expect(() => trustPolicyOf({ trustedPrincipals: [MONITORING] })).toThrow(
      `trusts every principal of account ${MONITORING}`,
    );
    expect(() => trustPolicyOf({ trustedPrincipals: [`arn:aws:iam::${MONITORING}:root`] })).toThrow(
      `trusts every principal of account ${MONITORING}`,
    );
  });

  test('with a named role: that role may, a developer of the same account may not', async () => {
    const trust = trustPolicyOf({ trustedPrincipals: [AUDIT_ROLE] });
    expect(await assumeRole(trust, AUDIT_ROLE)).toBe('Allowed');
    expect(await assumeRole(trust, DEVELOPER)).toBe('denied');
  });

  test('with the organization: only with the external id', async () => {
    expect(() => trustPolicyOf({ trustedOrganizationId: ORG })).toThrow('needs externalId');
    const trust = trustPolicyOf({ trustedOrganizationId: ORG, externalId: 'tmc-fleet-7f3a' });
    expect(await assumeRole(trust, DEVELOPER, { 'sts:ExternalId': 'tmc-fleet-7f3a' })).toBe('Allowed');
    expect(await assumeRole(trust, DEVELOPER)).toBe('denied');
    expect(await assumeRole(trust, DEVELOPER, { 'sts:ExternalId': 'guess' })).toBe('denied');
    expect(
      await assumeRole(trust, DEVELOPER, {
        'sts:ExternalId': 'tmc-fleet-7f3a',
        'aws:PrincipalOrgID': 'o-zzzzzzzzzz',
      }),
    ).toBe('denied');
  });
});

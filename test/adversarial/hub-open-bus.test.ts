/**
 * Attack: any principal of any account of the organization (a developer's role, a CI user, a compromised workload
 * in a member account) puts a forged run report on the hub bus in that account's name. The bus policy used to
 * check only the organization, the source and the detail-type. It must now also name the member checkers' roles
 * (`aws:PrincipalArn` under their path), so the same PutEvents call, with the same identity permissions, is denied
 * for every other principal. Simulated against the synthesized hub and member templates.
 */
import { HUB_CONTEXT, synthApp } from '../infra/helpers';
import { hubBusSimulation, MEMBER_ACCOUNT } from '../infra/hub-bus-simulation';

// The simulator loads its IAM data on first use: seconds on a busy 2-core machine.
jest.setTimeout(60_000);

const { putEvents, memberRolePath } = hubBusSimulation(synthApp(HUB_CONTEXT));

describe('a forged run report on the hub bus from a member account', () => {
  test('the member checker role itself is still allowed (the check is not vacuous)', async () => {
    expect(await putEvents({})).toBe('Allowed');
  });

  test.each([
    ['a developer role', `arn:aws:iam::${MEMBER_ACCOUNT}:role/developer`],
    ['an admin role', `arn:aws:iam::${MEMBER_ACCOUNT}:role/OrganizationAccountAccessRole`],
    [
      'the checker role name under another path',
      `arn:aws:iam::${MEMBER_ACCOUNT}:role/ci/StackSet-CheckerRole`,
    ],
    ['a role whose name starts like the path', `arn:aws:iam::${MEMBER_ACCOUNT}:role/tmc-health-member-x`],
    ['an IAM user', `arn:aws:iam::${MEMBER_ACCOUNT}:user/alice`],
    ['the account root', `arn:aws:iam::${MEMBER_ACCOUNT}:root`],
  ])('by %s, with PutEvents in its own policy, is denied', async (_who, principalArn) => {
    expect(principalArn.includes(`:role${memberRolePath}`)).toBe(false);
    expect(await putEvents({ principalArn })).toBe('denied');
  });
});

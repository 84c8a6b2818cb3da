/**
 * The cross-account path that matters most, simulated with @cloud-copilot/iam-simulate: a principal of a member
 * account putting events on the hub bus. Its identity policy (the member checker role's statements unless told
 * otherwise) and the bus's resource policy, both from the synthesized templates, have to allow it.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { RUN_REPORT_DETAIL_TYPE, RUN_REPORT_SOURCE } from '../../lambdas/core/fleet/run-report-types';
import type { TmcHealthHubStack } from '../../lib/tmc-health-hub-stack';
import { HUB_BUS_ARN, roleAllows, type PolicyStatementJson, type SynthesizedApp } from './helpers';

export interface PutEventsOptions {
  readonly orgId?: string;
  readonly bus?: string;
  readonly action?: string;
  readonly source?: string;
  readonly detailType?: string;
  /** The role making the call (`aws:PrincipalArn`); the member checker's role (its path) by default. */
  readonly principalArn?: string;
}

export const HUB_ACCOUNT = '123456789012';
export const MEMBER_ACCOUNT = '210987654321';
export const ORG = 'o-a1b2c3d4e5';

export function hubBusSimulation(hubApp: SynthesizedApp) {
  const hub = hubApp.hub as TmcHealthHubStack;

  const member = hubApp.templateOf(hub.memberTemplate);
  const hubTemplate = hubApp.templateOf(hub);
  const memberRoles = Object.values(member.findResources('AWS::IAM::Role')) as {
    Properties: { Path?: string; AssumeRolePolicyDocument: unknown };
  }[];
  const lambdaRoles = memberRoles.filter((role) =>
    JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
  );
  const MEMBER_ROLE_PATH = lambdaRoles[0]?.Properties.Path ?? '/';
  const MEMBER_ROLE_NAME = 'StackSet-TmcHealthMember-CheckerRole';

  /**
   * The template's values made concrete: HubEventBusArn and the bus's GetAtt are the deployed hub bus, pseudo
   * parameters the member account's; the member's own resources get placeholder ARNs (no case here touches them).
   */
  const PSEUDO: Record<string, string> = {
    HubEventBusArn: HUB_BUS_ARN,
    'AWS::Partition': 'aws',
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': MEMBER_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const concrete = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(concrete);
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return PSEUDO[record.Ref] ?? `arn:aws:placeholder:::${record.Ref}`;
    const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt) return /^FleetBus/.test(getAtt[0]) ? HUB_BUS_ARN : `arn:aws:placeholder:::${getAtt[0]}`;
    const join = record['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return (concrete(join[1]) as unknown[]).map(String).join(join[0]);
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, concrete(item)]));
  };

  const memberPolicy = {
    name: 'member-checker',
    policy: concrete({ Statement: roleAllows(member, 'CheckerRole') }) as {
      Statement: PolicyStatementJson[];
    },
  };
  const busPolicies = Object.values(hubTemplate.findResources('AWS::Events::EventBusPolicy')) as {
    Properties: { Statement: PolicyStatementJson };
  }[];
  const busPolicy = concrete({ Statement: busPolicies.map((policy) => policy.Properties.Statement) }) as {
    Statement: PolicyStatementJson[];
  };

  async function putEvents(options: PutEventsOptions): Promise<'Allowed' | 'denied'> {
    const bus = options.bus ?? HUB_BUS_ARN;
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${MEMBER_ACCOUNT}:assumed-role/StackSet-TmcHealthMember-CheckerRole/session`,
          action: options.action ?? 'events:PutEvents',
          resource: { resource: bus, accountId: bus.split(':')[4] ?? HUB_ACCOUNT },
          contextVariables: {
            'aws:SecureTransport': 'true',
            'aws:RequestedRegion': 'eu-west-1',
            'aws:PrincipalOrgID': options.orgId ?? ORG,
            'aws:PrincipalAccount': MEMBER_ACCOUNT,
            'aws:PrincipalArn':
              options.principalArn ??
              `arn:aws:iam::${MEMBER_ACCOUNT}:role${MEMBER_ROLE_PATH}${MEMBER_ROLE_NAME}`,
            ...(options.action === undefined
              ? {
                  'events:source': options.source ?? RUN_REPORT_SOURCE,
                  'events:detail-type': options.detailType ?? RUN_REPORT_DETAIL_TYPE,
                }
              : {}),
          },
        },
        identityPolicies: [memberPolicy],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(bus === HUB_BUS_ARN ? { resourcePolicy: busPolicy } : {}),
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    // A context key dropped as unknown for the action could make a case pass by accident.
    if (result.resultType === 'single') expect(result.result.ignoredContextKeys ?? []).toEqual([]);
    return result.overallResult === 'Allowed' ? 'Allowed' : 'denied';
  }
  return { putEvents, busPolicy, memberPolicy, lambdaRoles, memberRolePath: MEMBER_ROLE_PATH };
}

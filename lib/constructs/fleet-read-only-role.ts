import { Aws, CfnCondition, CfnOutput, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_READ_ONLY_ROLE_NAME } from '../../lambdas/core/fleet/read-only-role';
import { NAMED_PRINCIPAL_ARN, wholeAccountOf } from '../config/aws-names';
import type { TmcHealthConfig } from '../config/config';
import { checkerPolicyStatements } from '../permissions/checker-permissions';
import { irsaPolicyStatements } from '../permissions/irsa-permissions';
import { eksConnectorReadStatements } from '../permissions/eks-connector-permissions';
import { podIdentityReadStatements } from '../permissions/pod-identity-permissions';

export interface FleetReadOnlyRoleProps {
  /**
   * The role's name: `tmc-health check --accounts` assumes `arn:<partition>:iam::<account>:role/<roleName>`.
   * IAM is global: deploy the role once per account (in one region), not once per region.
   * @default 'TmcHealthReadOnly' (the CLI's default --role-name)
   */
  readonly roleName?: string;
  /**
   * Who may assume the role, by name: IAM role or user ARNs (`arn:aws:iam::<account>:role/<name>`), e.g. the
   * platform team's audit role in the monitoring account. An account id or an account root ARN is refused: it
   * would let every principal of that account whose own policies allow `sts:AssumeRole` on `*` read this
   * account. Trust a whole organization with `trustedOrganizationId` and `externalId` instead.
   * @default - none; then `trustedOrganizationId` is required
   */
  readonly trustedPrincipals?: readonly string[];
  /**
   * Trust any principal of this organization (`aws:PrincipalOrgID`) that presents `externalId`, which is then
   * required: for a fleet of accounts where naming each caller's role is not practical.
   * @default - no organization-wide trust
   */
  readonly trustedOrganizationId?: string;
  /**
   * Required from whoever assumes the role (an `sts:ExternalId` StringEquals condition on every trust statement;
   * the CLI's `--external-id`). Mandatory with `trustedOrganizationId`.
   * @default - no external id required
   */
  readonly externalId?: string;
  /**
   * Regions the role may read, as the checker's `regions` (the IRSA CloudTrail scan is limited to the same
   * regions; include us-east-1 to read denials logged by the global STS endpoint).
   * @default - the stack's region (and us-east-1 for the IRSA scan), as the checkers with `regions` unset
   */
  readonly regions?: readonly string[];
  /**
   * IAM role name patterns whose trust policies the IRSA diagnosis may read (iam:GetRole).
   * @default ['*'] (every role of the account, the IRSA check's default irsaRoleNamePatterns)
   */
  readonly irsaRoleNamePatterns?: readonly string[];
  /**
   * Create the role only where the stack is deployed in this region: IAM role names are account-wide, and a
   * StackSet deploys one template to every region of an account (a deploy-time condition on `AWS::Region`).
   * @default - wherever the stack is deployed (deploy it in one region per account)
   */
  readonly onlyInRegion?: string;
}

/**
 * Stand-ins for the publish and watermark resources the checker statement functions also grant: statements on
 * them are dropped, so the role gets exactly the checkers' read statements (the same functions, not a copy).
 */
const NOT_GRANTED = {
  eventBusArn: 'arn:tmc-health:not-granted:::event-bus',
  topicArn: 'arn:tmc-health:not-granted:::topic',
  watermarkTableArn: 'arn:tmc-health:not-granted:::watermark-table',
} as const;
const NOT_GRANTED_ARNS: ReadonlySet<string> = new Set(Object.values(NOT_GRANTED));

/** Never in this role, whatever the statement functions come to grant: secrets, writes, wildcards. */
const FORBIDDEN_ACTION =
  /^(ssm:GetParameter|kms:|sts:|events:PutEvents|sns:Publish|dynamodb:|lambda:InvokeFunction)|\*/;

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * The read-only role `tmc-health check --accounts` assumes in each account (docs/organizations.md, "Without the
 * hub"): exactly the read statements of the credential checker (lib/permissions/checker-permissions.ts) and the
 * IRSA check (lib/permissions/irsa-permissions.ts), built by the same functions. No publishing, no watermark
 * table, no ssm:GetParameter* or kms:Decrypt (the TMC token is never readable), no wildcard actions; the
 * construct refuses to synthesize if the statement functions ever grant one of those.
 */
export class FleetReadOnlyRole extends Construct {
  readonly role: iam.Role;
  /** The deploy-time condition of `onlyInRegion`; undefined without it. */
  readonly condition?: CfnCondition;

  constructor(scope: Construct, id: string, props: FleetReadOnlyRoleProps) {
    super(scope, id);
    const roleName = props.roleName ?? DEFAULT_READ_ONLY_ROLE_NAME;
    if (!Token.isUnresolved(roleName) && !ROLE_NAME.test(roleName)) {
      throw new Error(
        `FleetReadOnlyRole: roleName '${roleName}' is not an IAM role name (1-64 letters, digits and +=,.@_-)`,
      );
    }
    const principals = trustedPrincipalsOf(props);

    const regions = props.regions ?? [];
    const statements = [
      ...checkerPolicyStatements({ regions, ...NOT_GRANTED }),
      ...irsaPolicyStatements({
        regions,
        roleNamePatterns: props.irsaRoleNamePatterns ?? ['*'],
        ...NOT_GRANTED,
      }),
      // `check --accounts` runs the EKS Connector and Pod Identity families by default, as the deployed checker
      // does (the EKS Connector's statements already grant the clusters and roles both read).
      ...eksConnectorReadStatements(regions),
      ...podIdentityReadStatements(regions, { eksConnectorGrants: true }),
    ].filter((statement) => !statement.resources.some((arn) => NOT_GRANTED_ARNS.has(arn)));
    const forbidden = statements.flatMap((statement) =>
      statement.actions.filter((action) => FORBIDDEN_ACTION.test(action)),
    );
    if (forbidden.length > 0) {
      throw new Error(
        `FleetReadOnlyRole: the checker statements now grant ${forbidden.join(', ')}, which a read-only role must not have`,
      );
    }

    this.role = new iam.Role(this, 'Role', {
      roleName,
      description:
        'TMC health read-only: what tmc-health check --accounts reads (TMC credential resources, IRSA denials, ' +
        'EKS Connector clusters, EKS Pod Identity associations); ' +
        'no token values, no writes',
      assumedBy: principals.length === 1 ? principals[0]! : new iam.CompositePrincipal(...principals),
      ...(props.externalId === undefined ? {} : { externalIds: [props.externalId] }),
      inlinePolicies: { TmcHealthRead: new iam.PolicyDocument({ statements }) },
    });

    if (props.onlyInRegion !== undefined) {
      this.condition = new CfnCondition(this, 'InRegion', {
        expression: Fn.conditionEquals(Aws.REGION, props.onlyInRegion),
      });
      (this.role.node.defaultChild as iam.CfnRole).cfnOptions.condition = this.condition;
    }

    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only for tag:GetResources, cloudwatch:GetMetricData, ssm:DescribeParameters, ' +
          'events:ListRuleNamesByTarget, cloudtrail:LookupEvents, iam:ListOpenIDConnectProviders and ' +
          'eks:ListClusters, which ' +
          'support no resource-level permissions; all read-only and return no secret values (LookupEvents is ' +
          'limited to the listed regions by aws:RequestedRegion when regions are given).',
      },
      ...statements
        .flatMap((statement) => statement.resources)
        .filter((arn) => arn !== '*' && arn.includes('*'))
        .map((arn) => ({
          id: `AwsSolutions-IAM5[Resource::${nagArn(this, arn)}]`,
          reason:
            'The read-only checker grants on resources named at run time (TMC functions and rules, IRSA roles, ' +
            'OIDC providers, EKS clusters, Pod Identity associations and agent add-ons), in this account only, ' +
            'exactly as the checker roles have them ' +
            '(lib/permissions/nag-acknowledgements.ts gives each reason).',
        })),
    );
  }
}

/**
 * The read-only role as the configuration asks for it (`readOnlyRoleTrustedPrincipals`, docs/configuration.md):
 * trusting those ARNs, reading the configured `regions` and `irsaRoleNamePatterns`, with the output
 * `ReadOnlyRoleArn`; none when the key is unset.
 */
export function configuredReadOnlyRole(
  scope: Construct,
  config: TmcHealthConfig,
  onlyInRegion?: string,
): FleetReadOnlyRole | undefined {
  const trustedPrincipals = config.readOnlyRoleTrustedPrincipals ?? [];
  if (trustedPrincipals.length === 0) return undefined;
  const readOnly = new FleetReadOnlyRole(scope, 'ReadOnlyRole', {
    trustedPrincipals,
    regions: config.regions,
    irsaRoleNamePatterns: config.irsaRoleNamePatterns,
    ...(onlyInRegion === undefined ? {} : { onlyInRegion }),
  });
  new CfnOutput(Stack.of(scope), 'ReadOnlyRoleArn', {
    value: readOnly.role.roleArn,
    description:
      'The role tmc-health check --accounts assumes in this account (--role-name TmcHealthReadOnly)',
    ...(readOnly.condition === undefined ? {} : { condition: readOnly.condition }),
  });
  return readOnly;
}

/**
 * The role's trust: named role and user ARNs, and/or the organization (which requires an external id). Refuses
 * account ids and roots, naming the prop and the fix.
 */
function trustedPrincipalsOf(props: FleetReadOnlyRoleProps): iam.IPrincipal[] {
  const named = props.trustedPrincipals ?? [];
  const organization = props.trustedOrganizationId;
  if (named.length === 0 && organization === undefined) {
    throw new Error(
      'FleetReadOnlyRole: trustedPrincipals must name at least one role or user ARN that may assume the role ' +
        '(or set trustedOrganizationId with externalId)',
    );
  }
  const principals = named.map((principal): iam.IPrincipal => {
    if (Token.isUnresolved(principal) || NAMED_PRINCIPAL_ARN.test(principal))
      return new iam.ArnPrincipal(principal);
    const account = wholeAccountOf(principal);
    if (account !== undefined) {
      throw new Error(
        `FleetReadOnlyRole: trustedPrincipals: '${principal}' trusts every principal of account ${account}; name ` +
          `the role that runs tmc-health instead (arn:aws:iam::${account}:role/<name>), or set ` +
          'trustedOrganizationId with externalId',
      );
    }
    throw new Error(
      `FleetReadOnlyRole: trustedPrincipals: '${principal}' is not an IAM role or user ARN ` +
        '(arn:aws:iam::<account>:role/<name>)',
    );
  });
  if (organization !== undefined) {
    if (!Token.isUnresolved(organization) && !ORGANIZATION_ID.test(organization)) {
      throw new Error(
        `FleetReadOnlyRole: trustedOrganizationId '${organization}' is not an Organizations id (o- and 10 to 32 lowercase letters or digits)`,
      );
    }
    if (props.externalId === undefined) {
      throw new Error(
        'FleetReadOnlyRole: trustedOrganizationId needs externalId: without it any principal of the ' +
          'organization allowed sts:AssumeRole on * could read this account; set externalId and pass it to ' +
          'tmc-health check --external-id',
      );
    }
    principals.push(new iam.OrganizationPrincipal(organization));
  }
  return principals;
}

/**
 * cdk-nag's rendering of a resource: the pseudo parameters and references of an `Fn::Join` as `<Name>`, e.g.
 * `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*`.
 */
function nagArn(scope: Construct, arn: string): string {
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'object' && value !== null) {
      const ref = (value as { Ref?: unknown }).Ref;
      if (typeof ref === 'string') return `<${ref}>`;
      const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (join) return join[1].map(render).join(join[0]);
    }
    return JSON.stringify(value);
  };
  return render(Stack.of(scope).resolve(arn));
}

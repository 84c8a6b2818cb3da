import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_READ_ONLY_ROLE_NAME } from '../../lambdas/cli/fleet-options';
import { checkerPolicyStatements } from '../permissions/checker-permissions';
import { irsaPolicyStatements } from '../permissions/irsa-permissions';

export interface FleetReadOnlyRoleProps {
  /**
   * The role's name: `tmc-health check --accounts` assumes `arn:<partition>:iam::<account>:role/<roleName>`.
   * IAM is global: deploy the role once per account (in one region), not once per region.
   * @default 'TmcHealthReadOnly' (the CLI's default --role-name)
   */
  readonly roleName?: string;
  /**
   * Who may assume the role: 12-digit account ids (any principal of that account whose own policies allow
   * sts:AssumeRole on the role) or IAM principal ARNs (a role, a user). At least one.
   */
  readonly trustedPrincipals: readonly string[];
  /**
   * Required from whoever assumes the role (an `sts:ExternalId` StringEquals condition; the CLI's
   * `--external-id`).
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

const ACCOUNT_ID = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:(iam|sts)::\d{12}:.+$/;
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

  constructor(scope: Construct, id: string, props: FleetReadOnlyRoleProps) {
    super(scope, id);
    const roleName = props.roleName ?? DEFAULT_READ_ONLY_ROLE_NAME;
    if (!Token.isUnresolved(roleName) && !ROLE_NAME.test(roleName)) {
      throw new Error(
        `FleetReadOnlyRole: roleName '${roleName}' is not an IAM role name (1-64 letters, digits and +=,.@_-)`,
      );
    }
    if (props.trustedPrincipals.length === 0) {
      throw new Error(
        'FleetReadOnlyRole: trustedPrincipals must name at least one account id or principal ARN that may assume the role',
      );
    }
    const principals = props.trustedPrincipals.map((principal): iam.IPrincipal => {
      if (Token.isUnresolved(principal)) return new iam.ArnPrincipal(principal);
      if (ACCOUNT_ID.test(principal)) return new iam.AccountPrincipal(principal);
      if (PRINCIPAL_ARN.test(principal)) return new iam.ArnPrincipal(principal);
      throw new Error(
        `FleetReadOnlyRole: trustedPrincipals: '${principal}' is neither a 12-digit account id nor an IAM principal ARN (arn:aws:iam::<account>:role/<name>)`,
      );
    });

    const regions = props.regions ?? [];
    const statements = [
      ...checkerPolicyStatements({ regions, ...NOT_GRANTED }),
      ...irsaPolicyStatements({
        regions,
        roleNamePatterns: props.irsaRoleNamePatterns ?? ['*'],
        ...NOT_GRANTED,
      }),
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
        'TMC health read-only: what tmc-health check --accounts reads (TMC credential resources, IRSA denials); ' +
        'no token values, no writes',
      assumedBy: new iam.CompositePrincipal(...principals),
      ...(props.externalId === undefined ? {} : { externalIds: [props.externalId] }),
      inlinePolicies: { TmcHealthRead: new iam.PolicyDocument({ statements }) },
    });

    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only for tag:GetResources, cloudwatch:GetMetricData, ssm:DescribeParameters, ' +
          'events:ListRuleNamesByTarget, cloudtrail:LookupEvents and iam:ListOpenIDConnectProviders, which ' +
          'support no resource-level permissions; all read-only and return no secret values (LookupEvents is ' +
          'limited to the listed regions by aws:RequestedRegion).',
      },
      ...statements
        .flatMap((statement) => statement.resources)
        .filter((arn) => arn !== '*' && arn.includes('*'))
        .map((arn) => ({
          id: `AwsSolutions-IAM5[Resource::${nagArn(this, arn)}]`,
          reason:
            'The read-only checker grants on resources named at run time (TMC functions and rules, IRSA roles ' +
            'and OIDC providers), in this account only, exactly as the checker roles have them ' +
            '(lib/permissions/nag-acknowledgements.ts gives each reason).',
        })),
    );
  }
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

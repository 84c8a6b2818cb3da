import { CfnParameter, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EVENT_BUS_ARN_PATTERN } from '../lambdas/core/fleet/member-settings';
import type { TmcHealthConfig } from './config/config';
import { CredentialCheck } from './constructs/credential-check';
import { configuredReadOnlyRole, type FleetReadOnlyRole } from './constructs/fleet-read-only-role';
import { IrsaCheck } from './constructs/irsa-check';
import { addStackOutputs } from './constructs/stack-outputs';

/** The template parameter carrying the hub bus ARN: the StackSet passes the hub's, a manual deploy its own. */
export const HUB_EVENT_BUS_PARAMETER = 'HubEventBusArn';

export interface TmcHealthMemberStackProps extends StackProps {
  /** Validated configuration (see `loadConfig`): the checker keys; `hubEventBusArn` is the parameter's default. */
  readonly config: TmcHealthConfig;
  /**
   * Bundle the Lambda code exactly when this stack does (the hub, for the StackSet template nested in it): the
   * CLI's `--exclusively` selects stacks by path, and the template, never selected itself, would otherwise ship
   * unbundled code.
   * @default - the stack's own selection
   */
  readonly bundleWith?: Stack;
  /**
   * Create the read-only role (`readOnlyRoleTrustedPrincipals`) only in this region: the StackSet deploys the
   * template to every member region, and IAM role names are account-wide.
   * @default - wherever the stack is deployed
   */
  readonly readOnlyRoleRegion?: string;
}

/**
 * One member account of an organization (docs/organizations.md): the two scheduled checkers with their
 * roles, log groups and failure queues (and the IRSA check's watermark table), sending one run report per run to
 * the hub bus. No topic, key, findings ledger, dashboard, alarms or custom metrics: the hub keeps those for the
 * whole organization. Deployed by the hub's StackSet (the template then reads its Lambda code from the hub's
 * organization-readable asset buckets) or by hand with `-c mode=member`.
 */
export class TmcHealthMemberStack extends Stack {
  /** The hub bus ARN, a template parameter (`HubEventBusArn`). */
  readonly hubEventBusArn: CfnParameter;
  readonly credentials: CredentialCheck;
  /** The IRSA check; undefined when irsaEnabled is false. */
  readonly irsa?: IrsaCheck;
  /** The role `tmc-health check --accounts` assumes; undefined unless readOnlyRoleTrustedPrincipals is set. */
  readonly readOnlyRole?: FleetReadOnlyRole;
  private readonly bundleWith?: Stack;

  constructor(scope: Construct, id: string, props: TmcHealthMemberStackProps) {
    super(scope, id, props);
    this.bundleWith = props.bundleWith;
    const { config } = props;

    this.hubEventBusArn = new CfnParameter(this, HUB_EVENT_BUS_PARAMETER, {
      type: 'String',
      description:
        'ARN of the hub bus the run reports go to (the HubEventBusArn output of the TmcHealthHub stack)',
      allowedPattern: EVENT_BUS_ARN_PATTERN.source,
      constraintDescription:
        'must be an event bus ARN: arn:aws:events:<region>:<account id>:event-bus/<name>',
      ...(config.hubEventBusArn === undefined ? {} : { default: config.hubEventBusArn }),
    });
    const hubBus = this.hubEventBusArn.valueAsString;

    // The id `Default` leaves the logical ids as they were when the checker was the stack's own child.
    const publishing = { kind: 'hub', hubEventBusArn: hubBus } as const;
    this.credentials = new CredentialCheck(this, 'Default', { config, publishing });
    if (config.irsaEnabled) this.irsa = new IrsaCheck(this, 'Irsa', { config, publishing });
    this.readOnlyRole = configuredReadOnlyRole(this, config, props.readOnlyRoleRegion);
    addStackOutputs(this, { HubAccountId: [hubAccountOf(hubBus), 'The hub account the run reports go to'] });
  }

  override get bundlingRequired(): boolean {
    return this.bundleWith ? this.bundleWith.bundlingRequired : super.bundlingRequired;
  }
}

/** The account of an event bus ARN (token or literal): `arn:<partition>:events:<region>:<account>:event-bus/...`. */
export function hubAccountOf(eventBusArn: string): string {
  return Fn.select(4, Fn.split(':', eventBusArn));
}

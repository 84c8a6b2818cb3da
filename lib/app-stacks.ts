import type { App } from 'aws-cdk-lib';
import type { TmcHealthConfig } from './config/config';
import { memberAssetStackId } from './fleet/member-assets';
import { TmcHealthCheckerStack } from './tmc-health-checker-stack';
import { TmcHealthHubStack } from './tmc-health-hub-stack';
import { TmcHealthMemberAssetsStack } from './tmc-health-member-assets-stack';
import { TmcHealthMemberStack } from './tmc-health-member-stack';

/** The stacks of one mode (docs/organizations.md); only those of the configured mode are defined. */
export interface AppStacks {
  /** mode=single: the one-account stack. */
  readonly single?: TmcHealthCheckerStack;
  /** mode=hub: the hub, with the member StackSet and its template. */
  readonly hub?: TmcHealthHubStack;
  /** mode=hub: one organization-readable asset bucket stack per member region, deployed before the hub. */
  readonly memberAssets: readonly TmcHealthMemberAssetsStack[];
  /** mode=member: a member stack deployed by hand into the current account. */
  readonly member?: TmcHealthMemberStack;
}

/**
 * Defines the stacks the configured mode deploys. Every stack is environment-agnostic (account and region are
 * deploy-time tokens, so synth needs no AWS credentials), except that each asset bucket stack is pinned to its
 * member region.
 */
export function addStacks(app: App, config: TmcHealthConfig): AppStacks {
  const checks = config.irsaEnabled
    ? 'Tanzu Mission Control credentials and EKS IRSA'
    : 'Tanzu Mission Control credentials';
  if (config.mode === 'hub') {
    const organizationId = config.organizationId as string;
    const memberAssets = config.memberRegions.map(
      (region) =>
        new TmcHealthMemberAssetsStack(app, memberAssetStackId(region), {
          env: { region },
          organizationId,
          description: `TMC health: the member accounts' checker code for ${region}, readable by the organization`,
        }),
    );
    const hub = new TmcHealthHubStack(app, 'TmcHealthHub', {
      config,
      description: `TMC health hub: run reports of ${checks} checks from the organization, lifecycle, alarms`,
    });
    // The hub's deploy publishes the member code into these buckets: they must exist first.
    for (const assets of memberAssets) hub.addStackDependency(assets);
    return { hub, memberAssets };
  }
  if (config.mode === 'member') {
    const member = new TmcHealthMemberStack(app, 'TmcHealthMember', {
      config,
      description: `TMC health member: scheduled health checks for ${checks}, reporting to the organization hub`,
    });
    return { member, memberAssets: [] };
  }
  const single = new TmcHealthCheckerStack(app, 'TmcHealthChecker', {
    config,
    description: `Scheduled health checks for ${checks}`,
  });
  return { single, memberAssets: [] };
}

import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { chatChannelsOf } from './config/chat-config-schema';
import type { TmcHealthConfig } from './config/config';
import { FindingsHome } from './constructs/findings-home';
import { fleetDashboardOf, type FleetDashboard } from './constructs/fleet-dashboard';
import { FleetReports } from './constructs/fleet-reports';
import { MemberStackSet } from './constructs/member-stack-set';
import { configuredPaging, type PagingRecipes } from './constructs/paging-recipes';
import type { SelfMonitoring } from './constructs/self-monitoring';
import { FleetHubSynthesizer, StackSetTemplateSynthesizer } from './fleet/stack-set-synthesizers';
import { HUB_EVENT_BUS_PARAMETER, hubAccountOf, TmcHealthMemberStack } from './tmc-health-member-stack';

/** The name of the StackSet (its stack instances are named `StackSet-TmcHealthMember-<id>`). */
export const MEMBER_STACK_SET_NAME = 'TmcHealthMember';

export interface TmcHealthHubStackProps extends StackProps {
  /** Validated configuration with `mode: 'hub'` (organizationId, memberOrganizationalUnitIds, memberRegions). */
  readonly config: TmcHealthConfig;
}

/**
 * The hub of an organization (docs/organizations.md), in a StackSets delegated-admin account: the findings home
 * (topic, key, ledger, alarms), the fleet's run reports (bus, intake, watch), the fleet dashboard (`dashboard`), and the
 * StackSet that deploys `TmcHealthMember` (synthesized here as `MemberTemplate`, its code in the
 * `TmcHealthMemberAssets-<region>` buckets, deployed first) to every account of the chosen OUs and regions.
 */
export class TmcHealthHubStack extends Stack {
  readonly home: FindingsHome;
  readonly reports: FleetReports;
  /** PagerDuty and OpsCenter on the hub bus's finding events (docs/paging.md); undefined unless configured. */
  readonly paging?: PagingRecipes;
  readonly selfMonitoring: SelfMonitoring;
  /** The fleet dashboard; undefined unless `dashboard` is true ($3 a month). */
  readonly dashboard?: FleetDashboard;
  /** The member stack as the StackSet deploys it. */
  readonly memberTemplate: TmcHealthMemberStack;
  readonly memberStackSet: MemberStackSet;

  constructor(scope: Construct, id: string, props: TmcHealthHubStackProps) {
    super(scope, id, { ...props, synthesizer: props.synthesizer ?? new FleetHubSynthesizer() });
    const { config } = props;
    if (config.mode !== 'hub' || config.organizationId === undefined) {
      throw new Error(
        'TmcHealthHubStack needs a validated configuration with mode=hub and an organizationId',
      );
    }

    this.home = new FindingsHome(this, 'Default', {
      existingTopicArn: config.existingTopicArn,
      notificationEmails: config.notificationEmails,
      suppressions: config.suppressions,
      chat: chatChannelsOf(config),
      topicDescription: 'SNS topic the digests are sent to',
      ledgerDescription: 'The findings ledger of every member account (open markers OPEN#<account>#<family>)',
    });
    // Inside the home they publish to (FindingsHome says why), with their logical ids unchanged.
    this.reports = new FleetReports(this.home, 'Default', {
      config,
      organizationId: config.organizationId,
      home: this.home,
    });
    this.paging = configuredPaging(this, config, this.reports.fleetBus.bus);
    this.selfMonitoring = this.home.monitor(this.reports.monitored, {
      queues: this.paging?.deadLetterQueues,
      throttleAlarms: config.throttleAlarms,
    });
    this.dashboard = fleetDashboardOf(this, this.reports, this.selfMonitoring.allAlarms, config);

    // The member stack as the StackSet deploys it: synthesized with this stack, its code in the asset buckets.
    const memberSynthesizer = new StackSetTemplateSynthesizer({
      host: this,
      regions: config.memberRegions,
      hubAccountInTemplate: (stack) =>
        hubAccountOf((stack as TmcHealthMemberStack).hubEventBusArn.valueAsString),
    });
    this.memberTemplate = new TmcHealthMemberStack(this, 'MemberTemplate', {
      config,
      synthesizer: memberSynthesizer,
      bundleWith: this,
      readOnlyRoleRegion: config.memberRegions[0],
      description:
        'TMC health member (deployed by the TmcHealthMember StackSet of the hub): scheduled TMC credential' +
        `${config.irsaEnabled ? ' and EKS IRSA' : ''} checks reporting to the organization hub`,
    });
    this.memberStackSet = new MemberStackSet(this, 'MemberStackSet', {
      stackSetName: MEMBER_STACK_SET_NAME,
      description: 'TMC health checkers in every account of the chosen OUs, reporting to the hub bus',
      templateUrl: memberSynthesizer.templateUrl,
      organizationalUnitIds: config.memberOrganizationalUnitIds,
      regions: config.memberRegions,
      parameters: { [HUB_EVENT_BUS_PARAMETER]: this.reports.fleetBus.bus.eventBusArn },
    });
  }
}

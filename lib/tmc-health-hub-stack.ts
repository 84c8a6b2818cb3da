import * as path from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { hubSettingsToEnvironment } from '../lambdas/core/fleet/hub-settings';
import { lifecycleSettingsToEnvironment } from '../lambdas/core/lifecycle/settings';
import { METRICS_NAMESPACE, SERVICE_NAMES } from '../lambdas/core/observability';
import {
  CHECKER_TIMEOUT_MINUTES,
  MAX_EVENT_AGE_MINUTES,
  lifecycleSettings,
  memberSilentAfterMinutes,
  suppressionWarnings,
  type TmcHealthConfig,
} from './config/config';
import { CheckerFunction } from './constructs/checker-function';
import { CheckerSchedule } from './constructs/checker-schedule';
import { FLEET_BUS_NAME, FleetBus } from './constructs/fleet-bus';
import { FleetDashboard } from './constructs/fleet-dashboard';
import { FleetHeartbeatTable } from './constructs/fleet-heartbeat-table';
import { FindingsLedger } from './constructs/findings-ledger';
import { MemberStackSet } from './constructs/member-stack-set';
import { alarmTopicOf, Notifications } from './constructs/notifications';
import { SelfMonitoring, type MonitoredChecker } from './constructs/self-monitoring';
import { FleetHubSynthesizer, StackSetTemplateSynthesizer } from './fleet/stack-set-synthesizers';
import { fleetIntakeStatements, fleetWatchStatements } from './permissions/fleet-permissions';
import {
  acknowledgeDeadLetterQueue,
  acknowledgeScheduledFunction,
  acknowledgeTopicKeyGrant,
} from './permissions/nag-acknowledgements';
import { HUB_EVENT_BUS_PARAMETER, hubAccountOf, TmcHealthMemberStack } from './tmc-health-member-stack';

const PROJECT_ROOT = path.join(__dirname, '..');

/** The name of the StackSet (its stack instances are named `StackSet-TmcHealthMember-<id>`). */
export const MEMBER_STACK_SET_NAME = 'TmcHealthMember';

/** The fleet intake handles a batch of up to 10 run reports per invocation: ledger, heartbeat, publishing. */
const INTAKE_TIMEOUT_MINUTES = 2;
/** A run report may wait this long (throttling at the top of the hour) before it goes to the failure queue. */
const INTAKE_MAX_EVENT_AGE = Duration.hours(1);

export interface TmcHealthHubStackProps extends StackProps {
  /** Validated configuration with `mode: 'hub'` (organizationId, memberOrganizationalUnitIds, memberRegions). */
  readonly config: TmcHealthConfig;
  /** @default lambdas/handlers/fleet-intake.ts */
  readonly intakeEntry?: string;
  /** @default lambdas/handlers/fleet-watch.ts */
  readonly watchEntry?: string;
}

/**
 * The hub of an organization (docs/organizations.md), in a monitoring or StackSets delegated-admin
 * account: the bus `tmc-health-fleet` that accepts run reports from the organization, the fleet intake (each
 * report through the finding lifecycle against that member's part of the findings ledger, then a heartbeat), the
 * fleet watch (members gone silent are findings), the topic and its key, alarms on its own two functions, the
 * fleet dashboard, and the StackSet that deploys `TmcHealthMember` to every account of the chosen OUs and
 * regions. The member template is synthesized here (`MemberTemplate`); its Lambda code goes to the
 * `TmcHealthMemberAssets-<region>` buckets, deployed first.
 */
export class TmcHealthHubStack extends Stack {
  readonly notifications: Notifications;
  readonly ledger: FindingsLedger;
  readonly heartbeats: FleetHeartbeatTable;
  readonly fleetBus: FleetBus;
  readonly intake: CheckerFunction;
  readonly watch: CheckerFunction;
  readonly watchSchedule: CheckerSchedule;
  readonly selfMonitoring: SelfMonitoring;
  readonly dashboard: FleetDashboard;
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
    const organizationId = config.organizationId;

    const alarmNamePrefix = `${this.stackName}-`;
    this.notifications = new Notifications(this, 'Notifications', {
      existingTopicArn: config.existingTopicArn,
      emails: config.notificationEmails,
      alarmNamePrefix,
    });
    const topicArn = this.notifications.topic.topicArn;
    const topicKeyArn = this.notifications.key?.keyArn;
    this.ledger = new FindingsLedger(this, 'FindingsLedger');
    this.heartbeats = new FleetHeartbeatTable(this, 'Heartbeats');
    for (const warning of suppressionWarnings(config.suppressions, new Date())) {
      Annotations.of(this).addWarningV2('tmc-health:suppressions', warning);
    }

    const silentAfterMinutes = memberSilentAfterMinutes(config);
    const environment = (serviceName: string, watch: boolean): Record<string, string> => ({
      ...lifecycleSettingsToEnvironment(lifecycleSettings(config, this.ledger.table.tableName)),
      ...hubSettingsToEnvironment({
        fleetTableName: this.heartbeats.table.tableName,
        eventBusName: FLEET_BUS_NAME,
        topicArn,
        runbookBaseUrl: config.runbookBaseUrl,
        ...(watch ? { memberSilentAfterMinutes: silentAfterMinutes } : {}),
      }),
      POWERTOOLS_SERVICE_NAME: serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
    });

    this.intake = new CheckerFunction(this, 'Intake', {
      entry: props.intakeEntry ?? path.join(PROJECT_ROOT, 'lambdas', 'handlers', 'fleet-intake.ts'),
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: 'TMC health hub: takes each member account run report through the finding lifecycle',
      roleDescription:
        'TMC health fleet intake: findings ledger and member heartbeats, publish finding events and digests',
      timeout: Duration.minutes(INTAKE_TIMEOUT_MINUTES),
      maxEventAge: INTAKE_MAX_EVENT_AGE,
      retryAttempts: 2,
      logRetention: config.logRetentionDays,
      environment: environment(SERVICE_NAMES.fleetIntake, false),
    });
    this.fleetBus = new FleetBus(this, 'FleetBus', {
      organizationId,
      intake: this.intake.function,
      intakeTimeout: Duration.minutes(INTAKE_TIMEOUT_MINUTES),
      deadLetterQueue: this.intake.failureQueue,
    });

    const maxEventAge = Duration.minutes(MAX_EVENT_AGE_MINUTES);
    this.watch = new CheckerFunction(this, 'Watch', {
      entry: props.watchEntry ?? path.join(PROJECT_ROOT, 'lambdas', 'handlers', 'fleet-watch.ts'),
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: 'TMC health hub: reports member accounts that stopped sending run reports',
      roleDescription: 'TMC health fleet watch: read member heartbeats, findings ledger, publish findings',
      timeout: Duration.minutes(CHECKER_TIMEOUT_MINUTES),
      maxEventAge,
      logRetention: config.logRetentionDays,
      environment: environment(SERVICE_NAMES.fleetWatch, true),
    });
    this.watchSchedule = new CheckerSchedule(this, 'WatchSchedule', {
      function: this.watch.function,
      expression: config.schedule,
      targetDescription: 'the TMC health fleet watch',
      deadLetterQueue: this.watch.failureQueue,
      maxEventAge,
    });

    const permissions = {
      ledgerTableArn: this.ledger.table.tableArn,
      ledgerOpenIndexArn: this.ledger.openIndexArn,
      heartbeatTableArn: this.heartbeats.table.tableArn,
      eventBusArn: this.fleetBus.bus.eventBusArn,
      topicArn,
      topicKeyArn,
    };
    for (const statement of fleetIntakeStatements(permissions))
      this.intake.role.addToPrincipalPolicy(statement);
    for (const statement of fleetWatchStatements(permissions))
      this.watch.role.addToPrincipalPolicy(statement);
    acknowledgeDeadLetterQueue(this.intake.failureQueue);
    acknowledgeScheduledFunction(this, this.watch.function, this.watchSchedule.role, this.watch.failureQueue);
    if (topicKeyArn !== undefined) {
      acknowledgeTopicKeyGrant(this.intake.role);
      acknowledgeTopicKeyGrant(this.watch.role);
    }

    const monitored: MonitoredChecker[] = [
      {
        name: 'fleet-intake',
        title: 'TMC health fleet intake',
        serviceName: SERVICE_NAMES.fleetIntake,
        function: this.intake.function,
        failureQueue: this.intake.failureQueue,
        // Members report every period: no completed intake in two periods means no member reached the hub.
        scheduleExpression: config.schedule,
        logGroupName: this.intake.logGroup.logGroupName,
      },
      {
        name: 'fleet-watch',
        title: 'TMC health fleet watch',
        serviceName: SERVICE_NAMES.fleetWatch,
        function: this.watch.function,
        failureQueue: this.watch.failureQueue,
        scheduleExpression: config.schedule,
        logGroupName: this.watch.logGroup.logGroupName,
      },
    ];
    const alarmTopic = alarmTopicOf(this, this.notifications);
    this.selfMonitoring = new SelfMonitoring(this, 'SelfMonitoring', {
      checkers: monitored,
      alarmNamePrefix,
      topic: alarmTopic?.topic,
      topicCondition: alarmTopic?.condition,
    });
    for (const [checker, reason] of Object.entries(this.selfMonitoring.clampedWindows)) {
      Annotations.of(this).addWarningV2(`tmc-health:dead-mans-switch:${checker}`, reason);
    }
    this.dashboard = new FleetDashboard(this, 'Dashboard', {
      functions: [
        { title: 'Fleet intake', function: this.intake.function },
        { title: 'Fleet watch', function: this.watch.function },
      ],
      alarms: this.selfMonitoring.allAlarms,
    });

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
      parameters: { [HUB_EVENT_BUS_PARAMETER]: this.fleetBus.bus.eventBusArn },
    });

    new CfnOutput(this, 'HubEventBusArn', {
      value: this.fleetBus.bus.eventBusArn,
      description: 'The hub bus: the HubEventBusArn of member stacks deployed by hand (-c mode=member)',
    });
    new CfnOutput(this, 'MemberStackSetName', {
      value: MEMBER_STACK_SET_NAME,
      description:
        'aws cloudformation list-stack-instances --call-as DELEGATED_ADMIN --stack-set-name <name>',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.dashboard.dashboard.dashboardName,
      description: 'CloudWatch dashboard of the member accounts and the hub functions',
    });
    new CfnOutput(this, 'TopicArn', { value: topicArn, description: 'SNS topic the digests are sent to' });
    new CfnOutput(this, 'FindingsLedgerTableName', {
      value: this.ledger.table.tableName,
      description: 'The findings ledger of every member account (open markers OPEN#<account>#<family>)',
    });
    new CfnOutput(this, 'HeartbeatTableName', {
      value: this.heartbeats.table.tableName,
      description: 'When each member account last reported, per check family',
    });
    new CfnOutput(this, 'IntakeFunctionName', {
      value: this.intake.function.functionName,
      description: 'The fleet intake Lambda (aws logs tail /aws/lambda/<name>)',
    });
    new CfnOutput(this, 'WatchFunctionName', {
      value: this.watch.function.functionName,
      description: 'The fleet watch Lambda (invoke it to look for silent members now)',
    });
  }
}

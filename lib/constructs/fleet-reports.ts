import { Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { hubSettingsToEnvironment } from '../../lambdas/core/fleet/hub-settings';
import { LIFECYCLE_ENV, lifecycleSettingsToEnvironment } from '../../lambdas/core/lifecycle/settings';
import { SERVICE_NAMES } from '../../lambdas/core/observability';
import {
  CHECKER_TIMEOUT_MINUTES,
  MAX_EVENT_AGE_MINUTES,
  lifecycleSettings,
  memberSilentAfterMinutes,
  type TmcHealthConfig,
} from '../config/config';
import { fleetIntakeStatements, fleetWatchStatements } from '../permissions/fleet-permissions';
import {
  acknowledgeDeadLetterQueue,
  acknowledgeScheduledFunction,
  acknowledgeTopicKeyGrant,
} from '../permissions/nag-acknowledgements';
import { CheckerFunction } from './checker-function';
import { CheckerSchedule } from './checker-schedule';
import { FLEET_BUS_NAME, FleetBus } from './fleet-bus';
import { FleetHeartbeatTable } from './fleet-heartbeat-table';
import type { FindingsHome } from './findings-home';
import type { MonitoredChecker } from './self-monitoring';
import { addStackOutputs } from './stack-outputs';

/** The fleet intake handles a batch of up to 10 run reports per invocation: ledger, heartbeat, publishing. */
const INTAKE_TIMEOUT_MINUTES = 2;
/** A run report may wait this long (throttling at the top of the hour) before it goes to the failure queue. */
const INTAKE_MAX_EVENT_AGE = Duration.hours(1);

export interface FleetReportsProps {
  /** The validated hub configuration (schedule, log retention, lifecycle keys, memberSilentAfterMinutes). */
  readonly config: TmcHealthConfig;
  /** Only this organization's member checkers may put run reports on the hub bus. */
  readonly organizationId: string;
  /** Where the fleet's findings live: the topic (and key) both functions publish to, the ledger they keep. */
  readonly home: FindingsHome;
}

/**
 * The members' run reports at the hub: the bus `tmc-health-fleet` they arrive on, the fleet intake (each report
 * through the finding lifecycle against that member's part of the findings ledger, then a heartbeat), the
 * heartbeat table, and the scheduled fleet watch (members gone silent are findings). Outputs `HubEventBusArn`,
 * `HeartbeatTableName`, `IntakeFunctionName` and `WatchFunctionName`.
 */
export class FleetReports extends Construct {
  readonly heartbeats: FleetHeartbeatTable;
  readonly fleetBus: FleetBus;
  readonly intake: CheckerFunction;
  readonly watch: CheckerFunction;
  readonly watchSchedule: CheckerSchedule;
  /** Both functions as the self-monitoring watches them. */
  readonly monitored: readonly MonitoredChecker[];

  constructor(scope: Construct, id: string, props: FleetReportsProps) {
    super(scope, id);
    const { config, home } = props;
    this.heartbeats = new FleetHeartbeatTable(this, 'Heartbeats');
    const environment = (watch: boolean): Record<string, string> => ({
      ...lifecycleSettingsToEnvironment(lifecycleSettings(config)),
      ...hubSettingsToEnvironment({
        fleetTableName: this.heartbeats.table.tableName,
        eventBusName: FLEET_BUS_NAME,
        topicArn: home.topicArn,
        runbookBaseUrl: config.runbookBaseUrl,
        ...(watch ? { memberSilentAfterMinutes: memberSilentAfterMinutes(config) } : {}),
      }),
    });

    this.intake = new CheckerFunction(this, 'Intake', {
      handler: 'fleet-intake',
      serviceName: SERVICE_NAMES.fleetIntake,
      description: 'TMC health hub: takes each member account run report through the finding lifecycle',
      roleDescription:
        'TMC health fleet intake: findings ledger and member heartbeats, publish finding events and digests',
      timeout: Duration.minutes(INTAKE_TIMEOUT_MINUTES),
      maxEventAge: INTAKE_MAX_EVENT_AGE,
      retryAttempts: 2,
      logRetention: config.logRetentionDays,
      detailedMetrics: config.detailedMetrics,
      environment: environment(false),
    });
    this.fleetBus = new FleetBus(this, 'FleetBus', {
      organizationId: props.organizationId,
      intake: this.intake.function,
      intakeTimeout: Duration.minutes(INTAKE_TIMEOUT_MINUTES),
      deadLetterQueue: this.intake.failureQueue,
      intakeMode: config.hubIntake,
    });

    const maxEventAge = Duration.minutes(MAX_EVENT_AGE_MINUTES);
    this.watch = new CheckerFunction(this, 'Watch', {
      handler: 'fleet-watch',
      serviceName: SERVICE_NAMES.fleetWatch,
      description: 'TMC health hub: reports member accounts that stopped sending run reports',
      roleDescription: 'TMC health fleet watch: read member heartbeats, findings ledger, publish findings',
      timeout: Duration.minutes(CHECKER_TIMEOUT_MINUTES),
      maxEventAge,
      logRetention: config.logRetentionDays,
      detailedMetrics: config.detailedMetrics,
      environment: environment(true),
    });
    this.watchSchedule = new CheckerSchedule(this, 'WatchSchedule', {
      function: this.watch.function,
      expression: config.schedule,
      targetDescription: 'the TMC health fleet watch',
      deadLetterQueue: this.watch.failureQueue,
      maxEventAge,
    });

    const permissions = {
      heartbeatTableArn: this.heartbeats.table.tableArn,
      eventBusArn: this.fleetBus.bus.eventBusArn,
      topicArn: home.topicArn,
      topicKeyArn: home.topicKeyArn,
    };
    for (const [fn, statements] of [
      [this.intake, fleetIntakeStatements(permissions)],
      [this.watch, fleetWatchStatements(permissions)],
    ] as const) {
      fn.useTable(home.ledger, LIFECYCLE_ENV.ledgerTableName, 'readWrite');
      home.chat?.publishFrom(fn);
      fn.grant(statements);
      if (home.topicKeyArn !== undefined) acknowledgeTopicKeyGrant(fn.role);
    }
    acknowledgeDeadLetterQueue(this.intake.failureQueue);
    acknowledgeScheduledFunction(
      Stack.of(this),
      this.watch.function,
      this.watchSchedule.role,
      this.watch.failureQueue,
    );

    const { reportQueue, visibilityTimeout } = this.fleetBus;
    this.monitored = [
      // Members report every period: no successful intake in two periods means no member reached the hub.
      {
        ...this.intake.monitoredAs('fleet-intake', 'TMC health fleet intake', config.schedule),
        // With the queue it reports batch item failures: a report it failed on (say, its findings refused) is
        // retried from the queue while the invocation succeeds, so only the queue shows it. A direct report that
        // fails fails its invocation (the errors alarm), then lands on the failure queue.
        ...(reportQueue && visibilityTimeout
          ? {
              inputQueue: { queue: reportQueue, messages: 'run report', retriedAfter: visibilityTimeout },
            }
          : {}),
      },
      this.watch.monitoredAs('fleet-watch', 'TMC health fleet watch', config.schedule),
    ];
    addStackOutputs(this, {
      HubEventBusArn: [
        this.fleetBus.bus.eventBusArn,
        'The hub bus: the HubEventBusArn of member stacks deployed by hand (-c mode=member)',
      ],
      HeartbeatTableName: [
        this.heartbeats.table.tableName,
        'When each member account last reported, per check family',
      ],
      IntakeFunctionName: [
        this.intake.function.functionName,
        'The fleet intake Lambda (aws logs tail /aws/lambda/<name>)',
      ],
      WatchFunctionName: [
        this.watch.function.functionName,
        'The fleet watch Lambda (invoke it to look for silent members now)',
      ],
    });
  }
}

import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { irsaSettingsToEnvironment } from '../../lambdas/core/irsa/settings';
import { LIFECYCLE_ENV, lifecycleSettingsToEnvironment } from '../../lambdas/core/lifecycle/settings';
import { SERVICE_NAMES } from '../../lambdas/core/observability';
import {
  IRSA_MAX_EVENT_AGE_MINUTES,
  IRSA_TIMEOUT_MINUTES,
  irsaCheckerSettings,
  lifecycleSettings,
  memberFunctionEnvironment,
  memberIrsaCheckerSettings,
  type TmcHealthConfig,
} from '../config/config';
import { hubPublishStatements, publishStatements } from '../permissions/checker-permissions';
import { irsaReadStatements, irsaRealtimeStatements } from '../permissions/irsa-permissions';
import { acknowledgeIrsaNagFindings, acknowledgeTopicKeyGrant } from '../permissions/nag-acknowledgements';
import { MEMBER_REPORTER_ROLE_PATH } from '../fleet/member-role-path';
import { CheckerFunction } from './checker-function';
import { CheckerSchedule } from './checker-schedule';
import { IrsaRealtimeRule } from './irsa-realtime-rule';
import type { Publishing } from './publishing';
import type { MonitoredChecker } from './self-monitoring';
import { addStackOutputs } from './stack-outputs';
import { WatermarkTable } from './watermark-table';

export interface IrsaCheckProps {
  /** The validated configuration (the irsa* keys, the bus, reserved concurrency, log retention). */
  readonly config: TmcHealthConfig;
  /** Where the findings go: the account's bus, topic and ledger, or run reports to the hub bus (member mode). */
  readonly publishing: Publishing;
}

/**
 * The IRSA check: its own function, role, schedule and dead-letter queue (so neither check can use the other's
 * permissions), the DynamoDB table holding its CloudTrail scan watermarks, and the outputs `IrsaFunctionName`,
 * `IrsaLogGroupName` (and `IrsaDeadLetterQueueUrl`, `WatermarkTableName` in its own account).
 */
export class IrsaCheck extends Construct {
  readonly checker: CheckerFunction;
  readonly schedule: CheckerSchedule;
  readonly watermarkTable: dynamodb.Table;
  /** The real-time rule (`irsaRealtime`, single-account mode only); undefined when off. */
  readonly realtime?: IrsaRealtimeRule;
  /** The function as the self-monitoring of its findings home watches it. */
  readonly monitored: MonitoredChecker;

  constructor(scope: Construct, id: string, props: IrsaCheckProps) {
    super(scope, id);
    const { config, publishing } = props;
    const maxEventAge = Duration.minutes(IRSA_MAX_EVENT_AGE_MINUTES);

    this.watermarkTable = new WatermarkTable(this, 'Watermarks').table;

    this.checker = new CheckerFunction(this, 'Checker', {
      handler: 'irsa-check',
      serviceName: SERVICE_NAMES.irsa,
      description:
        'Finds EKS pods denied AssumeRoleWithWebIdentity (CloudTrail), diagnoses the role trust, publishes findings',
      roleDescription:
        'TMC health IRSA check: read CloudTrail web-identity denials, role trust policies and OIDC providers, ' +
        'keep scan watermarks, publish findings',
      timeout: Duration.minutes(IRSA_TIMEOUT_MINUTES),
      ...(publishing.kind === 'hub' ? { rolePath: MEMBER_REPORTER_ROLE_PATH } : {}),
      maxEventAge,
      logRetention: config.logRetentionDays,
      reservedConcurrency: config.reservedConcurrency,
      // A member never emits them (memberFunctionEnvironment): the hub counts the fleet from the reports.
      detailedMetrics: publishing.kind !== 'hub' && config.detailedMetrics,
      environment: irsaEnvironment(config, this.watermarkTable.tableName, publishing),
    });
    const reads = irsaReadStatements({
      regions: config.irsaRegions,
      roleNamePatterns: config.irsaRoleNamePatterns,
      watermarkTableArn: this.watermarkTable.tableArn,
    });
    if (publishing.kind === 'hub') {
      this.checker.grant([...reads, ...hubPublishStatements(publishing.hubEventBusArn)]);
    } else {
      this.checker.grant([...reads, ...publishStatements(publishing)]);
      this.checker.useTable(publishing.ledger, LIFECYCLE_ENV.ledgerTableName, 'readWrite');
      publishing.chat?.publishFrom(this.checker);
      if (publishing.topicKeyArn !== undefined) acknowledgeTopicKeyGrant(this.checker.role);
    }

    this.schedule = new CheckerSchedule(this, 'Schedule', {
      function: this.checker.function,
      expression: config.irsaSchedule,
      targetDescription: 'the TMC health IRSA check',
      deadLetterQueue: this.checker.failureQueue,
      maxEventAge,
    });

    // IRSA denials in near real time (docs/irsa-realtime.md); the config allows it in single mode only.
    if (config.irsaRealtime && publishing.kind === 'account') {
      this.realtime = new IrsaRealtimeRule(this, 'Realtime', {
        function: this.checker.function,
        deadLetterQueue: this.checker.failureQueue,
      });
      this.checker.grant(irsaRealtimeStatements({ watermarkTableArn: this.watermarkTable.tableArn }));
    }

    acknowledgeIrsaNagFindings(Stack.of(this), {
      roleNamePatterns: config.irsaRoleNamePatterns,
      irsaRole: this.checker.role,
      irsaFunction: this.checker.function,
      failureQueue: this.checker.failureQueue,
      schedulerRole: this.schedule.role,
    });
    this.monitored = this.checker.monitoredAs('irsa-check', 'TMC health IRSA check', config.irsaSchedule);

    addStackOutputs(this, {
      IrsaFunctionName: [this.checker.function.functionName, 'The IRSA check Lambda (invoke it to scan now)'],
      IrsaLogGroupName: [
        this.checker.logGroup.logGroupName,
        'The IRSA check log group (aws logs tail <name>)',
      ],
      ...(publishing.kind === 'hub'
        ? {}
        : {
            IrsaDeadLetterQueueUrl: [
              this.checker.failureQueue.queueUrl,
              'Failed or expired IRSA check invocations',
            ],
            WatermarkTableName: [
              this.watermarkTable.tableName,
              'The IRSA check CloudTrail scan positions, one item per region',
            ],
          }),
    });
  }
}

/** The IRSA function's settings, then the lifecycle's (single account; the ledger is bound apart) or the hub's. */
function irsaEnvironment(
  config: TmcHealthConfig,
  watermarkTableName: string,
  publishing: Publishing,
): Record<string, string> {
  if (publishing.kind === 'hub') {
    return {
      ...irsaSettingsToEnvironment(
        memberIrsaCheckerSettings(config, watermarkTableName, publishing.hubEventBusArn),
      ),
      ...memberFunctionEnvironment(publishing.hubEventBusArn),
    };
  }
  return {
    ...irsaSettingsToEnvironment(irsaCheckerSettings(config, publishing.topicArn, watermarkTableName)),
    ...lifecycleSettingsToEnvironment(lifecycleSettings(config)),
  };
}

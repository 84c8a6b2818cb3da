import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { irsaSettingsToEnvironment } from '../../lambdas/core/irsa/settings';
import { lifecycleSettingsToEnvironment } from '../../lambdas/core/lifecycle/settings';
import { METRICS_NAMESPACE, SERVICE_NAMES } from '../../lambdas/core/observability';
import { securityHubSettingsToEnvironment } from '../../lambdas/core/security-hub/settings';
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
import { ledgerStatements } from '../permissions/lifecycle-permissions';
import { acknowledgeIrsaNagFindings } from '../permissions/nag-acknowledgements';
import { securityHubImportStatements } from '../permissions/security-hub-permissions';
import { MEMBER_REPORTER_ROLE_PATH } from '../fleet/member-role-path';
import { CheckerFunction } from './checker-function';
import { CheckerSchedule } from './checker-schedule';
import type { FindingsLedger } from './findings-ledger';
import { IrsaRealtimeRule } from './irsa-realtime-rule';
import { WatermarkTable } from './watermark-table';

/** Where the IRSA check publishes in a single-account deployment: the account's bus, the topic, the ledger. */
export interface IrsaAccountPublishing {
  readonly kind: 'account';
  /** The topic in use (created or existing), shared with the credential checker. */
  readonly topicArn: string;
  /**
   * ARN of the key encrypting the topic, when the stack created it.
   * @default - no KMS permission (an existing topic)
   */
  readonly topicKeyArn?: string;
  /** ARN of the bus findings are put on, shared with the credential checker. */
  readonly eventBusArn: string;
  /** The findings ledger, shared with the credential checker (each check keeps to its own open marker). */
  readonly ledger: FindingsLedger;
}

/** Where a member account's IRSA check publishes: one run report per run to the hub bus, nothing else. */
export interface IrsaHubPublishing {
  readonly kind: 'hub';
  /** The hub bus ARN (the member template's HubEventBusArn parameter). */
  readonly hubEventBusArn: string;
}

export interface IrsaCheckProps {
  /** The validated configuration (the irsa* keys, the bus, reserved concurrency, log retention). */
  readonly config: TmcHealthConfig;
  /** Path of the IRSA handler file. */
  readonly entry: string;
  /** The lock file that pins the bundled dependencies. */
  readonly depsLockFilePath: string;
  readonly publishing: IrsaAccountPublishing | IrsaHubPublishing;
}

/**
 * The IRSA check: its own function, role, schedule and dead-letter queue (so neither check can use the other's
 * permissions), and the DynamoDB table holding its CloudTrail scan watermarks.
 */
export class IrsaCheck extends Construct {
  readonly checker: CheckerFunction;
  readonly schedule: CheckerSchedule;
  readonly watermarkTable: dynamodb.Table;
  /** The real-time rule (`irsaRealtime`, single-account mode only); undefined when off. */
  readonly realtime?: IrsaRealtimeRule;

  constructor(scope: Construct, id: string, props: IrsaCheckProps) {
    super(scope, id);
    const { config, publishing } = props;
    const maxEventAge = Duration.minutes(IRSA_MAX_EVENT_AGE_MINUTES);

    this.watermarkTable = new WatermarkTable(this, 'Watermarks').table;

    this.checker = new CheckerFunction(this, 'Checker', {
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
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
      environment: irsaEnvironment(config, this.watermarkTable.tableName, publishing),
    });
    const reads = irsaReadStatements({
      regions: config.irsaRegions,
      roleNamePatterns: config.irsaRoleNamePatterns,
      watermarkTableArn: this.watermarkTable.tableArn,
    });
    const publish =
      publishing.kind === 'hub'
        ? hubPublishStatements(publishing.hubEventBusArn)
        : [
            ...publishStatements({
              eventBusArn: publishing.eventBusArn,
              topicArn: publishing.topicArn,
              topicKeyArn: publishing.topicKeyArn,
            }),
            ...ledgerStatements({
              tableArn: publishing.ledger.table.tableArn,
              openIndexArn: publishing.ledger.openIndexArn,
            }),
            ...(config.securityHubExport ? securityHubImportStatements() : []),
          ];
    for (const statement of [...reads, ...publish]) {
      this.checker.role.addToPrincipalPolicy(statement);
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
      for (const statement of irsaRealtimeStatements({ watermarkTableArn: this.watermarkTable.tableArn })) {
        this.checker.role.addToPrincipalPolicy(statement);
      }
    }

    acknowledgeIrsaNagFindings(Stack.of(this), {
      roleNamePatterns: config.irsaRoleNamePatterns,
      irsaRole: this.checker.role,
      irsaFunction: this.checker.function,
      failureQueue: this.checker.failureQueue,
      schedulerRole: this.schedule.role,
    });
  }
}

/** The IRSA function's environment: its settings, then the lifecycle's (single account) or the hub's (member). */
function irsaEnvironment(
  config: TmcHealthConfig,
  watermarkTableName: string,
  publishing: IrsaAccountPublishing | IrsaHubPublishing,
): Record<string, string> {
  if (publishing.kind === 'hub') {
    return {
      ...irsaSettingsToEnvironment(
        memberIrsaCheckerSettings(config, watermarkTableName, publishing.hubEventBusArn),
      ),
      ...memberFunctionEnvironment(publishing.hubEventBusArn),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.irsa,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
    };
  }
  return {
    ...irsaSettingsToEnvironment(irsaCheckerSettings(config, publishing.topicArn, watermarkTableName)),
    ...lifecycleSettingsToEnvironment(lifecycleSettings(config, publishing.ledger.table.tableName)),
    ...securityHubSettingsToEnvironment(config),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.irsa,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

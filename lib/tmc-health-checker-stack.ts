import * as path from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { lifecycleSettingsToEnvironment } from '../lambdas/core/lifecycle/settings';
import { METRICS_NAMESPACE, SERVICE_NAMES } from '../lambdas/core/observability';
import { securityHubSettingsToEnvironment } from '../lambdas/core/security-hub/settings';
import { settingsToEnvironment } from '../lambdas/core/settings';
import { checkerPolicyStatements, eventBusArn } from './permissions/checker-permissions';
import {
  CHECKER_TIMEOUT_MINUTES,
  MAX_EVENT_AGE_MINUTES,
  checkerSettings,
  lifecycleSettings,
  suppressionWarnings,
  type TmcHealthConfig,
} from './config/config';
import { CheckerDashboard } from './constructs/checker-dashboard';
import { CheckerFunction } from './constructs/checker-function';
import { CheckerSchedule } from './constructs/checker-schedule';
import { EventSchemas } from './constructs/event-schemas';
import { FindingsLedger } from './constructs/findings-ledger';
import { IrsaCheck } from './constructs/irsa-check';
import { alarmTopicOf, Notifications } from './constructs/notifications';
import { SelfMonitoring, type MonitoredChecker } from './constructs/self-monitoring';
import { eksConnectorReadStatements } from './permissions/eks-connector-permissions';
import { podIdentityReadStatements } from './permissions/pod-identity-permissions';
import { autoRemediationStatements, ledgerStatements } from './permissions/lifecycle-permissions';
import { securityHubImportStatements } from './permissions/security-hub-permissions';
import { acknowledgeNagFindings, acknowledgeTopicKeyGrant } from './permissions/nag-acknowledgements';

const PROJECT_ROOT = path.join(__dirname, '..');

export interface TmcHealthCheckerStackProps extends StackProps {
  /** Validated configuration (see `loadConfig`). */
  readonly config: TmcHealthConfig;
  /**
   * The Lambda handler file.
   * @default lambdas/handlers/credential-check.ts
   */
  readonly handlerEntry?: string;
  /**
   * The IRSA check's Lambda handler file (used when `config.irsaEnabled`).
   * @default lambdas/handlers/irsa-check.ts
   */
  readonly irsaHandlerEntry?: string;
}

/**
 * Scheduled TMC credential health checks and (unless irsaEnabled is false) the IRSA check, both published to
 * EventBridge and SNS, with the findings ledger both diff their findings against and the schema registry of the
 * events they publish.
 */
export class TmcHealthCheckerStack extends Stack {
  readonly checker: CheckerFunction;
  readonly notifications: Notifications;
  readonly schedule: CheckerSchedule;
  /** The findings ledger (finding lifecycle), shared by both checks. */
  readonly ledger: FindingsLedger;
  readonly eventSchemas: EventSchemas;
  /** The IRSA check; undefined when irsaEnabled is false. */
  readonly irsa?: IrsaCheck;
  /** Alarms on the checkers themselves (errors, throttles, dead-man's switch, dead-letter queues, publishing). */
  readonly selfMonitoring: SelfMonitoring;
  readonly dashboard: CheckerDashboard;

  constructor(scope: Construct, id: string, props: TmcHealthCheckerStackProps) {
    super(scope, id, props);
    const { config } = props;
    const maxEventAge = Duration.minutes(MAX_EVENT_AGE_MINUTES);

    const alarmNamePrefix = `${this.stackName}-`;
    this.notifications = new Notifications(this, 'Notifications', {
      existingTopicArn: config.existingTopicArn,
      emails: config.notificationEmails,
      alarmNamePrefix,
    });
    const topicArn = this.notifications.topic.topicArn;
    const topicKeyArn = this.notifications.key?.keyArn;

    this.ledger = new FindingsLedger(this, 'FindingsLedger');
    this.eventSchemas = new EventSchemas(this, 'EventSchemas');
    // Synth must not start failing on the day a suppression expires: a warning says what to clean up.
    for (const warning of suppressionWarnings(config.suppressions, new Date())) {
      Annotations.of(this).addWarningV2('tmc-health:suppressions', warning);
    }

    this.checker = new CheckerFunction(this, 'Checker', {
      entry: props.handlerEntry ?? path.join(PROJECT_ROOT, 'lambdas', 'handlers', 'credential-check.ts'),
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      timeout: Duration.minutes(CHECKER_TIMEOUT_MINUTES),
      maxEventAge,
      logRetention: config.logRetentionDays,
      reservedConcurrency: config.reservedConcurrency,
      environment: {
        ...settingsToEnvironment(checkerSettings(config, topicArn)),
        ...lifecycleSettingsToEnvironment(lifecycleSettings(config, this.ledger.table.tableName)),
        ...securityHubSettingsToEnvironment(config),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.credentials,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    for (const statement of checkerPolicyStatements({
      regions: config.regions,
      eventBusArn: eventBusArn(config.eventBusName),
      topicArn,
      topicKeyArn,
    })) {
      this.checker.role.addToPrincipalPolicy(statement);
    }
    for (const statement of [
      ...ledgerStatements({ tableArn: this.ledger.table.tableArn, openIndexArn: this.ledger.openIndexArn }),
      // Off by default: without it no role in the template may invoke any function but the scheduler's.
      ...(config.autoRemediation ? autoRemediationStatements(config.regions) : []),
      // Off by default: without it the template grants no Security Hub action.
      ...(config.securityHubExport ? securityHubImportStatements() : []),
      // On by default (read-only): the clusters registered through the EKS Connector and their connector roles.
      ...(config.eksConnectorEnabled ? eksConnectorReadStatements(config.regions) : []),
      // On by default (read-only): the EKS Pod Identity associations, their roles and the agent add-on.
      ...(config.podIdentityEnabled
        ? podIdentityReadStatements(config.regions, { eksConnectorGrants: config.eksConnectorEnabled })
        : []),
    ]) {
      this.checker.role.addToPrincipalPolicy(statement);
    }

    this.schedule = new CheckerSchedule(this, 'Schedule', {
      function: this.checker.function,
      expression: config.schedule,
      deadLetterQueue: this.checker.failureQueue,
      maxEventAge,
    });

    acknowledgeNagFindings(this, {
      regions: config.regions,
      autoRemediation: config.autoRemediation,
      eksConnector: config.eksConnectorEnabled,
      podIdentity: config.podIdentityEnabled,
      checkerRole: this.checker.role,
      checkerFunction: this.checker.function,
      failureQueue: this.checker.failureQueue,
      schedulerRole: this.schedule.role,
    });

    if (config.irsaEnabled) {
      this.irsa = new IrsaCheck(this, 'Irsa', {
        config,
        entry: props.irsaHandlerEntry ?? path.join(PROJECT_ROOT, 'lambdas', 'handlers', 'irsa-check.ts'),
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        publishing: {
          kind: 'account',
          topicArn,
          topicKeyArn,
          eventBusArn: eventBusArn(config.eventBusName),
          ledger: this.ledger,
        },
      });
      new CfnOutput(this, 'IrsaFunctionName', {
        value: this.irsa.checker.function.functionName,
        description: 'The IRSA check Lambda (invoke it to scan now)',
      });
      new CfnOutput(this, 'IrsaLogGroupName', {
        value: this.irsa.checker.logGroup.logGroupName,
        description: 'The IRSA check log group (aws logs tail <name>)',
      });
      new CfnOutput(this, 'IrsaDeadLetterQueueUrl', {
        value: this.irsa.checker.failureQueue.queueUrl,
        description: 'Failed or expired IRSA check invocations',
      });
      new CfnOutput(this, 'WatermarkTableName', {
        value: this.irsa.watermarkTable.tableName,
        description: 'The IRSA check CloudTrail scan positions, one item per region',
      });
    }

    const checkers: MonitoredChecker[] = [
      {
        name: 'credential-check',
        title: 'TMC health credential check',
        serviceName: SERVICE_NAMES.credentials,
        function: this.checker.function,
        failureQueue: this.checker.failureQueue,
        scheduleExpression: config.schedule,
        logGroupName: this.checker.logGroup.logGroupName,
      },
    ];
    if (this.irsa) {
      checkers.push({
        name: 'irsa-check',
        title: 'TMC health IRSA check',
        serviceName: SERVICE_NAMES.irsa,
        function: this.irsa.checker.function,
        failureQueue: this.irsa.checker.failureQueue,
        scheduleExpression: config.irsaSchedule,
        logGroupName: this.irsa.checker.logGroup.logGroupName,
      });
    }
    if (topicKeyArn !== undefined) {
      acknowledgeTopicKeyGrant(this.checker.role);
      if (this.irsa) acknowledgeTopicKeyGrant(this.irsa.checker.role);
    }
    const alarmTopic = alarmTopicOf(this, this.notifications);
    this.selfMonitoring = new SelfMonitoring(this, 'SelfMonitoring', {
      checkers,
      alarmNamePrefix,
      topic: alarmTopic?.topic,
      topicCondition: alarmTopic?.condition,
    });
    for (const [checker, reason] of Object.entries(this.selfMonitoring.clampedWindows)) {
      Annotations.of(this).addWarningV2(`tmc-health:dead-mans-switch:${checker}`, reason);
    }
    this.dashboard = new CheckerDashboard(this, 'Dashboard', {
      checkers: checkers.map((checker) => ({
        title: checker.title,
        serviceName: checker.serviceName,
        function: checker.function,
      })),
      alarms: this.selfMonitoring.allAlarms,
    });

    new CfnOutput(this, 'DashboardName', {
      value: this.dashboard.dashboard.dashboardName,
      description: 'CloudWatch dashboard of both checks (runs, findings, errors, alarms)',
    });
    new CfnOutput(this, 'FindingsLedgerTableName', {
      value: this.ledger.table.tableName,
      description: 'The findings ledger: where each finding stands (open, resolved), one item per finding id',
    });
    new CfnOutput(this, 'EventSchemaRegistryName', {
      value: this.eventSchemas.registry.attrRegistryName,
      description: 'EventBridge schema registry with the finding, run summary and remediation event schemas',
    });
    new CfnOutput(this, 'TopicArn', { value: topicArn, description: 'SNS topic findings are sent to' });
    new CfnOutput(this, 'EventBusName', {
      value: config.eventBusName,
      description: 'Event bus (name or ARN) findings are put on',
    });
    new CfnOutput(this, 'FunctionName', {
      value: this.checker.function.functionName,
      description: 'The checker Lambda (invoke it to run the checks now)',
    });
    new CfnOutput(this, 'LogGroupName', {
      value: this.checker.logGroup.logGroupName,
      description: 'The checker log group (aws logs tail <name>)',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.checker.failureQueue.queueUrl,
      description: 'Failed or expired checker invocations',
    });
  }
}

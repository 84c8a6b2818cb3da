import * as path from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { lifecycleSettingsToEnvironment } from '../lambdas/core/lifecycle/settings';
import { settingsToEnvironment } from '../lambdas/core/settings';
import { checkerPolicyStatements, eventBusArn } from './checker-permissions';
import {
  CHECKER_TIMEOUT_MINUTES,
  MAX_EVENT_AGE_MINUTES,
  checkerSettings,
  lifecycleSettings,
  suppressionWarnings,
  type TmcHealthConfig,
} from './config';
import { CheckerFunction } from './constructs/checker-function';
import { CheckerSchedule } from './constructs/checker-schedule';
import { EventSchemas } from './constructs/event-schemas';
import { FindingsLedger } from './constructs/findings-ledger';
import { IrsaCheck } from './constructs/irsa-check';
import { Notifications } from './constructs/notifications';
import { autoRemediationStatements, ledgerStatements } from './lifecycle-permissions';
import { acknowledgeNagFindings } from './nag-acknowledgements';

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

  constructor(scope: Construct, id: string, props: TmcHealthCheckerStackProps) {
    super(scope, id, props);
    const { config } = props;
    const maxEventAge = Duration.minutes(MAX_EVENT_AGE_MINUTES);

    this.notifications = new Notifications(this, 'Notifications', {
      existingTopicArn: config.existingTopicArn,
      emails: config.notificationEmails,
    });
    const topicArn = this.notifications.topic.topicArn;

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
        POWERTOOLS_SERVICE_NAME: 'tmc-health-checker',
        POWERTOOLS_METRICS_NAMESPACE: 'TmcHealth',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    for (const statement of checkerPolicyStatements({
      regions: config.regions,
      eventBusArn: eventBusArn(config.eventBusName),
      topicArn,
    })) {
      this.checker.role.addToPrincipalPolicy(statement);
    }
    for (const statement of [
      ...ledgerStatements({ tableArn: this.ledger.table.tableArn, openIndexArn: this.ledger.openIndexArn }),
      // Off by default: without it no role in the template may invoke any function but the scheduler's.
      ...(config.autoRemediation ? autoRemediationStatements(config.regions) : []),
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
        topicArn,
        eventBusArn: eventBusArn(config.eventBusName),
        ledger: this.ledger,
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

import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { settingsToEnvironment } from '../lambdas/core/settings';
import { checkerPolicyStatements, eventBusArn } from './checker-permissions';
import {
  CHECKER_TIMEOUT_MINUTES,
  MAX_EVENT_AGE_MINUTES,
  checkerSettings,
  type TmcHealthConfig,
} from './config';
import { CheckerFunction } from './constructs/checker-function';
import { CheckerSchedule } from './constructs/checker-schedule';
import { IrsaCheck } from './constructs/irsa-check';
import { Notifications } from './constructs/notifications';
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
 * EventBridge and SNS.
 */
export class TmcHealthCheckerStack extends Stack {
  readonly checker: CheckerFunction;
  readonly notifications: Notifications;
  readonly schedule: CheckerSchedule;
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

    this.checker = new CheckerFunction(this, 'Checker', {
      entry: props.handlerEntry ?? path.join(PROJECT_ROOT, 'lambdas', 'handlers', 'credential-check.ts'),
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      timeout: Duration.minutes(CHECKER_TIMEOUT_MINUTES),
      maxEventAge,
      logRetention: config.logRetentionDays,
      reservedConcurrency: config.reservedConcurrency,
      environment: {
        ...settingsToEnvironment(checkerSettings(config, topicArn)),
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

    this.schedule = new CheckerSchedule(this, 'Schedule', {
      function: this.checker.function,
      expression: config.schedule,
      deadLetterQueue: this.checker.failureQueue,
      maxEventAge,
    });

    acknowledgeNagFindings(this, {
      regions: config.regions,
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

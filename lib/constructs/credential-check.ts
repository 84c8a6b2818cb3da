import { Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LIFECYCLE_ENV, lifecycleSettingsToEnvironment } from '../../lambdas/core/lifecycle/settings';
import { SERVICE_NAMES } from '../../lambdas/core/observability';
import { settingsToEnvironment } from '../../lambdas/core/settings';
import {
  CHECKER_TIMEOUT_MINUTES,
  MAX_EVENT_AGE_MINUTES,
  checkerSettings,
  lifecycleSettings,
  memberCheckerSettings,
  memberFunctionEnvironment,
  type TmcHealthConfig,
} from '../config/config';
import { MEMBER_REPORTER_ROLE_PATH } from '../fleet/member-role-path';
import {
  checkerPolicyStatements,
  checkerReadStatements,
  hubPublishStatements,
} from '../permissions/checker-permissions';
import { eksConnectorReadStatements } from '../permissions/eks-connector-permissions';
import { autoRemediationStatements } from '../permissions/lifecycle-permissions';
import { acknowledgeNagFindings, acknowledgeTopicKeyGrant } from '../permissions/nag-acknowledgements';
import { podIdentityReadStatements } from '../permissions/pod-identity-permissions';
import { CheckerFunction } from './checker-function';
import { CheckerSchedule } from './checker-schedule';
import type { MonitoredChecker } from './self-monitoring';
import type { Publishing } from './publishing';
import { addStackOutputs } from './stack-outputs';

export interface CredentialCheckProps {
  /** The validated configuration (the checker keys, the EKS families, the lifecycle, log retention, concurrency). */
  readonly config: TmcHealthConfig;
  /** Where the findings go: the account's bus, topic and ledger, or run reports to the hub bus (member mode). */
  readonly publishing: Publishing;
}

/**
 * The scheduled TMC credential check, with the EKS Connector and Pod Identity families when enabled: its function,
 * role (the read statements of the enabled families, publishing, the ledger), schedule, cdk-nag reasons and the
 * outputs `FunctionName`, `LogGroupName` (and `DeadLetterQueueUrl` in its own account). With `kind: 'hub'` it is
 * a member account's: no topic, no ledger, no metrics, one run report per run to the hub bus.
 */
export class CredentialCheck extends Construct {
  readonly checker: CheckerFunction;
  readonly schedule: CheckerSchedule;
  /** The function as the self-monitoring of its findings home watches it. */
  readonly monitored: MonitoredChecker;

  constructor(scope: Construct, id: string, props: CredentialCheckProps) {
    super(scope, id);
    const { config, publishing } = props;
    const maxEventAge = Duration.minutes(MAX_EVENT_AGE_MINUTES);
    const member = publishing.kind === 'hub';

    this.checker = new CheckerFunction(this, 'Checker', {
      handler: 'credential-check',
      serviceName: SERVICE_NAMES.credentials,
      ...(member
        ? {
            description:
              'Checks the health of Tanzu Mission Control credentials and reports each run to the organization hub',
            roleDescription:
              'TMC health member checker: read-only inventory of TMC credential resources, send run reports to the hub',
            rolePath: MEMBER_REPORTER_ROLE_PATH,
          }
        : {}),
      timeout: Duration.minutes(CHECKER_TIMEOUT_MINUTES),
      maxEventAge,
      logRetention: config.logRetentionDays,
      reservedConcurrency: config.reservedConcurrency,
      // A member never emits them (memberFunctionEnvironment): the hub counts the fleet from the reports.
      detailedMetrics: !member && config.detailedMetrics,
      environment: member
        ? {
            ...settingsToEnvironment(memberCheckerSettings(config, publishing.hubEventBusArn)),
            ...memberFunctionEnvironment(publishing.hubEventBusArn),
          }
        : {
            ...settingsToEnvironment(checkerSettings(config, publishing.topicArn)),
            ...lifecycleSettingsToEnvironment(lifecycleSettings(config)),
          },
    });
    // On by default (read-only): the clusters registered through the EKS Connector and their connector roles, and
    // the EKS Pod Identity associations, their roles and the agent add-on.
    const eksReads = [
      ...(config.eksConnectorEnabled ? eksConnectorReadStatements(config.regions) : []),
      ...(config.podIdentityEnabled
        ? podIdentityReadStatements(config.regions, { eksConnectorGrants: config.eksConnectorEnabled })
        : []),
    ];
    if (publishing.kind === 'hub') {
      this.checker.grant([
        ...checkerReadStatements(config.regions),
        ...eksReads,
        ...hubPublishStatements(publishing.hubEventBusArn),
      ]);
    } else {
      const { eventBusArn, topicArn, topicKeyArn } = publishing;
      this.checker.grant(
        checkerPolicyStatements({ regions: config.regions, eventBusArn, topicArn, topicKeyArn }),
      );
      this.checker.useTable(publishing.ledger, LIFECYCLE_ENV.ledgerTableName, 'readWrite');
      publishing.chat?.publishFrom(this.checker);
      this.checker.grant([
        // Off by default: without it no role in the template may invoke any function but the scheduler's.
        ...(config.autoRemediation ? autoRemediationStatements(config.regions) : []),
        ...eksReads,
      ]);
      if (publishing.topicKeyArn !== undefined) acknowledgeTopicKeyGrant(this.checker.role);
    }

    this.schedule = new CheckerSchedule(this, 'Schedule', {
      function: this.checker.function,
      expression: config.schedule,
      deadLetterQueue: this.checker.failureQueue,
      maxEventAge,
      // The metrics cadence decides by the time a run was due, not when it started (delivery delay).
      sendScheduledTime: true,
    });
    acknowledgeNagFindings(Stack.of(this), {
      regions: config.regions,
      autoRemediation: !member && config.autoRemediation,
      eksConnector: config.eksConnectorEnabled,
      podIdentity: config.podIdentityEnabled,
      checkerRole: this.checker.role,
      checkerFunction: this.checker.function,
      failureQueue: this.checker.failureQueue,
      schedulerRole: this.schedule.role,
    });
    this.monitored = this.checker.monitoredAs(
      'credential-check',
      'TMC health credential check',
      config.schedule,
    );

    addStackOutputs(this, {
      FunctionName: [
        this.checker.function.functionName,
        'The checker Lambda (invoke it to run the checks now)',
      ],
      LogGroupName: [this.checker.logGroup.logGroupName, 'The checker log group (aws logs tail <name>)'],
      ...(member
        ? {}
        : {
            DeadLetterQueueUrl: [this.checker.failureQueue.queueUrl, 'Failed or expired checker invocations'],
          }),
    });
  }
}

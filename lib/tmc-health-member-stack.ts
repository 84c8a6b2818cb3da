import * as path from 'node:path';
import { CfnOutput, CfnParameter, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EVENT_BUS_ARN_PATTERN } from '../lambdas/core/fleet/member-settings';
import { METRICS_NAMESPACE, SERVICE_NAMES } from '../lambdas/core/observability';
import { settingsToEnvironment } from '../lambdas/core/settings';
import {
  CHECKER_TIMEOUT_MINUTES,
  MAX_EVENT_AGE_MINUTES,
  memberCheckerSettings,
  memberFunctionEnvironment,
  type TmcHealthConfig,
} from './config/config';
import { CheckerFunction } from './constructs/checker-function';
import { MEMBER_REPORTER_ROLE_PATH } from './fleet/member-role-path';
import { CheckerSchedule } from './constructs/checker-schedule';
import { IrsaCheck } from './constructs/irsa-check';
import { checkerReadStatements, hubPublishStatements } from './permissions/checker-permissions';
import { eksConnectorReadStatements } from './permissions/eks-connector-permissions';
import { podIdentityReadStatements } from './permissions/pod-identity-permissions';
import { acknowledgeNagFindings } from './permissions/nag-acknowledgements';

const PROJECT_ROOT = path.join(__dirname, '..');

/** The template parameter carrying the hub bus ARN: the StackSet passes the hub's, a manual deploy its own. */
export const HUB_EVENT_BUS_PARAMETER = 'HubEventBusArn';

export interface TmcHealthMemberStackProps extends StackProps {
  /** Validated configuration (see `loadConfig`): the checker keys; `hubEventBusArn` is the parameter's default. */
  readonly config: TmcHealthConfig;
  /**
   * The credential check's handler file.
   * @default lambdas/handlers/credential-check.ts
   */
  readonly handlerEntry?: string;
  /**
   * The IRSA check's handler file (used when `config.irsaEnabled`).
   * @default lambdas/handlers/irsa-check.ts
   */
  readonly irsaHandlerEntry?: string;
  /**
   * Bundle the Lambda code exactly when this stack does (the hub, for the StackSet template nested in it): the
   * CLI's `--exclusively` selects stacks by path, and the template, never selected itself, would otherwise ship
   * unbundled code.
   * @default - the stack's own selection
   */
  readonly bundleWith?: Stack;
}

/**
 * One member account of an organization (docs/organizations.md): the two scheduled checkers with their
 * roles, log groups and failure queues (and the IRSA check's watermark table), sending one run report per run to
 * the hub bus. No topic, key, findings ledger, dashboard, alarms or custom metrics: the hub keeps those for the
 * whole organization. Deployed by the hub's StackSet (the template then reads its Lambda code from the hub's
 * organization-readable asset buckets) or by hand with `-c mode=member`.
 */
export class TmcHealthMemberStack extends Stack {
  /** The hub bus ARN, a template parameter (`HubEventBusArn`). */
  readonly hubEventBusArn: CfnParameter;
  readonly checker: CheckerFunction;
  readonly schedule: CheckerSchedule;
  /** The IRSA check; undefined when irsaEnabled is false. */
  readonly irsa?: IrsaCheck;
  private readonly bundleWith?: Stack;

  constructor(scope: Construct, id: string, props: TmcHealthMemberStackProps) {
    super(scope, id, props);
    this.bundleWith = props.bundleWith;
    const { config } = props;
    const maxEventAge = Duration.minutes(MAX_EVENT_AGE_MINUTES);

    this.hubEventBusArn = new CfnParameter(this, HUB_EVENT_BUS_PARAMETER, {
      type: 'String',
      description:
        'ARN of the hub bus the run reports go to (the HubEventBusArn output of the TmcHealthHub stack)',
      allowedPattern: EVENT_BUS_ARN_PATTERN.source,
      constraintDescription:
        'must be an event bus ARN: arn:aws:events:<region>:<account id>:event-bus/<name>',
      ...(config.hubEventBusArn === undefined ? {} : { default: config.hubEventBusArn }),
    });
    const hubBus = this.hubEventBusArn.valueAsString;

    this.checker = new CheckerFunction(this, 'Checker', {
      entry: props.handlerEntry ?? path.join(PROJECT_ROOT, 'lambdas', 'handlers', 'credential-check.ts'),
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description:
        'Checks the health of Tanzu Mission Control credentials and reports each run to the organization hub',
      roleDescription:
        'TMC health member checker: read-only inventory of TMC credential resources, send run reports to the hub',
      timeout: Duration.minutes(CHECKER_TIMEOUT_MINUTES),
      rolePath: MEMBER_REPORTER_ROLE_PATH,
      maxEventAge,
      logRetention: config.logRetentionDays,
      reservedConcurrency: config.reservedConcurrency,
      environment: {
        ...settingsToEnvironment(memberCheckerSettings(config, hubBus)),
        ...memberFunctionEnvironment(hubBus),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.credentials,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    for (const statement of [
      ...checkerReadStatements(config.regions),
      ...(config.eksConnectorEnabled ? eksConnectorReadStatements(config.regions) : []),
      // On by default (read-only): the EKS Pod Identity associations, their roles and the agent add-on.
      ...(config.podIdentityEnabled
        ? podIdentityReadStatements(config.regions, { eksConnectorGrants: config.eksConnectorEnabled })
        : []),
      ...hubPublishStatements(hubBus),
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
      autoRemediation: false,
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
        publishing: { kind: 'hub', hubEventBusArn: hubBus },
      });
      new CfnOutput(this, 'IrsaFunctionName', {
        value: this.irsa.checker.function.functionName,
        description: 'The IRSA check Lambda (invoke it to scan now)',
      });
      new CfnOutput(this, 'IrsaLogGroupName', {
        value: this.irsa.checker.logGroup.logGroupName,
        description: 'The IRSA check log group (aws logs tail <name>)',
      });
    }

    new CfnOutput(this, 'FunctionName', {
      value: this.checker.function.functionName,
      description: 'The checker Lambda (invoke it to run the checks now)',
    });
    new CfnOutput(this, 'LogGroupName', {
      value: this.checker.logGroup.logGroupName,
      description: 'The checker log group (aws logs tail <name>)',
    });
    new CfnOutput(this, 'HubAccountId', {
      value: hubAccountOf(hubBus),
      description: 'The hub account the run reports go to',
    });
  }

  override get bundlingRequired(): boolean {
    return this.bundleWith ? this.bundleWith.bundlingRequired : super.bundlingRequired;
  }
}

/** The account of an event bus ARN (token or literal): `arn:<partition>:events:<region>:<account>:event-bus/...`. */
export function hubAccountOf(eventBusArn: string): string {
  return Fn.select(4, Fn.split(':', eventBusArn));
}

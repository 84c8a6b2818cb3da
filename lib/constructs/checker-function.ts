import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAILED_METRICS_ENV, METRICS_NAMESPACE } from '../../lambdas/core/observability';
import type { MonitoredChecker } from './self-monitoring';
import { HANDLER_EXPORT, handlerCode } from './handler-code';

/** The project root: the handlers are under lambdas/handlers, the lock file pinning their dependencies here. */
const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The deployed handlers, by file name in lambdas/handlers (each exports `handler`). */
export type HandlerName =
  'credential-check' | 'irsa-check' | 'fleet-intake' | 'fleet-watch' | 'security-hub-export';

/**
 * A DynamoDB table a function can be bound to (`CheckerFunction.useTable`): its name goes into the function's
 * environment, and each kind of access is the exact statements the function's store calls need.
 */
export interface BindableTable<Access extends string> {
  /** The table's name (a token until deploy), what the function's environment variable holds. */
  readonly tableName: string;
  /** The statements granting `access` to this table (and its indexes). */
  statementsFor(access: Access): iam.PolicyStatement[];
}

export interface CheckerFunctionProps {
  /** The handler, bundled with the local esbuild from `lambdas/handlers/<handler>.ts`. */
  readonly handler: HandlerName;
  /**
   * The Powertools `service` (SERVICE_NAMES in lambdas/core/observability.ts): the logger's service field and the
   * dimension of the custom metrics (with `detailedMetrics`) the dashboard graphs.
   */
  readonly serviceName: string;
  /**
   * What the function checks, for its description.
   * @default 'Checks the health of Tanzu Mission Control credentials and publishes findings'
   */
  readonly description?: string;
  /**
   * The description of the function's role.
   * @default 'TMC health checker: read-only inventory of TMC credential resources, publish findings'
   */
  readonly roleDescription?: string;
  /**
   * The IAM path of the function's role: a resource policy can then name the role by path without knowing its
   * generated name (the hub bus names the member checkers' roles so).
   * @default '/'
   */
  readonly rolePath?: string;
  /**
   * The function's runtime settings as environment variables; the Powertools service, metrics namespace and
   * `NODE_OPTIONS` are added here, table names by `useTable`.
   */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * The function timeout; the schedule period must exceed it plus `maxEventAge`.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * How long an async invocation may wait in Lambda's queue (e.g. while throttled) before it is sent to the
   * failure queue instead of running late.
   * @default Duration.minutes(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * How often Lambda retries a failed async invocation. None for the scheduled checkers (a late run could
   * overlap the next); the hub's fleet intake retries a run report.
   * @default 0
   */
  readonly retryAttempts?: number;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Whether the function emits its custom metrics (namespace TmcHealth, `DETAILED_METRICS_ENV`): the
   * `detailedMetrics` configuration key. Off, it writes no EMF line at all (custom metrics cost $0.30 each a month);
   * the alarms read only AWS/Lambda and AWS/SQS either way.
   * @default false
   */
  readonly detailedMetrics?: boolean;
  /**
   * Reserved concurrency. Left unset by default: accounts whose concurrency quota is 10 reject any reservation.
   * @default - no reserved concurrency
   */
  readonly reservedConcurrency?: number;
}

/**
 * The checker Lambda with its own role, log group and failure queue. Holds no permissions to AWS APIs beyond
 * writing its logs and its failure records: the caller grants what the checks need (`grant`, `useTable`).
 */
export class CheckerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Receives async invocations that failed or expired; also the schedule's dead-letter queue. */
  readonly failureQueue: sqs.Queue;
  /** Its Powertools `service`. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: CheckerFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      // `cdk destroy` removes everything the stack created, logs included.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        props.roleDescription ??
        'TMC health checker: read-only inventory of TMC credential resources, publish findings',
      ...(props.rolePath === undefined ? {} : { path: props.rolePath }),
    });
    this.logGroup.grantWrite(this.role);
    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      // Bundled by handler-code.ts (esbuild's API with the SDK plugin), so NodejsFunction's own bundling is off.
      code: handlerCode(path.join(PROJECT_ROOT, 'lambdas', 'handlers', `${props.handler}.ts`)),
      handler: HANDLER_EXPORT,
      description:
        props.description ?? 'Checks the health of Tanzu Mission Control credentials and publishes findings',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.minutes(5),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Only when on, so a default function's environment says nothing of metrics it does not emit.
        ...(props.detailedMetrics === true ? { [DETAILED_METRICS_ENV]: 'true' } : {}),
        // Stack traces of the minified bundle point at the TypeScript source.
        NODE_OPTIONS: '--enable-source-maps',
      },
      reservedConcurrentExecutions: props.reservedConcurrency,
      retryAttempts: props.retryAttempts ?? 0,
      maxEventAge: props.maxEventAge ?? Duration.minutes(1),
      onFailure: new SqsDestination(this.failureQueue),
    });
  }

  /**
   * This function as the self-monitoring watches it.
   * @param name short kebab-case name in the alarm names, e.g. `credential-check`
   * @param title what it is, for the alarm descriptions, e.g. `TMC health credential check`
   * @param scheduleExpression how often it should complete a run (the dead-man's switch window derives from it);
   *   none for a function invoked by an event rule, which gets no dead-man's switch
   */
  monitoredAs(name: string, title: string, scheduleExpression?: string): MonitoredChecker {
    return {
      name,
      title,
      serviceName: this.serviceName,
      function: this.function,
      failureQueue: this.failureQueue,
      ...(scheduleExpression === undefined ? {} : { scheduleExpression }),
      logGroupName: this.logGroup.logGroupName,
    };
  }

  /** Adds these statements to the function's role. */
  grant(statements: readonly iam.PolicyStatement[]): void {
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
  }

  /**
   * Binds a table: its name in the environment variable the function reads it from, and the statements of
   * `access` on the role, in one call so that neither goes without the other.
   */
  useTable<Access extends string>(table: BindableTable<Access>, variable: string, access: Access): void {
    this.function.addEnvironment(variable, table.tableName);
    this.grant(table.statementsFor(access));
  }
}

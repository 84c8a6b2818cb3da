import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUNDLE_MAIN_FIELDS, BUNDLE_TARGET, LAMBDA_UNUSED_CREDENTIAL_PROVIDERS } from './bundling';

export interface CheckerFunctionProps {
  /** Path of the TypeScript handler file, bundled with the local esbuild. */
  readonly entry: string;
  /**
   * Exported handler function name.
   * @default 'handler'
   */
  readonly handler?: string;
  /** The lock file that pins the bundled dependencies (its directory is the project root). */
  readonly depsLockFilePath: string;
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
  /** Environment variables of the function (runtime settings and Powertools configuration). */
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
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Reserved concurrency. Left unset by default: accounts whose concurrency quota is 10 reject any reservation.
   * @default - no reserved concurrency
   */
  readonly reservedConcurrency?: number;
}

/**
 * The checker Lambda with its own role, log group and failure queue. Holds no permissions to AWS APIs beyond
 * writing its logs and its failure records: the caller grants what the checks need.
 */
export class CheckerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Receives async invocations that failed or expired; also the schedule's dead-letter queue. */
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: CheckerFunctionProps) {
    super(scope, id);
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
      entry: props.entry,
      handler: props.handler ?? 'handler',
      depsLockFilePath: props.depsLockFilePath,
      description:
        props.description ?? 'Checks the health of Tanzu Mission Control credentials and publishes findings',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(5),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment },
      reservedConcurrentExecutions: props.reservedConcurrency,
      retryAttempts: props.retryAttempts ?? 0,
      maxEventAge: props.maxEventAge ?? Duration.minutes(1),
      onFailure: new SqsDestination(this.failureQueue),
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: BUNDLE_TARGET,
        format: nodejs.OutputFormat.CJS,
        // Bundle the AWS SDK v3 clients: we test against pinned versions, not the runtime's, and a bundled SDK
        // starts faster than the runtime's (docs/performance.md, measured by `npm run bench`).
        bundleAwsSDK: true,
        mainFields: [...BUNDLE_MAIN_FIELDS],
        externalModules: [...LAMBDA_UNUSED_CREDENTIAL_PROVIDERS],
        forceDockerBundling: false,
        // Without it esbuild runs at its own default (info) and prints each bundle's size into `cdk synth --quiet`.
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
}

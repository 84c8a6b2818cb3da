/**
 * Every price the cost model uses, in one place: AWS public on-demand list prices for US East (N. Virginia),
 * in USD, as published on each service's pricing page (read 2026-12-04). Free tiers are left out on purpose: an
 * account's free allowance is usually spent by other workloads. Change a price here and `npm run bench` recomputes.
 */
export const PRICES = {
  region: 'us-east-1',
  readOn: '2026-12-04',
  /** https://aws.amazon.com/lambda/pricing/ (Arm: the checker functions run on Graviton). */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** https://aws.amazon.com/cloudwatch/pricing/ — per metric requested, not per call. */
  getMetricDataPerMetric: 0.01 / 1_000,
  /** Per metric (name + dimension set) per month, first 10,000 metrics; prorated by the hour it receives data. */
  customMetricPerMonth: 0.3,
  /** Standard-resolution alarm, per alarm metric per month. */
  alarmPerMonth: 0.1,
  /** Per dashboard per month (the first three of an account are free; not counted here). */
  dashboardPerMonth: 3,
  /** https://aws.amazon.com/eventbridge/pricing/ — custom events, per 64 KB chunk. */
  putEventsPerEvent: 1 / 1_000_000,
  /** EventBridge Scheduler, per scheduled invocation. */
  schedulerPerInvocation: 1 / 1_000_000,
  /** https://aws.amazon.com/sns/pricing/ — per publish request (64 KB chunk). */
  snsPerPublish: 0.5 / 1_000_000,
  /** Per email notification delivered. */
  snsPerEmail: 2 / 100_000,
  /** Per HTTP/S notification delivered (the chat topic's delivery to AWS Chatbot, which itself is free). */
  snsPerHttpDelivery: 0.6 / 1_000_000,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — since the November 2024 reduction. */
  dynamoDbPerWriteRequestUnit: 0.625 / 1_000_000,
  dynamoDbPerReadRequestUnit: 0.125 / 1_000_000,
  /** https://aws.amazon.com/sqs/pricing/ — standard queue, per request (64 KB chunk). */
  sqsPerRequest: 0.4 / 1_000_000,
  /** https://aws.amazon.com/kms/pricing/ — customer managed key per month, and per request. */
  kmsKeyPerMonth: 1,
  kmsPerRequest: 0.03 / 10_000,
  /**
   * Optional paging recipes (docs/paging.md). https://aws.amazon.com/eventbridge/pricing/ — API destinations, per
   * invocation (the connection's own secret is included in it, as the EventBridge guide's "Connections" says).
   * Read 2026-12-07.
   */
  apiDestinationPerInvocation: 0.2 / 1_000_000,
  /** https://aws.amazon.com/secrets-manager/pricing/ — per secret per month (the routing key's). Read 2026-12-07. */
  secretPerMonth: 0.4,
  /**
   * https://aws.amazon.com/systems-manager/pricing/ — OpsCenter, per OpsItem created. Not re-read on 2026-12-07 (the
   * page could not be reached from where this was written): check it before relying on the figure.
   */
  opsItemPerItem: 0.00267,
  /**
   * https://aws.amazon.com/security-hub/pricing/ (Security Hub CSPM): per finding ingestion event (a finding
   * imported or updated through BatchImportFindings) beyond the first 10,000 per account, region and month, $0.00003
   * each. The stored copy of the pricing page did not show the table; the figure is as AWS's security best-practices
   * guide (aws-gcr-wwso-security.gitbook.io, "安全合规持续检测和自动修复费用") quotes it, read 2026-12-07.
   */
  securityHubPerFindingIngestion: 0.00003,
};

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

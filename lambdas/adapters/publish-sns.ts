import { createHash } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ChatMessage } from '../core/chat/custom-notification';
import type { Finding } from '../core/finding';
import type { TransitionDigest } from '../core/lifecycle/digest';
import { formatRunNotification, type NotificationOptions } from '../core/notification';
import { PublishError, type FindingPublisher, type PublishReport, type RunInfo } from '../core/publishing';
import { addErrorCodes } from './composite-publisher';
import {
  errorName,
  isTransientError,
  resolveRetry,
  RetriesExhaustedError,
  retryWithBackoff,
  type RetryOptions,
} from './retry';

export interface SnsSummaryPublisherOptions extends RetryOptions, NotificationOptions {
  readonly topicArn: string;
}

/**
 * One message per run, and only when something is not PASS: people get a summary to act on, while every
 * individual finding goes to EventBridge for machines.
 */
export class SnsSummaryPublisher implements FindingPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly options: SnsSummaryPublisherOptions,
  ) {
    resolveRetry(options); // validate the retry settings at wiring time, not on the first failing run
  }

  async publish(findings: readonly Finding[], run: RunInfo): Promise<PublishReport> {
    const notification = formatRunNotification(findings, run, this.options);
    if (!notification) return { publisher: 'sns', findingCount: findings.length, delivered: 0, apiCalls: 0 };
    const apiCalls = await publishSnsMessage(this.client, this.options, {
      ...notification,
      label: `run summary (${notification.problemCount} problems)`,
      deduplicationKey: run.runId,
    });
    return { publisher: 'sns', findingCount: findings.length, delivered: 1, apiCalls };
  }
}

/** The lifecycle's SNS side: one digest per run that has transitions (formatted by core/lifecycle/digest.ts). */
export class SnsDigestPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly options: RetryOptions & { readonly topicArn: string },
  ) {
    resolveRetry(options);
  }

  async publishDigest(digest: TransitionDigest, run: RunInfo): Promise<PublishReport> {
    const apiCalls = await publishSnsMessage(this.client, this.options, {
      subject: digest.subject,
      message: digest.message,
      messageAttributes: digest.messageAttributes,
      label: `${digest.incident ? 'incident' : 'digest'} (${digest.transitionCount} transitions)`,
      deduplicationKey: `${run.runId}#digest`,
    });
    return { publisher: 'sns', findingCount: digest.transitionCount, delivered: 1, apiCalls };
  }
}

/** A formatted SNS message: the run summary or the lifecycle digest. */
export interface SnsMessage {
  readonly subject: string;
  /** The `MessageStructure: 'json'` payload. */
  readonly message: string;
  readonly messageAttributes: Readonly<Record<string, { DataType: string; StringValue: string }>>;
  /** What the message is, for the error people read when it cannot be sent. */
  readonly label: string;
  /** Same key, same message: FIFO de-duplication id source. */
  readonly deduplicationKey: string;
}

/**
 * Publishes one message with backoff on transient errors; returns the attempts made. Throws a PublishError
 * naming the topic, the message and the last error when it could not be delivered.
 */
export async function publishSnsMessage(
  client: SNSClient,
  options: RetryOptions & { readonly topicArn: string },
  message: SnsMessage,
): Promise<number> {
  let apiCalls = 0;
  const command = new PublishCommand({
    TopicArn: options.topicArn,
    Subject: message.subject,
    Message: message.message,
    MessageStructure: 'json',
    MessageAttributes: { ...message.messageAttributes },
    ...fifoFields(options.topicArn, message.deduplicationKey),
  });
  try {
    await retryWithBackoff(
      () => {
        apiCalls++;
        return client.send(command);
      },
      isTransientError,
      options,
    );
  } catch (error) {
    const last = error instanceof RetriesExhaustedError ? error.lastError : error;
    const code = errorName(last);
    throw new PublishError(
      `SNS: ${message.label} not published to ${options.topicArn} ` +
        `after ${apiCalls} attempt(s): ${code}: ${last instanceof Error ? last.message : String(last)}`,
      { publisher: 'sns', failedCount: 1, errorCodes: { [code]: 1 }, findingIds: [] },
      { cause: last },
    );
  }
  return apiCalls;
}

/**
 * FIFO topics reject a Publish without a group id. Deriving the deduplication id from the run id makes our own
 * retries, and any re-publish of the same run within SNS's 5-minute window, deliver the summary once.
 */
function fifoFields(
  topicArn: string,
  deduplicationKey: string,
): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  if (!topicArn.endsWith('.fifo')) return {};
  return {
    MessageGroupId: 'tmc-health',
    MessageDeduplicationId: createHash('sha256').update(deduplicationKey).digest('hex'),
  };
}

/** The subject of every chat message: Amazon Q Developer shows the notification's own title, not this. */
const CHAT_SUBJECT = 'TMC health chat notification';

/**
 * The lifecycle's chat side: each formatted custom notification (core/chat/custom-notification.ts) published to
 * the chat topic, the channels' configurations subscribed to it. Every message is tried; when any could not be
 * sent the call throws a PublishError naming the topic and how many failed, so the run fails as when the digest
 * cannot be sent: the ledger does not advance and the next run sends the same changes again.
 */
export class SnsChatPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly options: RetryOptions & { readonly topicArn: string },
  ) {
    resolveRetry(options);
  }

  async publishChat(messages: readonly ChatMessage[]): Promise<PublishReport> {
    let apiCalls = 0;
    let delivered = 0;
    const failures: PublishError[] = [];
    for (const message of messages) {
      try {
        apiCalls += await publishSnsMessage(this.client, this.options, {
          subject: CHAT_SUBJECT,
          // SNS gives `default` to the channels' HTTPS subscription: the notification's JSON, as documented.
          message: JSON.stringify({ default: JSON.stringify(message.notification) }),
          messageAttributes: {},
          label: message.label,
          deduplicationKey: message.deduplicationKey,
        });
        delivered++;
      } catch (error) {
        if (!(error instanceof PublishError)) throw error;
        failures.push(error);
      }
    }
    const report = { publisher: 'sns-chat', findingCount: messages.length, delivered, apiCalls };
    const [first] = failures;
    if (first) {
      const errorCodes: Record<string, number> = {};
      for (const failure of failures) addErrorCodes(errorCodes, failure.errorCodes);
      throw new PublishError(
        `${failures.length} of ${messages.length} chat message(s) not published (first: ${first.message})`,
        { publisher: 'sns-chat', failedCount: failures.length, errorCodes, findingIds: [] },
        { cause: first, partialReports: delivered > 0 ? [report] : [] },
      );
    }
    return report;
  }
}

import type { ChatChannels } from './chat-channels';
import type { FindingsLedger } from './findings-ledger';

/**
 * Where a check publishes in a single-account deployment: the account's bus, the topic and the findings ledger of
 * its findings home (`FindingsHome.accountPublishing`), shared by every check of the stack.
 */
export interface AccountPublishing {
  /** Publishes in its own account. */
  readonly kind: 'account';
  /** The topic in use (created or existing). */
  readonly topicArn: string;
  /**
   * ARN of the key encrypting the topic, when the stack created it.
   * @default - no KMS permission (an existing topic)
   */
  readonly topicKeyArn?: string;
  /** ARN of the bus findings are put on. */
  readonly eventBusArn: string;
  /** The findings ledger (each check keeps to its own open marker). */
  readonly ledger: FindingsLedger;
  /**
   * The chat channels, when configured: each check's lifecycle publishes there too (`publishFrom`).
   * @default - no chat
   */
  readonly chat?: ChatChannels;
}

/** Where a member account's check publishes: one run report per run to the hub bus, nothing else. */
export interface HubPublishing {
  /** Forwards to the hub (a member account's check). */
  readonly kind: 'hub';
  /** The hub bus ARN (the member template's HubEventBusArn parameter). */
  readonly hubEventBusArn: string;
}

/** Where a check publishes: in its own account, or forwarded to the organization's hub. */
export type Publishing = AccountPublishing | HubPublishing;

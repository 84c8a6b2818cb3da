import { formatChatMessages, type ChatMessage } from '../core/chat/custom-notification';
import type { CheckId, Finding } from '../core/finding';
import { formatTransitionDigest, type TransitionDigest } from '../core/lifecycle/digest';
import { ledgerFailureFinding, prepareRun, type PreparedRun } from '../core/lifecycle/prepare';
import type { RetriggerDecision } from '../core/lifecycle/remediation';
import { planRetriggers } from '../core/lifecycle/remediation';
import { REMEDIATION_DETAIL_TYPE, type RemediationDetail } from '../core/lifecycle/remediation-event';
import {
  buildRunSummaryEvent,
  RUN_SUMMARY_DETAIL_TYPE,
  type RunSummaryDetail,
} from '../core/lifecycle/run-event';
import type { LifecycleConfig } from '../core/lifecycle/settings';
import type { Storm } from '../core/lifecycle/storm';
import type { CheckFamily, LifecycleFinding } from '../core/lifecycle/types';
import { errorName } from '../adapters/retry';
import { ledgerOperationOf } from '../adapters/lifecycle/ledger-store';
import type { LedgerStore, WriteResult } from '../core/lifecycle/ledger-store';
import type { EventToPut } from '../adapters/publish-eventbridge';
import { findingToEntry } from '../adapters/publish-eventbridge';
import { CompositePublisher } from '../adapters/composite-publisher';
import { PublishError, type FindingPublisher, type PublishReport, type RunInfo } from '../core/publishing';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/**
 * The finding lifecycle in front of the publishers: load the ledger, plan transitions (pure), publish
 * them to EventBridge and the digest to SNS, and only then advance the ledger. Delivery is at least once: a
 * crash or failure anywhere before a commit leaves the ledger where it was, so the next run plans and sends the
 * same transition again, with the same idempotency key.
 */

/** Where lifecycle events go: the EventBridge publisher satisfies it. */
export interface EventSink {
  putEvents(events: readonly EventToPut[], noun?: string): Promise<PublishReport>;
  detailEntry(
    detailType: string,
    detail: object,
    time: Date,
    resources?: readonly string[],
  ): PutEventsRequestEntry;
  /** The bus name or ARN, for the finding entries. */
  readonly busName: string;
}

/** What a digest was formatted from: lets a sink that batches several runs (the hub intake) format one digest. */
export interface DigestSource {
  /** Every transition of the run, suppressed ones included. */
  readonly transitions: readonly LifecycleFinding[];
  readonly suppressedIds: ReadonlySet<string>;
  readonly storm?: Storm;
}

/** Where the digest goes: absent when no topic is configured. */
export interface DigestSink {
  publishDigest(digest: TransitionDigest, run: RunInfo, source: DigestSource): Promise<PublishReport>;
}

/** Where the chat messages go (the chat topic): absent when no chat channel is configured. */
export interface ChatSink {
  publishChat(messages: readonly ChatMessage[]): Promise<PublishReport>;
}

/** Runs the built-in remediation's decisions; never throws (failures come back as FAILED outcomes). */
export interface RetriggerRunner {
  run(
    decisions: readonly RetriggerDecision[],
    context: { readonly runId: string; readonly now: Date },
  ): Promise<RemediationDetail[]>;
}

export interface LifecycleStageDependencies {
  readonly ledger: LedgerStore;
  readonly events: EventSink;
  readonly digest?: DigestSink;
  /** One custom notification per change, in its finding's thread (core/chat/custom-notification.ts). */
  readonly chat?: ChatSink;
  /** Stateless publisher (every finding, run summary mail), used only when the ledger cannot be read. */
  readonly fallback: FindingPublisher;
  /** Present when `autoRemediation` is on (credential check only). */
  readonly retrigger?: RetriggerRunner;
  readonly now?: () => Date;
}

export interface LifecycleRunInput {
  readonly family: CheckFamily;
  readonly run: RunInfo;
  readonly findings: readonly Finding[];
  /** Regions this run examined completely: only there does a finding's absence count towards "gone". */
  readonly coveredRegions: readonly string[];
  /**
   * Checks this run did not look at in any region (the metric checks between two metric reads,
   * core/checks/metrics-cadence.ts): their open findings stay as they are, neither resolved nor counted absent.
   */
  readonly unreadChecks?: readonly CheckId[];
  /** `region service:Operation` calls that failed during gathering. */
  readonly failedOperations: readonly string[];
  /** AWS calls made while gathering (publishing calls are added here). */
  readonly apiCalls: number;
}

export interface LifecycleStageOptions {
  readonly settings: LifecycleConfig;
  readonly tableName: string;
  /** Where the ledger lives (the function's region): the region of a ledger ERROR finding. */
  readonly homeRegion: string;
  readonly runbookBaseUrl: string;
  /**
   * An Organizations hub's stage (docs/organizations.md): the digest names the account of every change, in its
   * subject, header and sections, and carries an `accountId` message attribute. Off in single-account mode.
   */
  readonly digestNamesAccounts?: boolean;
  /**
   * Publish the `TMC Health Check Run` event of a quiet run too (no transition, no failed operation). The hub turns
   * it off: its heartbeat table records every member run already, the fleet watch reports the silent ones, and a
   * summary per quiet member report would be one paid event per member run that says nothing changed.
   * @default true
   */
  readonly quietRunSummaries?: boolean;
}

export interface LifecycleReport {
  readonly mode: 'lifecycle' | 'fallback';
  readonly transitions: readonly LifecycleFinding[];
  readonly suppressed: number;
  readonly incident: boolean;
  readonly digestSent: boolean;
  /** Transitions whose ledger write lost to a concurrent run (that run's view stands; nothing is lost). */
  readonly conflicts: readonly string[];
  readonly committed: number;
  readonly quietWrites: number;
  readonly remediations: readonly RemediationDetail[];
  readonly runSummary: RunSummaryDetail;
  readonly publishReports: readonly PublishReport[];
}

/** The ledger could not be read: the run fell back to stateless publishing, then fails so the failure queue sees it. */
export class LedgerUnavailableError extends Error {
  constructor(
    message: string,
    readonly report: LifecycleReport,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'LedgerUnavailableError';
  }
}

/** Ledger writes failed after the transitions were delivered: they will be re-sent next run. */
export class LedgerCommitError extends Error {
  constructor(
    message: string,
    readonly report: LifecycleReport,
    readonly failures: readonly { readonly findingId: string; readonly error: unknown }[],
  ) {
    super(message);
    this.name = 'LedgerCommitError';
  }
}

export class LifecycleStage {
  private readonly now: () => Date;

  constructor(
    private readonly options: LifecycleStageOptions,
    private readonly dependencies: LifecycleStageDependencies,
  ) {
    this.now = dependencies.now ?? (() => new Date());
  }

  /** Whether the ledger holds `findingId` open (IRSA real time leaves the denials of an open finding to the scan). */
  async isOpen(findingId: string): Promise<boolean> {
    return (await this.dependencies.ledger.load([findingId])).get(findingId)?.open === true;
  }

  async run(input: LifecycleRunInput): Promise<LifecycleReport> {
    const now = this.now();
    let ledger;
    try {
      // The open index lists every open entry, and a PASS finding changes only an open one (it resolves it): the
      // entries of this run's PASS findings need no read of their own, a quiet run's many PASS findings none at
      // all. Problems are read by id, open or not (a relapse continues its resolved entry's sequence).
      ledger = await this.dependencies.ledger.load(
        input.findings.filter((finding) => finding.status !== 'PASS').map((finding) => finding.findingId),
      );
    } catch (error) {
      return this.fallback(input, error);
    }

    const prepared = prepareRun({
      findings: input.findings,
      ledger,
      now,
      settings: this.options.settings,
      suppressions: this.options.settings.suppressions,
      coveredRegions: input.coveredRegions,
      ...(input.unreadChecks ? { unreadChecks: input.unreadChecks } : {}),
    });
    const publishReports = await this.publishTransitions(prepared, input.run);
    const commits = await this.commit(prepared);

    const remediations = await this.remediate(prepared, commits.committedIds, input);
    const report = (runSummary: RunSummaryDetail, reports: readonly PublishReport[]): LifecycleReport => ({
      mode: 'lifecycle',
      transitions: prepared.events,
      suppressed: prepared.suppressedIds.size,
      incident: prepared.storm !== undefined,
      digestSent: publishReports.some((r) => r.publisher === 'sns' && r.delivered > 0),
      conflicts: commits.conflicts,
      committed: commits.committedIds.size,
      quietWrites: commits.quietWrites,
      remediations,
      runSummary,
      publishReports: reports,
    });

    const failedOperations = [
      ...input.failedOperations,
      ...(commits.failures.length > 0 ? [`${this.options.homeRegion} dynamodb:PutItem`] : []),
    ];
    const { detail, report: summaryReport } = await this.publishRunSummary(
      input,
      prepared.events,
      failedOperations,
      publishReports,
    );
    const finalReport = report(detail, [...publishReports, summaryReport]);
    if (commits.failures.length > 0) {
      throw new LedgerCommitError(
        `${commits.failures.length} ledger write(s) to ${this.options.tableName} failed after publishing ` +
          `(first: ${errorName(commits.failures[0]?.error)}); those transitions will be sent again next run`,
        finalReport,
        commits.failures,
      );
    }
    return finalReport;
  }

  /**
   * EventBridge (every transition), SNS (the digest) and the chat topic all try, whatever the others do; any failure throws.
   * The Security Hub export reads the transitions' events off the bus (lambdas/app/security-hub-export.ts).
   */
  private async publishTransitions(prepared: PreparedRun, run: RunInfo): Promise<PublishReport[]> {
    if (prepared.events.length === 0) return [];
    const digest = formatTransitionDigest(prepared.events, run, {
      suppressedIds: prepared.suppressedIds,
      ...(prepared.storm ? { storm: prepared.storm } : {}),
      ...(this.options.digestNamesAccounts ? { namesAccounts: true } : {}),
    });
    const { events, digest: digestSink, chat } = this.dependencies;
    const chatMessages = chat
      ? formatChatMessages(prepared.events, {
          runbookBaseUrl: this.options.runbookBaseUrl,
          suppressedIds: prepared.suppressedIds,
          runAccountId: run.accountId,
          ...(prepared.storm ? { storm: prepared.storm } : {}),
          ...(this.options.digestNamesAccounts ? { namesAccounts: true } : {}),
        })
      : [];
    // The composite runs both even when one fails (an EventBridge outage must not also swallow the mail).
    const parts: FindingPublisher[] = [
      {
        publish: () =>
          events.putEvents(
            prepared.events.map((event) => ({
              id: event.idempotencyKey,
              entry: findingToEntry(event, events.busName),
            })),
            'transitions',
          ),
      },
      ...(digest && digestSink
        ? [
            {
              publish: () =>
                digestSink.publishDigest(digest, run, {
                  transitions: prepared.events,
                  suppressedIds: prepared.suppressedIds,
                  ...(prepared.storm ? { storm: prepared.storm } : {}),
                }),
            },
          ]
        : []),
      // The chat, like the digest, must deliver before the ledger advances: a failure fails the run.
      ...(chat && chatMessages.length > 0 ? [{ publish: () => chat.publishChat(chatMessages) }] : []),
    ];
    try {
      const report = await new CompositePublisher(parts).publish(prepared.events, run);
      return [...(report.parts ?? [report])];
    } catch (error) {
      if (!(error instanceof PublishError)) throw error;
      throw new PublishError(
        `Transitions not delivered, ledger not advanced (they will be sent again next run): ${error.message}`,
        error,
        { cause: error, partialReports: error.partialReports },
      );
    }
  }

  private async commit(prepared: PreparedRun): Promise<{
    committedIds: Set<string>;
    conflicts: string[];
    quietWrites: number;
    failures: { findingId: string; error: unknown }[];
  }> {
    const committedIds = new Set<string>();
    const conflicts: string[] = [];
    const failures: { findingId: string; error: unknown }[] = [];
    let quietWrites = 0;
    const record = (
      findingId: string,
      outcome: PromiseSettledResult<WriteResult>,
      transition: boolean,
    ): void => {
      if (outcome.status === 'rejected') failures.push({ findingId, error: outcome.reason });
      else if (outcome.value === 'conflict') conflicts.push(findingId);
      else if (transition) committedIds.add(findingId);
      else quietWrites += 1;
    };
    // Sequential: a run has few writes, and a burst of parallel PutItems only invites throttling.
    for (const planned of prepared.plan.transitions) {
      record(planned.nextEntry.findingId, await settle(() => this.dependencies.ledger.commit(planned)), true);
    }
    for (const entry of prepared.plan.quietWrites) {
      record(
        entry.findingId,
        await settle(() => this.dependencies.ledger.saveQuiet(entry, entry.sequence)),
        false,
      );
    }
    return { committedIds, conflicts, quietWrites, failures };
  }

  /**
   * After the commit, so a transition another run already owned (a conflict) does not invoke anything twice.
   * Published as finding updates. If they cannot be published the run fails (PublishError: the Errors
   * alarm), but nothing is invoked again: the ledger already holds the OPENED transition.
   */
  private async remediate(
    prepared: PreparedRun,
    committedIds: ReadonlySet<string>,
    input: LifecycleRunInput,
  ): Promise<RemediationDetail[]> {
    const retrigger = this.dependencies.retrigger;
    if (!retrigger || !this.options.settings.autoRemediation) return [];
    const now = this.now();
    const decisions = planRetriggers({
      transitions: prepared.events.filter((event) => committedIds.has(event.findingId)),
      findings: input.findings,
      runId: input.run.runId,
      now,
    });
    if (decisions.length === 0) return [];
    const details = await retrigger.run(decisions, { runId: input.run.runId, now });
    if (details.length > 0) {
      await this.dependencies.events.putEvents(
        details.map((detail) => ({
          id: `remediation:${detail.findingId}`,
          entry: this.dependencies.events.detailEntry(REMEDIATION_DETAIL_TYPE, detail, new Date(detail.at), [
            detail.functionArn,
          ]),
        })),
        'remediation updates',
      );
    }
    return details;
  }

  private async publishRunSummary(
    input: LifecycleRunInput,
    transitions: readonly LifecycleFinding[],
    failedOperations: readonly string[],
    publishReports: readonly PublishReport[],
  ): Promise<{ detail: RunSummaryDetail; report: PublishReport }> {
    const finishedAt = this.now();
    const quiet = transitions.length === 0 && failedOperations.length === 0;
    const publish = !quiet || (this.options.quietRunSummaries ?? true);
    const event = buildRunSummaryEvent({
      run: input.run,
      check: input.family,
      findings: input.findings,
      transitions,
      failedOperations,
      durationMs: finishedAt.getTime() - Date.parse(input.run.startedAt),
      // +1: the summary's own PutEvents.
      apiCalls:
        input.apiCalls + publishReports.reduce((sum, report) => sum + report.apiCalls, 0) + (publish ? 1 : 0),
      finishedAt: finishedAt.toISOString(),
    });
    if (!publish) {
      return {
        detail: event.detail,
        report: { publisher: 'eventbridge', findingCount: 0, delivered: 0, apiCalls: 0 },
      };
    }
    const report = await this.dependencies.events.putEvents(
      [
        {
          id: `run:${input.run.runId}`,
          entry: this.dependencies.events.detailEntry(RUN_SUMMARY_DETAIL_TYPE, event.detail, finishedAt),
        },
      ],
      'run summary events',
    );
    return { detail: event.detail, report };
  }

  /**
   * Unknown is never healthy: without the ledger the run cannot tell what changed, so it publishes every
   * problem statelessly with an ERROR naming the ledger, then fails.
   */
  private async fallback(input: LifecycleRunInput, cause: unknown): Promise<never> {
    const ledgerError = ledgerFailureFinding(
      {
        accountId: input.run.accountId,
        region: this.options.homeRegion,
        observedAt: this.now().toISOString(),
        runbookBaseUrl: this.options.runbookBaseUrl,
      },
      {
        operation: ledgerOperationOf(cause) ?? 'dynamodb:BatchGetItem',
        tableName: this.options.tableName,
        errorName: errorName(cause),
        message: cause instanceof Error ? cause.message : String(cause),
      },
    );
    const problems = [...input.findings.filter((finding) => finding.status !== 'PASS'), ledgerError];
    const fallbackReport = await this.dependencies.fallback.publish(problems, input.run);
    const findings = [...input.findings, ledgerError];
    const failedOperations = [
      ...input.failedOperations,
      `${this.options.homeRegion} ${ledgerError.resource.name}`,
    ];
    const { detail, report } = await this.publishRunSummary({ ...input, findings }, [], failedOperations, [
      fallbackReport,
    ]);
    throw new LedgerUnavailableError(
      `Findings ledger ${this.options.tableName} unreadable (${errorName(cause)}): ` +
        `${problems.length} problem(s) published without lifecycle; the run is failed on purpose`,
      {
        mode: 'fallback',
        transitions: [],
        suppressed: 0,
        incident: false,
        digestSent: false,
        conflicts: [],
        committed: 0,
        quietWrites: 0,
        remediations: [],
        runSummary: detail,
        publishReports: [fallbackReport, report],
      },
      { cause },
    );
  }
}

async function settle<T>(call: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await call() };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

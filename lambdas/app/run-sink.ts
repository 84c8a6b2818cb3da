import type { RunReportForwarder, RunReportForwardInput } from '../adapters/fleet/report-forwarder';
import type { FindingPublisher, PublishReport } from '../core/publishing';
import type { LifecycleReport, LifecycleStage } from './lifecycle-stage';

/** What a delivered run reports: the lifecycle's report, or the publish report of the hub forward or the publish. */
export interface RunDelivery {
  readonly publishReport?: PublishReport;
  readonly lifecycle?: LifecycleReport;
}

/**
 * The one seam between a checker's run and its outputs, chosen once per container:
 * - `forward`: member mode, the run's report to the hub (the hub runs the lifecycle on exactly this input);
 * - `lifecycle`: the ledger diff, transitions to EventBridge, a digest to SNS;
 * - `publish`: stateless, every finding to EventBridge and a summary to SNS (the CLI's --publish, no ledger).
 * No sink at all is a dry run (the CLI without --publish). Each throws like the publishers (PublishError,
 * LedgerUnavailableError...) when something was not delivered, so the run fails loudly.
 */
/** A checker's run as every sink takes it: the lifecycle's input, of the credentials or irsa family. */
export type CheckerRunInput = RunReportForwardInput;

export interface RunSink {
  readonly kind: 'forward' | 'lifecycle' | 'publish';
  deliver(input: CheckerRunInput): Promise<RunDelivery>;
  /** The lifecycle's: whether the ledger holds a finding open. */
  readonly isOpen?: (findingId: string) => Promise<boolean>;
}

export function forwardingSink(forwarder: RunReportForwarder): RunSink {
  return { kind: 'forward', deliver: async (input) => ({ publishReport: await forwarder.forward(input) }) };
}

export function lifecycleSink(stage: LifecycleStage): RunSink {
  return {
    kind: 'lifecycle',
    deliver: async (input) => ({ lifecycle: await stage.run(input) }),
    isOpen: (findingId) => stage.isOpen(findingId),
  };
}

export function publishingSink(publisher: FindingPublisher): RunSink {
  return {
    kind: 'publish',
    deliver: async (input) => ({ publishReport: await publisher.publish(input.findings, input.run) }),
  };
}

import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { buildRunReports, type RunReportInput } from '../../core/fleet/run-report';
import {
  RUN_REPORT_DETAIL_TYPE,
  RUN_REPORT_MAX_DETAIL_BYTES,
  RUN_REPORT_SOURCE,
  type EncodedRunReportDetail,
  type ReportCodec,
} from '../../core/fleet/run-report-types';
import { clientConfig } from '../client-config';
import { countCodes, PublishError, type PublishReport } from '../../core/publishing';
import { EventBridgeFindingPublisher, type EventToPut } from '../publish-eventbridge';
import { regionOf } from '../publishers';
import type { RetryOptions } from '../retry';
import { gzipBase64Codec } from './report-codec';

/**
 * Member mode: what a checker hands over instead of the lifecycle stage, exactly the lifecycle's
 * input (`LifecycleRunInput` of the credentials or irsa family). The hub runs the lifecycle on it.
 */
export type RunReportForwardInput = Omit<RunReportInput, 'finishedAt' | 'runbookBaseUrl'>;

/**
 * Sends a run's report to the hub. Throws PublishError when a part could not be delivered or a region's findings
 * could not travel at all, like the other publishers: the run fails loudly and its failure queue sees it.
 */
export interface RunReportForwarder {
  forward(input: RunReportForwardInput): Promise<PublishReport>;
}

/** Where the parts go: the EventBridge publisher (batching, per-entry retries, PublishError) satisfies it. */
export interface ReportEventSink {
  putEvents(events: readonly EventToPut[], noun?: string): Promise<PublishReport>;
  /** The hub bus ARN. */
  readonly busName: string;
}

export interface ReportForwarderOptions {
  readonly codec?: ReportCodec;
  /** Defaults to RUN_REPORT_MAX_DETAIL_BYTES (tests use less to force splitting). */
  readonly maxDetailBytes?: number;
  /** For the ERROR finding sent in place of a region too big to send. */
  readonly runbookBaseUrl?: string;
  readonly now?: () => Date;
}

export const FORWARDER_PUBLISHER = 'run-report';

/** The event entry of one part, on the hub bus; the event time is when the run finished. */
export function reportEntry(detail: EncodedRunReportDetail, hubEventBusArn: string): PutEventsRequestEntry {
  const time = new Date(detail.finishedAt);
  return {
    EventBusName: hubEventBusArn,
    Source: RUN_REPORT_SOURCE,
    DetailType: RUN_REPORT_DETAIL_TYPE,
    Detail: JSON.stringify(detail),
    Resources: [],
    ...(Number.isNaN(time.getTime()) ? {} : { Time: time }),
  };
}

const partId = (detail: Pick<EncodedRunReportDetail, 'part' | 'parts'>): string =>
  `run report part ${detail.part}/${detail.parts}`;

export class EventBridgeReportForwarder implements RunReportForwarder {
  private readonly codec: ReportCodec;
  private readonly now: () => Date;

  constructor(
    private readonly events: ReportEventSink,
    private readonly options: ReportForwarderOptions = {},
  ) {
    this.codec = options.codec ?? gzipBase64Codec();
    this.now = options.now ?? (() => new Date());
  }

  async forward(input: RunReportForwardInput): Promise<PublishReport> {
    const maxDetailBytes = this.options.maxDetailBytes ?? RUN_REPORT_MAX_DETAIL_BYTES;
    const built = buildRunReports(
      {
        ...input,
        finishedAt: this.now().toISOString(),
        ...(this.options.runbookBaseUrl ? { runbookBaseUrl: this.options.runbookBaseUrl } : {}),
      },
      this.codec,
      maxDetailBytes,
    );
    const oversizedIds = built.ok ? [] : built.oversized.flatMap((region) => region.findingIds);
    const oversizedCodes = built.ok ? [] : built.oversized.map(() => 'ReportTooLarge');
    const what = `${input.family} run ${input.run.runId}`;

    let sent: PublishReport;
    try {
      sent = await this.events.putEvents(
        built.details.map((detail) => ({
          id: partId(detail),
          entry: reportEntry(detail, this.events.busName),
        })),
        'run report parts',
      );
    } catch (error) {
      if (!(error instanceof PublishError)) throw error;
      // Name the findings that did not reach the hub, not only the parts.
      const failedParts = new Set(error.findingIds);
      const lostIds = built.details.flatMap((detail, index) =>
        failedParts.has(partId(detail)) ? (built.partFindingIds[index] ?? []) : [],
      );
      throw new PublishError(
        `Run report (${what}) not delivered to the hub: ${error.message}` +
          (built.ok ? '' : `; besides, ${built.problem}`),
        {
          publisher: FORWARDER_PUBLISHER,
          failedCount: error.failedCount + oversizedCodes.length,
          errorCodes: mergeCodes(error.errorCodes, countCodes(oversizedCodes)),
          findingIds: [...new Set([...lostIds, ...oversizedIds])],
        },
        { cause: error, partialReports: error.partialReports },
      );
    }
    const report: PublishReport = {
      publisher: FORWARDER_PUBLISHER,
      findingCount: input.findings.length,
      delivered: sent.delivered,
      apiCalls: sent.apiCalls,
    };
    if (!built.ok) {
      throw new PublishError(
        `Run report (${what}) sent in ${built.details.length} part(s) to ${this.events.busName}, but ${built.problem}`,
        {
          publisher: FORWARDER_PUBLISHER,
          failedCount: oversizedCodes.length,
          errorCodes: countCodes(oversizedCodes),
          findingIds: oversizedIds,
        },
        { partialReports: [report] },
      );
    }
    return report;
  }
}

function mergeCodes(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const merged: Record<string, number> = { ...a };
  for (const [code, count] of Object.entries(b)) merged[code] = (merged[code] ?? 0) + count;
  return merged;
}

/**
 * The forwarder with its EventBridge client, created once per container in the hub bus's region (PutEvents to a
 * bus in another account needs the client in that bus's region). Retries and their limits are the finding
 * publisher's.
 */
export function createRunReportForwarder(
  hubEventBusArn: string,
  homeRegion: string,
  options: ReportForwarderOptions & RetryOptions = {},
): EventBridgeReportForwarder {
  const client = new EventBridgeClient(clientConfig(regionOf(hubEventBusArn, homeRegion)));
  const { codec, maxDetailBytes, runbookBaseUrl, now, ...retry } = options;
  return new EventBridgeReportForwarder(
    new EventBridgeFindingPublisher(client, { ...retry, eventBusName: hubEventBusArn }),
    {
      ...(codec ? { codec } : {}),
      ...(maxDetailBytes ? { maxDetailBytes } : {}),
      ...(runbookBaseUrl ? { runbookBaseUrl } : {}),
      ...(now ? { now } : {}),
    },
  );
}

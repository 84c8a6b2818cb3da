/**
 * What each part of `npm run bench` returns. main.ts composes them into one table and bench/results.json;
 * docs/performance.md quotes that file. Every figure is measured by the run that writes it.
 */

/** Passed to every part: the moto server started by scripts/with-moto.sh, and a progress line writer. */
export interface BenchContext {
  readonly motoEndpoint: string;
  /** One progress line on stderr (the table goes to stdout). */
  readonly log: (line: string) => void;
}

/** A goal of the issue beside what was measured, so the table can say met or missed. */
export interface Goal {
  readonly text: string;
  readonly met: boolean;
}

/** API requests of one credential-check run, for an account holding `unrelatedFunctions` other functions. */
export interface RequestCountRow {
  readonly unrelatedFunctions: number;
  /** HTTP requests that reached the emulator (wire count, retries included). */
  readonly requests: number;
  /** `Service:Operation` → requests. */
  readonly byOperation: Readonly<Record<string, number>>;
  /** Wall time of the run, ms (used by the cost model as the Lambda duration). */
  readonly durationMs: number;
}

export interface RequestCountResult {
  readonly rows: readonly RequestCountRow[];
  /** Largest count ÷ smallest count (1 means the count does not grow with the account). */
  readonly ratio: number;
  readonly goal: Goal;
}

/** Wall time of `tmc-health check` for one shape of account, with latency added to every AWS answer. */
export interface CliWallTimeRow {
  readonly credentials: number;
  readonly regions: number;
  /** Median over the runs, ms. */
  readonly medianMs: number;
  readonly runsMs: readonly number[];
  /** Requests the CLI sent in one run. */
  readonly requests: number;
}

/**
 * `tmc-health explain <id>` against `node -e 0`, run in turn (one of each, then again) in the same bench run: what
 * the CLI adds to Node's own start, whatever the machine's speed that minute.
 */
export interface CliStartupResult {
  /** The CLI's arguments, run as `node bin/tmc-health.js <args>` (a user's `tmc-health <args>`). */
  readonly args: readonly string[];
  /** Pairs counted, after the warm-ups. */
  readonly pairs: number;
  readonly cliMedianMs: number;
  readonly nodeMedianMs: number;
  /** Median of the ratios pair by pair (CLI ÷ node, run back to back). */
  readonly ratio: number;
  readonly cliRunsMs: readonly number[];
  readonly nodeRunsMs: readonly number[];
}

/** The CLI bundle the runs loaded (scripts/build-cli.ts), minified code without the source maps. */
export interface CliBundleMeasure {
  readonly totalBytes: number;
  /** What every command loads: the entry chunk and the chunks it imports. */
  readonly startupBytes: number;
  /** What `check --checks tmc` loads. */
  readonly checkTmcBytes: number;
  readonly chunks: number;
}

export interface CliWallTimeResult {
  readonly addedLatencyMs: number;
  readonly bundle: CliBundleMeasure;
  readonly startup: CliStartupResult;
  readonly rows: readonly CliWallTimeRow[];
  /** The three goals: start-up against Node's, 1 × 1 and 20 × 3 with the added latency. */
  readonly goals: { readonly startup: Goal; readonly oneByOne: Goal; readonly twentyByThree: Goal };
}

export interface IrsaScanResult {
  readonly events: number;
  readonly regions: number;
  readonly quotaRequestsPerSecond: number;
  readonly ceilingEventsPerSecond: number;
  /** Scan rate measured on the stub's side (pages after the first × 50 ÷ time between first and last request). */
  readonly scanEventsPerSecond: number;
  /** Events ÷ handler wall time, all runs. */
  readonly endToEndEventsPerSecond: number;
  readonly percentOfCeiling: number;
  /** Runs needed to read everything with the page budget (≥ 2: the cut and the resume). */
  readonly runs: number;
  readonly pageBudgetPerRun: number;
  readonly lost: number;
  readonly countedTwice: number;
  readonly throttled: number;
  /** IRSA handler wall time of each run, ms (the cost model's duration). */
  readonly runDurationsMs: readonly number[];
  /** A run over a region without denials: a quiet account's scheduled run (the cost model's IRSA run). */
  readonly quietRunDurationMs?: number;
  readonly quietRunRequests?: Readonly<Record<string, number>>;
  /** Requests per run by `Service:Operation` (the cost model's DynamoDB/PutEvents counts). */
  readonly requestsPerRun: readonly Readonly<Record<string, number>>[];
  /** LookupEvents pages each run read. */
  readonly pagesPerRun: readonly number[];
  /** Events each run read, the resume's re-reads (the 15-minute overlap, the second of the cut) included. */
  readonly eventsReadPerRun: readonly number[];
  /** Of those, events an earlier run had counted, dropped by event id (the watermark's `recentEventIds`). */
  readonly reReadsDroppedPerRun: readonly number[];
  readonly goal: Goal;
}

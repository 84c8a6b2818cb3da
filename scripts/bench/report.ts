/** The benchmark's one table, as plain text: a row per figure, the goal beside it, met or missed. */
import { BUNDLE_GOAL_BYTES, INIT_GOAL_MS, INIT_RATIO_GOAL } from './bundles';
import type { BenchResults } from './results';

interface Row {
  readonly section: string;
  readonly measure: string;
  readonly value: string;
  readonly goal?: string;
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const usd = (value: number) => `$${value.toFixed(2)}`;
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

function rowsOf(results: BenchResults): Row[] {
  const rows: Row[] = [];
  const { requestCounts, cliWallTime, irsaScan, bundles, cost } = results;
  if (requestCounts) {
    for (const row of requestCounts.rows) {
      rows.push({
        section: 'requests per credential run',
        measure: `1 credential, ${row.unrelatedFunctions} unrelated functions`,
        value: String(row.requests),
      });
    }
    rows.push({
      section: 'requests per credential run',
      measure: 'ratio largest ÷ smallest',
      value: requestCounts.ratio.toFixed(2),
      goal: `${requestCounts.goal.text}: ${verdict(requestCounts.goal.met)}`,
    });
  }
  if (cliWallTime) {
    const { startup, bundle, goals } = cliWallTime;
    rows.push({
      section: 'tmc-health start-up',
      measure: `${startup.args.join(' ')} ÷ node -e 0, median of ${startup.pairs} pairs`,
      value: `${startup.cliMedianMs} ms ÷ ${startup.nodeMedianMs} ms = ${startup.ratio.toFixed(2)}×`,
      goal: `${goals.startup.text}: ${verdict(goals.startup.met)}`,
    });
    rows.push({
      section: 'tmc-health start-up',
      measure: `bundle: all ${bundle.chunks} chunks / every command / check --checks tmc`,
      value: `${kb(bundle.totalBytes)} / ${kb(bundle.startupBytes)} / ${kb(bundle.checkTmcBytes)}`,
    });
    for (const row of cliWallTime.rows) {
      const goal =
        row.credentials === 1 && row.regions === 1
          ? goals.oneByOne
          : row.credentials === 20 && row.regions === 3
            ? goals.twentyByThree
            : undefined;
      rows.push({
        section: `tmc-health check, +${cliWallTime.addedLatencyMs} ms per answer`,
        measure: `${row.credentials} credential(s) × ${row.regions} region(s), median`,
        value: `${(row.medianMs / 1000).toFixed(2)} s`,
        ...(goal ? { goal: `${goal.text}: ${verdict(goal.met)}` } : {}),
      });
    }
  }
  if (irsaScan) {
    rows.push({
      section: 'IRSA scan',
      measure: `${irsaScan.events} denials, ${irsaScan.quotaRequestsPerSecond} req/s stub, ${irsaScan.runs} runs`,
      value: `${irsaScan.scanEventsPerSecond.toFixed(1)} events/s (${irsaScan.percentOfCeiling.toFixed(1)} %)`,
      goal: `${irsaScan.goal.text}: ${verdict(irsaScan.goal.met)}`,
    });
    rows.push({
      section: 'IRSA scan',
      measure: `lost / counted twice across the cut (${irsaScan.pageBudgetPerRun} pages per run)`,
      value: `${irsaScan.lost} / ${irsaScan.countedTwice}`,
    });
  }
  if (bundles) {
    for (const row of bundles.rows) {
      rows.push({
        section: `bundle ${row.handler}`,
        measure: 'deployed: bytes, init median',
        value: `${kb(row.deployed.bytes)}, ${row.deployed.initMedianMs} ms`,
        goal: `${bundles.goals.bytes.text}: ${verdict(row.deployed.bytes <= BUNDLE_GOAL_BYTES)}; init: ${verdict(row.deployed.initMedianMs <= INIT_GOAL_MS)}`,
      });
      rows.push({
        section: `bundle ${row.handler}`,
        measure: 'reference, the same SDK clients only',
        value: `${kb(row.sdkOnly.bytes)}, ${row.sdkOnly.initMedianMs} ms`,
      });
      rows.push({
        section: `bundle ${row.handler}`,
        measure: 'init: deployed / SDK-only reference',
        value: `${row.initRatio.toFixed(2)}×`,
        goal: `≤ ${INIT_RATIO_GOAL}×: ${verdict(row.initRatio <= INIT_RATIO_GOAL)}`,
      });
      rows.push({
        section: `bundle ${row.handler}`,
        measure: 'the handler beyond the SDK',
        value: kb(row.ownBytes),
      });
      rows.push({
        section: `bundle ${row.handler}`,
        measure: 'alternative: SDK left to the runtime',
        value: `${kb(row.sdkExternal.bytes)}, ${row.sdkExternal.initMedianMs} ms`,
      });
    }
  }
  if (cost) {
    rows.push({
      section: 'cost per account-month',
      measure: 'fixed (default schedule)',
      value: usd(cost.fixedUsdPerMonth),
    });
    rows.push({
      section: 'cost per account-month',
      measure: 'per credential-region',
      value: usd(cost.perCredentialRegionUsdPerMonth),
    });
  }
  return rows;
}

export function renderTable(results: BenchResults): string {
  const rows = rowsOf(results);
  const header: Row = { section: 'part', measure: 'measure', value: 'value', goal: 'goal' };
  const all = [header, ...rows];
  const width = (pick: (row: Row) => string) => Math.max(...all.map((row) => pick(row).length));
  const widths = [width((r) => r.section), width((r) => r.measure), width((r) => r.value)];
  const line = (row: Row) =>
    [
      row.section.padEnd(widths[0]!),
      row.measure.padEnd(widths[1]!),
      row.value.padStart(widths[2]!),
      row.goal ?? '',
    ]
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

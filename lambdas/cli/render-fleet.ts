import { forDisplay } from './display';
import type { AccountResult, FleetOutcome } from './fleet';
import { explainHint, fittedLine, renderReportBody, summaryLine, type TableOptions } from './render-table';
import { createStyle, type Style } from './style';
import { STATUS_STYLE } from './table-layout';

/**
 * `check --accounts` for people: a section per account (a heading naming the account and the role, then the
 * same tables, IRSA section and remediation as `check` prints for one account, and that account's summary
 * line), then a line per account with its counts and the fleet's totals.
 */

export type FleetTableOptions = Omit<TableOptions, 'irsa'>;

/** A line that may be coloured: coloured when its plain text fits the width, wrapped plain otherwise. */
const fitted = fittedLine;

function heading(account: AccountResult, width: number, style: Style): string[] {
  const status = account.failure
    ? `role not assumed (${account.failure.stage === 'assume' ? 'sts:AssumeRole ' : ''}${account.failure.errorName})`
    : `via ${account.roleArn}`;
  const plain = `== Account ${account.accountId}: ${status}`;
  const coloured =
    `${style.paint(`== Account ${account.accountId}`, 'bold')}: ` +
    (account.failure ? style.paint(status, ...STATUS_STYLE.ERROR) : style.paint(status, 'dim'));
  return [...fitted(plain, coloured, width), ''];
}

function notCheckedLine(account: AccountResult, style: Style): string {
  const { byStatus } = account.outcome.summary;
  const failure = account.failure!;
  const counts = `${byStatus.FAIL} FAIL, ${style.paint(`${byStatus.ERROR} ERROR`, ...STATUS_STYLE.ERROR)}, ${byStatus.PASS} PASS`;
  return `Summary: ${counts}. Account ${account.accountId} not checked (${failure.stage === 'assume' ? 'sts:AssumeRole ' : ''}${failure.errorName}).`;
}

/** The closing block: one line of counts per account, then the totals. */
function fleetSummary(fleet: FleetOutcome, width: number, style: Style): string[] {
  const rows = fleet.accounts.map((account) => {
    const { byStatus } = account.outcome.summary;
    const note = account.failure
      ? `not checked: ${account.failure.stage === 'assume' ? 'sts:AssumeRole ' : ''}${account.failure.errorName}`
      : byStatus.FAIL + byStatus.ERROR === 0
        ? 'healthy'
        : '';
    return { account, byStatus, note };
  });
  const digits = (status: 'FAIL' | 'ERROR' | 'PASS') =>
    Math.max(...rows.map((row) => String(row.byStatus[status]).length));
  const lines: string[] = [style.paint(`Accounts (role ${fleet.target.roleName})`, 'bold')];
  for (const { account, byStatus, note } of rows) {
    const cell = (status: 'FAIL' | 'ERROR' | 'PASS') => {
      const text = `${String(byStatus[status]).padStart(digits(status))} ${status}`;
      return byStatus[status] > 0 ? style.paint(text, ...STATUS_STYLE[status]) : text;
    };
    const plainCounts = (['FAIL', 'ERROR', 'PASS'] as const)
      .map((status) => `${String(byStatus[status]).padStart(digits(status))} ${status}`)
      .join('  ');
    const plain = `  ${account.accountId}  ${plainCounts}${note ? `  ${note}` : ''}`;
    const coloured =
      `  ${account.accountId}  ${(['FAIL', 'ERROR', 'PASS'] as const).map(cell).join('  ')}` +
      (note
        ? `  ${account.failure ? style.paint(note, ...STATUS_STYLE.ERROR) : style.paint(note, 'dim')}`
        : '');
    lines.push(...fitted(plain, coloured, width));
  }
  const { FAIL, ERROR, PASS } = fleet.summary.byStatus;
  const total = fleet.accounts.length;
  const notChecked = fleet.summary.notChecked.length;
  const plainTotal =
    `Fleet: ${FAIL} FAIL, ${ERROR} ERROR, ${PASS} PASS across ${total} account${total === 1 ? '' : 's'}` +
    (notChecked > 0 ? `, ${notChecked} not checked` : '') +
    '.';
  const colouredTotal =
    'Fleet: ' +
    [
      style.paint(`${FAIL} FAIL`, ...(FAIL > 0 ? STATUS_STYLE.FAIL : [])),
      style.paint(`${ERROR} ERROR`, ...(ERROR > 0 ? STATUS_STYLE.ERROR : [])),
      style.paint(`${PASS} PASS`, ...(PASS > 0 ? STATUS_STYLE.PASS : [])),
    ].join(', ') +
    plainTotal.slice(plainTotal.indexOf(' across'));
  lines.push(...fitted(plainTotal, colouredTotal, width));
  return lines;
}

/** Every string of the fleet's outcome is cleaned first (display.ts): no value reaches the terminal raw. */
export function renderFleetTable(rawFleet: FleetOutcome, options: FleetTableOptions): string {
  const fleet = forDisplay(rawFleet);
  const { width, style } = options;
  const out: string[] = [];
  for (const account of fleet.accounts) {
    out.push(...heading(account, width, style));
    const { outcome } = account;
    const body = renderReportBody(outcome.findings, outcome.summary, {
      ...options,
      ...(outcome.irsa ? { irsa: outcome.irsa } : {}),
    });
    out.push(...body.lines);
    if (account.failure) {
      out.push(...fitted(notCheckedLine(account, createStyle(false)), notCheckedLine(account, style), width));
    } else {
      out.push(
        ...fitted(
          summaryLine(outcome.summary, createStyle(false), body.passes),
          summaryLine(outcome.summary, style, body.passes),
          width,
        ),
      );
    }
    out.push('');
  }
  out.push(...fleetSummary(fleet, width, style));
  if (fleet.findings.some((finding) => finding.status !== 'PASS')) out.push(...explainHint(width));
  return `${out.join('\n')}\n`;
}

/**
 * Parsing of EventBridge Scheduler expressions, so that a bad schedule fails `cdk synth` (not the deploy) and so
 * the stack can prove that two runs of the checker can never overlap.
 */

/**
 * The outcome of parsing: the shortest and the longest time between two runs, or why the expression is invalid.
 * `maxIntervalMinutes` is undefined when it cannot be determined (see `longestCronGap`).
 */
export type ScheduleParseResult =
  | {
      readonly ok: true;
      readonly kind: 'rate' | 'cron';
      readonly minIntervalMinutes: number;
      readonly maxIntervalMinutes: number | undefined;
    }
  | { readonly ok: false; readonly message: string };

const MINUTES_PER_UNIT = { minute: 1, hour: 60, day: 1440 } as const;
type RateUnit = keyof typeof MINUTES_PER_UNIT;

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;

/** Parses `rate(N unit)` or `cron(min hour day-of-month month day-of-week year)`. */
export function parseScheduleExpression(expression: string): ScheduleParseResult {
  const trimmed = expression.trim();
  if (trimmed.startsWith('at(')) {
    return fail('one-time at() schedules are not supported; use rate(...) or cron(...)');
  }
  const rate = RATE.exec(trimmed);
  if (rate) return parseRate(Number(rate[1]), rate[2] ?? '');
  const cron = CRON.exec(trimmed);
  if (cron) return parseCron(cron[1] ?? '');
  return fail(
    'must be an EventBridge Scheduler expression: rate(N minute|minutes|hour|hours|day|days) or cron(6 fields)',
  );
}

function parseRate(value: number, unitWord: string): ScheduleParseResult {
  if (!Number.isSafeInteger(value) || value < 1) return fail('the rate value must be a positive integer');
  const unit = unitWord.replace(/s$/, '') as RateUnit;
  if (value === 1 && unitWord !== unit)
    return fail(`use the singular unit for a value of 1: rate(1 ${unit})`);
  if (value > 1 && unitWord === unit)
    return fail(`use the plural unit for a value above 1: rate(${value} ${unit}s)`);
  const interval = value * MINUTES_PER_UNIT[unit];
  return { ok: true, kind: 'rate', minIntervalMinutes: interval, maxIntervalMinutes: interval };
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Extra whole-token forms allowed in this field (besides numbers, ranges, lists, `*` and increments). */
  readonly special?: RegExp;
  readonly names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(\?|L|LW|\d{1,2}W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, special: /^(\?|L|[1-7]L|[1-7]#[1-5])$/, names: DAYS },
  { name: 'year', min: 1970, max: 2199 },
];

function parseCron(body: string): ScheduleParseResult {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return fail(
      `cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const expanded: (number[] | undefined)[] = [];
  for (const [index, spec] of CRON_FIELDS.entries()) {
    const values = expandField(fields[index] ?? '', spec);
    if (typeof values === 'string') return fail(values);
    expanded.push(values);
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return fail('cron() needs "?" in exactly one of day-of-month and day-of-week');
  }
  return {
    ok: true,
    kind: 'cron',
    minIntervalMinutes: shortestDailyGap(expanded[0] ?? [], expanded[1] ?? []),
    maxIntervalMinutes: longestCronGap(fields, expanded),
  };
}

/**
 * Expands a field into its values, or returns an error message. Special tokens (`?`, `L`, `W`, `#`) expand to
 * nothing: they only occur in the day fields, which do not affect the shortest gap within a day.
 */
function expandField(field: string, spec: CronField): number[] | string {
  const values = new Set<number>();
  for (const token of field.split(',')) {
    if (spec.special?.test(token)) continue;
    const match = /^(\*|([0-9A-Z]+)(?:-([0-9A-Z]+))?)(?:\/(\d+))?$/i.exec(token);
    if (!match) return `cron() ${spec.name} field has an invalid token "${token}"`;
    const start = match[1] === '*' ? spec.min : toNumber(match[2] ?? '', spec);
    const end = match[1] === '*' ? spec.max : match[3] === undefined ? start : toNumber(match[3], spec);
    const step = match[4] === undefined ? 1 : Number(match[4]);
    const outOfRange = [start, end].some((v) => v === undefined || v < spec.min || v > spec.max);
    if (outOfRange || start === undefined || end === undefined || step < 1 || end < start) {
      return `cron() ${spec.name} field "${token}" must stay within ${spec.min}-${spec.max}`;
    }
    const last = match[4] !== undefined && match[3] === undefined && match[1] !== '*' ? spec.max : end;
    for (let value = start; value <= last; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function toNumber(token: string, spec: CronField): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  return index < 0 ? undefined : index + spec.min;
}

/**
 * The shortest gap between two runs, assuming the schedule fires on consecutive days (a safe lower bound when
 * the day fields restrict it further).
 */
function shortestDailyGap(minutes: readonly number[], hours: readonly number[]): number {
  const times = hours.flatMap((hour) => minutes.map((minute) => hour * 60 + minute)).sort((a, b) => a - b);
  const first = times[0];
  const lastTime = times[times.length - 1];
  if (first === undefined || lastTime === undefined) return MINUTES_PER_UNIT.day;
  let gap = first + MINUTES_PER_UNIT.day - lastTime;
  for (let i = 1; i < times.length; i += 1) gap = Math.min(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return gap;
}

/** The first day `longestCronGap` walks (a leap year, so February 29 is among the days walked). */
const WALK_START = Date.UTC(2024, 0, 1);
/** Five years of days: every gap up to a leap-year cycle shows up at least once, year boundaries included. */
const WALK_DAYS = 5 * 366;
const MS_PER_DAY = 86_400_000;

/**
 * The longest gap between two runs of a cron expression (UTC, as the schedules are created), found by walking
 * the days of five calendar years and the times of each firing day. Undefined when it cannot be determined:
 * a restricted year (the schedule ends), the special day tokens `L`, `W` and `#` (not modelled), or an
 * expression that fires on fewer than two days of the walk.
 */
function longestCronGap(
  fields: readonly string[],
  expanded: readonly (readonly number[] | undefined)[],
): number | undefined {
  const [, , dayOfMonth = '', , dayOfWeek = '', year = ''] = fields;
  if (year !== '*') return undefined;
  // Day names never contain L or #; day-of-month has no names, so any L or W there is the special token.
  if (/[LW]/i.test(dayOfMonth) || /[L#]/i.test(dayOfWeek)) return undefined;
  const times = (expanded[1] ?? [])
    .flatMap((hour) => (expanded[0] ?? []).map((minute) => hour * 60 + minute))
    .sort((a, b) => a - b);
  const months = new Set(expanded[3]);
  const daysOfMonth = new Set(expanded[2]);
  const daysOfWeek = new Set(expanded[4]);
  const firingDays: number[] = [];
  for (let day = 0; day < WALK_DAYS; day += 1) {
    const date = new Date(WALK_START + day * MS_PER_DAY);
    const dayMatches =
      dayOfMonth === '?' ? daysOfWeek.has(date.getUTCDay() + 1) : daysOfMonth.has(date.getUTCDate());
    if (months.has(date.getUTCMonth() + 1) && dayMatches) firingDays.push(day);
  }
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined || firingDays.length < 2) return undefined;
  let gap = 0;
  for (let i = 1; i < times.length; i += 1) gap = Math.max(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  for (let i = 1; i < firingDays.length; i += 1) {
    const days = (firingDays[i] ?? 0) - (firingDays[i - 1] ?? 0);
    gap = Math.max(gap, days * MINUTES_PER_UNIT.day + first - last);
  }
  return gap;
}

function fail(message: string): ScheduleParseResult {
  return { ok: false, message };
}

import { z } from 'zod';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../lambdas/core/lifecycle/settings';
import {
  suppressionExpiresAt,
  suppressionSchema,
  type Suppression,
} from '../../lambdas/core/lifecycle/suppressions';
import { boolean, intBetween, number } from './config-fields';

/**
 * The finding lifecycle's configuration keys (see docs/configuration.md "Finding lifecycle"), shared by
 * both checks. Limits match `lifecycleSettingsSchema`, so whatever passes synth also passes the functions' parse.
 */

/** A year: the runtime schema's limit on reminderHours. */
export const MAX_REMINDER_HOURS = 24 * 365;
/**
 * Budget for the suppressions JSON in the functions' environment. Lambda allows 4 KB for all variables together,
 * and the other settings (ARNs, table names, patterns) take up to about 1.5 KB of it.
 */
export const MAX_SUPPRESSIONS_JSON_BYTES = 2048;

const SUPPRESSION_EXAMPLE =
  '{"checkId":"tmc.token.stale","credentialName":"prod-eks","expires":"2030-01-31","reason":"rotation moved to vault"}';

/** zod's generic messages ("Invalid input") say little about a hand-written JSON item: these say what to write. */
const FIELD_HINTS: Readonly<Record<string, string>> = {
  checkId: 'must be a check id from docs/checks.md, e.g. tmc.token.stale',
  expires:
    'must be a date (2030-01-31, muted through that day, UTC) or a date-time with offset (2030-01-31T18:00:00Z)',
  reason: 'must say why the findings are muted (at least 3 characters)',
  credentialName: 'must be a non-empty credential name',
  roleArnPattern: 'must be a non-empty glob over the resource ARN, e.g. arn:aws:iam::*:role/legacy-*',
};

/**
 * -c values arrive as strings: a JSON array string becomes the array; anything else is left for the error. Text
 * that looks like JSON but does not parse (often a shell that ate the quotes) says why it did not parse.
 */
function parseJson(raw: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    if (/^\s*[[{]/.test(raw)) {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.addIssue({
        code: 'custom',
        message: `is not valid JSON (${reason}); in a shell, put the whole -c value in single quotes`,
      });
    }
    return raw;
  }
}

function itemProblem(index: number, issue: z.core.$ZodIssue): string {
  const field = issue.path.length === 1 ? String(issue.path[0]) : undefined;
  const hint = field === undefined ? undefined : FIELD_HINTS[field];
  if (field !== undefined && hint !== undefined) return `item ${index}: ${field} ${hint}`;
  if (issue.code === 'unrecognized_keys') {
    return (
      `item ${index}: unknown field(s) ${issue.keys.join(', ')} ` +
      '(a suppression has checkId, credentialName, roleArnPattern, expires and reason)'
    );
  }
  if (issue.path.length === 0 && issue.code === 'invalid_type') {
    return `item ${index}: must be an object, e.g. ${SUPPRESSION_EXAMPLE}`;
  }
  return `item ${index}${issue.path.length > 0 ? ` (${issue.path.join('.')})` : ''}: ${issue.message}`;
}

/** Each item is a `suppressionSchema`; problems name the item index and field. */
const suppressions = z
  .preprocess(
    parseJson,
    z.array(z.unknown(), {
      error: `must be a JSON array of suppressions, e.g. [${SUPPRESSION_EXAMPLE}]`,
    }),
  )
  .transform((items, ctx): Suppression[] => {
    const parsed: Suppression[] = [];
    items.forEach((item, index) => {
      const result = suppressionSchema.safeParse(item);
      if (result.success) parsed.push(result.data);
      else {
        for (const issue of result.error.issues) {
          ctx.addIssue({ code: 'custom', message: itemProblem(index, issue) });
        }
      }
    });
    if (parsed.length === items.length) {
      const bytes = Buffer.byteLength(JSON.stringify(parsed));
      if (bytes > MAX_SUPPRESSIONS_JSON_BYTES) {
        ctx.addIssue({
          code: 'custom',
          message:
            `${items.length === 1 ? 'the suppression is too long: it takes' : `too many suppressions: ${items.length} take`} ` +
            `${bytes} bytes of JSON, over the ` +
            `${MAX_SUPPRESSIONS_JSON_BYTES}-byte budget (they travel in the functions' environment, which Lambda ` +
            'limits to 4 KB in total). Remove expired ones, shorten the reasons, or cover several resources ' +
            'with one roleArnPattern glob',
        });
      }
    }
    return parsed;
  });

export const lifecycleConfigShape = {
  reminderHours: number(
    `must be a positive number of hours, at most ${MAX_REMINDER_HOURS} (a year)`,
    (v) => v > 0 && v <= MAX_REMINDER_HOURS,
  ).default(DEFAULT_LIFECYCLE_CONFIG.reminderHours),
  goneAfterRuns: number('must be a whole number of runs from 1 to 1000', intBetween(1, 1000)).default(
    DEFAULT_LIFECYCLE_CONFIG.goneAfterRuns,
  ),
  stormThreshold: number('must be a whole number from 1 to 10000', intBetween(1, 10_000)).default(
    DEFAULT_LIFECYCLE_CONFIG.stormThreshold,
  ),
  suppressions: suppressions.default([]),
  autoRemediation: boolean().default(DEFAULT_LIFECYCLE_CONFIG.autoRemediation),
};

/** A valid example for each lifecycle key, for the "how to fix" part of error messages. */
export const LIFECYCLE_EXAMPLES = {
  reminderHours: String(DEFAULT_LIFECYCLE_CONFIG.reminderHours),
  goneAfterRuns: String(DEFAULT_LIFECYCLE_CONFIG.goneAfterRuns),
  stormThreshold: String(DEFAULT_LIFECYCLE_CONFIG.stormThreshold),
  suppressions: `[${SUPPRESSION_EXAMPLE}]`,
  autoRemediation: 'false',
} as const satisfies Record<keyof typeof lifecycleConfigShape, string>;

/**
 * Warnings (not errors: whether synth passes must not depend on the day it runs) about suppressions that
 * can no longer mute anything, or that mute everything.
 */
export function suppressionWarnings(list: readonly Suppression[], now: Date): string[] {
  const warnings: string[] = [];
  list.forEach((suppression, index) => {
    if (suppressionExpiresAt(suppression) <= now.getTime()) {
      warnings.push(
        `suppressions item ${index} ("${suppression.reason}") expired on ${suppression.expires} and mutes ` +
          'nothing any more: remove it from the suppressions context key, or extend its expires date',
      );
    }
    if (
      suppression.checkId === undefined &&
      suppression.credentialName === undefined &&
      suppression.roleArnPattern === undefined
    ) {
      warnings.push(
        `suppressions item ${index} ("${suppression.reason}") names no checkId, credentialName or ` +
          'roleArnPattern, so it mutes every finding until it expires',
      );
    }
  });
  return warnings;
}

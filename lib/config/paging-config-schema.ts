import { z } from 'zod';
import type { Severity } from '../../lambdas/core/finding';
import { boolean } from './config-fields';

/**
 * The paging recipes' configuration keys (docs/paging.md): PagerDuty Events v2 through an EventBridge API
 * destination (`pagerDutyRoutingKeySecret`, `pagerDutyMinSeverity`) and an OpsCenter OpsItem per opened HIGH or
 * CRITICAL finding (`opsItemsForHigh`). All off by default. Both read the findings bus, so they belong where the
 * finding lifecycle runs: a single account or the hub, never a member.
 */

/** The severities a finding can page at; INFORMATIONAL is what a RESOLVED event carries, never a problem. */
export const PAGEABLE_SEVERITIES = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
] as const satisfies readonly Severity[];
export type PageableSeverity = (typeof PAGEABLE_SEVERITIES)[number];
export const DEFAULT_PAGER_DUTY_MIN_SEVERITY: PageableSeverity = 'HIGH';

/** Secrets Manager's own rules: a name of 1 to 512 of these characters, or a secret's ARN. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
/** What a PagerDuty integration (routing) key looks like: 32 letters and digits. */
const ROUTING_KEY_SHAPE = /^[A-Za-z0-9]{32}$/;

/**
 * The secret holding the routing key, by name or ARN. A value shaped like a routing key itself is refused without
 * being repeated (loadConfig never echoes this key's value either): in cdk.json or a -c flag it would sit in the
 * repository, the shell history and the CloudFormation template.
 */
const routingKeySecret = z.string({ error: 'must be a string' }).check((ctx) => {
  const value = ctx.value;
  if (ROUTING_KEY_SHAPE.test(value)) {
    ctx.issues.push({
      code: 'custom',
      input: '(not shown)',
      message:
        'looks like a PagerDuty routing key itself, not the name of a secret: never put the key in the ' +
        'configuration; store it in Secrets Manager (aws secretsmanager create-secret --name ' +
        'tmc-health/pagerduty-routing-key --secret-string <key>) and give the secret name here',
    });
    return;
  }
  if (SECRET_NAME.test(value) || SECRET_ARN.test(value)) return;
  ctx.issues.push({
    code: 'custom',
    input: '(not shown)',
    message:
      'must be a Secrets Manager secret name (letters, digits and /_+=.@-, up to 512) or a secret ARN ' +
      '(arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  });
});

export const pagingConfigShape = {
  pagerDutyRoutingKeySecret: routingKeySecret.optional(),
  pagerDutyMinSeverity: z
    .enum(PAGEABLE_SEVERITIES, {
      error: `must be one of ${PAGEABLE_SEVERITIES.join(', ')} (findings at or above it page)`,
    })
    .default(DEFAULT_PAGER_DUTY_MIN_SEVERITY),
  opsItemsForHigh: boolean().default(false),
};

export type PagingConfigKey = keyof typeof pagingConfigShape;

/** A valid example for each key, for the "how to fix" part of error messages. */
export const PAGING_EXAMPLES = {
  pagerDutyRoutingKeySecret: 'tmc-health/pagerduty-routing-key',
  pagerDutyMinSeverity: 'CRITICAL',
  opsItemsForHigh: 'true',
} as const satisfies Record<PagingConfigKey, string>;

/** Keys whose value a problem never repeats (loadConfig): one may hold a pasted routing key. */
export const PAGING_UNECHOED_KEYS: ReadonlySet<string> = new Set(['pagerDutyRoutingKeySecret']);

/** The severities at or above `min`, most severe first. */
export function severitiesFrom(min: PageableSeverity): PageableSeverity[] {
  return PAGEABLE_SEVERITIES.slice(0, PAGEABLE_SEVERITIES.indexOf(min) + 1);
}

/**
 * Cross-key rules, run on the parsed configuration like the modes' rules: `pagerDutyMinSeverity` does nothing
 * without the secret. A member refuses every paging key (paging belongs to the hub): the modes' rules do that
 * (orgModeProblems).
 */
export function pagingModeProblems(
  config: { readonly mode: string; readonly pagerDutyRoutingKeySecret?: string },
  present: ReadonlySet<string>,
): { readonly key: string; readonly message: string; readonly remove: true }[] {
  const problems: { key: string; message: string; remove: true }[] = [];
  // A member refuses every paging key (org-config-schema.ts, UNUSED_IN): nothing more to say about them.
  if (config.mode === 'member') return problems;
  if (present.has('pagerDutyMinSeverity') && config.pagerDutyRoutingKeySecret === undefined) {
    problems.push({
      key: 'pagerDutyMinSeverity',
      message:
        'does nothing without pagerDutyRoutingKeySecret (nothing pages): set the secret too, or remove the key',
      remove: true,
    });
  }
  return problems;
}

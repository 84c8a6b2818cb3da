import { envCodec, SettingsError } from '../env-codec';
import { DEFAULT_SETTINGS } from '../settings';
import * as z from '../zod';

/**
 * Runtime settings of the Organizations hub's two functions (docs/organizations.md), the fleet intake and
 * the fleet watch, besides the lifecycle settings both read with `lifecycleSettingsFromEnvironment` (the ledger
 * table among them: in the hub it is required). The hub stack writes them with `hubSettingsToEnvironment`; the
 * functions read them back with `hubSettingsFromEnvironment` (intake) or `hubWatchSettingsFromEnvironment`
 * (watch, which also needs `memberSilentAfterMinutes`).
 */

const nonEmpty = () => z.string().check(z.minLength(1));

/** 30 days: far beyond any schedule, still a number a person would type. */
export const MAX_SILENT_AFTER_MINUTES = 43_200;

export const hubSettingsSchema = z.strictObject({
  /** The heartbeat table (partition key `accountId`, sort key `family`; lambdas/adapters/fleet/heartbeat-store.ts). */
  fleetTableName: nonEmpty(),
  /** The hub bus: finding, run summary and rejected-report events go there. A name, or an ARN. */
  eventBusName: nonEmpty(),
  /** The hub topic for the digest; absent: no email. */
  topicArn: z.optional(nonEmpty()),
  /** Base of the runbook links in the hub's own findings (`#<check-anchor>` is appended). */
  runbookBaseUrl: z._default(nonEmpty(), DEFAULT_SETTINGS.runbookBaseUrl),
  /** A member silent for longer is `fleet.member.silent` FAIL (the watch only; the stack sets three schedule periods). */
  memberSilentAfterMinutes: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_SILENT_AFTER_MINUTES))),
});

export type HubSettings = z.infer<typeof hubSettingsSchema>;
export type HubSettingsInput = z.input<typeof hubSettingsSchema>;
export type HubWatchSettings = HubSettings & { readonly memberSilentAfterMinutes: number };

export const HUB_ENV = {
  fleetTableName: 'TMC_HEALTH_FLEET_TABLE',
  eventBusName: 'TMC_HEALTH_EVENT_BUS',
  topicArn: 'TMC_HEALTH_TOPIC_ARN',
  runbookBaseUrl: 'TMC_HEALTH_RUNBOOK_BASE_URL',
  memberSilentAfterMinutes: 'TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES',
} as const satisfies Record<keyof HubSettings, string>;

const codec = envCodec({
  schema: hubSettingsSchema,
  variables: HUB_ENV,
  listKeys: [],
  numberKeys: ['memberSilentAfterMinutes'],
  label: 'fleet hub settings',
});

/** The intake's settings; throws SettingsError naming each bad variable. */
export function hubSettingsFromEnvironment(env: Readonly<Record<string, string | undefined>>): HubSettings {
  return codec.fromEnvironment(env);
}

/** The watch's settings: the intake's plus `TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES`, which it cannot do without. */
export function hubWatchSettingsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): HubWatchSettings {
  const settings = codec.fromEnvironment(env);
  const { memberSilentAfterMinutes } = settings;
  if (memberSilentAfterMinutes === undefined) {
    throw new SettingsError(
      `Invalid fleet hub settings: ${HUB_ENV.memberSilentAfterMinutes}: required by the fleet watch`,
    );
  }
  return { ...settings, memberSilentAfterMinutes };
}

/** The inverse, used by the hub stack: validates first, so a bad value fails at synth rather than at cold start. */
export function hubSettingsToEnvironment(settings: HubSettingsInput): Record<string, string> {
  const parsed = hubSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`,
    );
    throw new SettingsError(`Invalid fleet hub settings: ${problems.join('; ')}`);
  }
  return codec.toEnvironment(parsed.data);
}

import { envCodec, SettingsError } from '../env-codec';
import * as z from '../zod';

export { SettingsError };

/**
 * Member mode (docs/organizations.md): with a hub event bus in the environment, the checkers send each
 * run's report there and keep no ledger, topic or finding events of their own. The stack writes it with
 * `memberSettingsToEnvironment` (from the template parameter `HubEventBusArn`); absent, the function runs as
 * before (single mode, or the hub's own checkers).
 */
export const HUB_EVENT_BUS_VARIABLE = 'TMC_HEALTH_HUB_EVENT_BUS';

/** `arn:<partition>:events:<region>:<account>:event-bus/<name>`: PutEvents to another account needs the ARN. */
export const EVENT_BUS_ARN_PATTERN =
  /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

export const memberSettingsSchema = z.strictObject({
  hubEventBusArn: z.optional(
    z
      .string()
      .check(
        z.regex(
          EVENT_BUS_ARN_PATTERN,
          'must be an event bus ARN, arn:aws:events:<region>:<account>:event-bus/<name>',
        ),
      ),
  ),
});

export type MemberSettings = z.infer<typeof memberSettingsSchema>;

const codec = envCodec({
  schema: memberSettingsSchema,
  variables: { hubEventBusArn: HUB_EVENT_BUS_VARIABLE },
  listKeys: [],
  numberKeys: [],
  label: 'member settings',
});

/** Throws SettingsError naming the variable when it is set but not an event bus ARN; empty counts as absent. */
export function memberSettingsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): MemberSettings {
  return codec.fromEnvironment(env);
}

/** The inverse, for the stack: `{}` when there is no hub (the variable is then left out). */
export function memberSettingsToEnvironment(settings: MemberSettings): Record<string, string> {
  return codec.toEnvironment(settings);
}

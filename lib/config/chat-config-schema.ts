import { z } from 'zod';

/**
 * The chat channels' configuration keys (docs/chat.md): a Slack channel, a Microsoft Teams channel, or both, that
 * AWS Chatbot (Amazon Q Developer in chat applications) posts one thread per finding to. Off unless set. The
 * workspace (Slack) or tenant (Teams) must first be authorized once in the console: no template can do that, the
 * ids come from there.
 *
 * The formats are the CloudFormation resources' (AWS::Chatbot::SlackChannelConfiguration,
 * AWS::Chatbot::MicrosoftTeamsChannelConfiguration) and the Chatbot API's patterns, narrowed to what Slack and
 * Teams actually issue, so a value pasted from the wrong field fails at synth, not at deploy.
 */

/** A Slack workspace (team) id: `T` (or `E` for an Enterprise Grid org), then upper-case letters and digits. */
const SLACK_WORKSPACE_ID = /^[TE][A-Z0-9]{2,254}$/;
/** A Slack channel id: `C` (public) or `G` (private), then upper-case letters and digits. */
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{2,254}$/;
/** A Microsoft Entra (Teams) GUID. */
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** The Chatbot API's pattern for a Teams channel id: URL-encoded, `19%3a...%40thread.tacv2`. */
const TEAMS_CHANNEL_ID = /^[a-zA-Z0-9\-_=+/.,]*%3[aA][a-zA-Z0-9\-_=+/.,]*%40[a-zA-Z0-9\-_=+/.,]*$/;
/** The same id as Teams shows it decoded (`19:...@thread.tacv2`): refused with its encoded form as the fix. */
const TEAMS_CHANNEL_ID_DECODED = /^([a-zA-Z0-9\-_=+/.,]*):([a-zA-Z0-9\-_=+/.,]*)@([a-zA-Z0-9\-_=+/.,]*)$/;

const id = (pattern: RegExp, message: string) =>
  z.string({ error: message }).max(255, { error: message }).regex(pattern, { error: message });

export const chatConfigShape = {
  slackWorkspaceId: id(
    SLACK_WORKSPACE_ID,
    'must be a Slack workspace id such as T0123ABCD (upper-case letters and digits starting with T, or E for ' +
      'an Enterprise Grid org), as the Amazon Q Developer console shows it after you authorize the workspace',
  ).optional(),
  slackChannelId: id(
    SLACK_CHANNEL_ID,
    'must be a Slack channel id such as C0123ABCD (C for a public channel, G for a private one; the end of ' +
      'the link "Copy link" on the channel gives), not the channel name',
  ).optional(),
  teamsTeamId: id(
    GUID,
    'must be the Teams team id, a GUID (00000000-0000-0000-0000-000000000000)',
  ).optional(),
  teamsChannelId: z
    .string({ error: 'must be a string' })
    .max(255, { error: 'must be at most 255 characters' })
    .superRefine((value, ctx) => {
      if (TEAMS_CHANNEL_ID.test(value)) return;
      const decoded = TEAMS_CHANNEL_ID_DECODED.exec(value);
      ctx.addIssue({
        code: 'custom',
        message: decoded
          ? `must be URL-encoded as in the channel's link: write ${decoded[1]}%3a${decoded[2]}%40${decoded[3]}`
          : 'must be the Teams channel id as it appears URL-encoded in the channel link, 19%3a<id>%40thread.tacv2',
      });
    })
    .optional(),
  teamsTenantId: id(
    GUID,
    'must be the Microsoft Entra tenant id, a GUID (00000000-0000-0000-0000-000000000000)',
  ).optional(),
};

export type ChatConfigKey = keyof typeof chatConfigShape;

/** A valid example for each key, for the "how to fix" part of error messages. */
export const CHAT_EXAMPLES = {
  slackWorkspaceId: 'T0123ABCD',
  slackChannelId: 'C0123ABCD',
  teamsTeamId: '2c5e8a4e-1f7b-4c1a-9d3e-6b8f0a2c4d6e',
  teamsChannelId: '19%3a0123456789abcdef0123456789abcdef%40thread.tacv2',
  teamsTenantId: '7d1f3b5a-9c2e-4e6f-8a0b-1c3d5e7f9a2b',
} as const satisfies Record<ChatConfigKey, string>;

/** The keys each chat needs together: a channel is named by all of its ids or none. */
export const CHAT_KEY_GROUPS = {
  slack: ['slackWorkspaceId', 'slackChannelId'],
  teams: ['teamsTeamId', 'teamsChannelId', 'teamsTenantId'],
} as const satisfies Record<string, readonly ChatConfigKey[]>;

type ChatValues = Readonly<Partial<Record<ChatConfigKey, string>>>;

/** The channels a configuration names. */
export interface ChatChannelsConfig {
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  readonly teams?: { readonly teamId: string; readonly channelId: string; readonly tenantId: string };
}

/** The configured channels (after `chatModeProblems` found none incomplete); undefined when none. */
export function chatChannelsOf(config: ChatValues): ChatChannelsConfig | undefined {
  const { slackWorkspaceId, slackChannelId, teamsTeamId, teamsChannelId, teamsTenantId } = config;
  const slack =
    slackWorkspaceId && slackChannelId
      ? { workspaceId: slackWorkspaceId, channelId: slackChannelId }
      : undefined;
  const teams =
    teamsTeamId && teamsChannelId && teamsTenantId
      ? { teamId: teamsTeamId, channelId: teamsChannelId, tenantId: teamsTenantId }
      : undefined;
  if (!slack && !teams) return undefined;
  return { ...(slack ? { slack } : {}), ...(teams ? { teams } : {}) };
}

/**
 * Cross-key rules, run on the parsed configuration like the modes' rules: a channel's ids come together. A member
 * account has no channel (its findings reach the hub's): the modes' rules refuse its chat keys (orgModeProblems).
 */
export function chatModeProblems(
  config: ChatValues & { readonly mode: string },
): { readonly key: string; readonly message: string; readonly remove?: true }[] {
  const problems: { key: string; message: string; remove?: true }[] = [];
  // A member refuses every chat key (org-config-schema.ts, UNUSED_IN): nothing more to say about them.
  if (config.mode === 'member') return problems;
  for (const keys of Object.values(CHAT_KEY_GROUPS)) {
    const set = keys.filter((key) => config[key] !== undefined);
    if (set.length === 0) continue;
    for (const key of keys.filter((name) => config[name] === undefined)) {
      problems.push({
        key,
        message: `is needed with ${set.join(' and ')}: a channel is named by ${keys.join(', ')} together`,
      });
    }
  }
  return problems;
}

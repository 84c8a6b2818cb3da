/**
 * The chat keys' cross-key rules (lib/config/chat-config-schema.ts): a channel's ids come together, a member
 * account has no channel (its findings reach the hub's), and a valid set names the channels the stack builds.
 */
import { ConfigError, loadConfig } from '../../lib/config/config';
import { CHAT_EXAMPLES, chatChannelsOf } from '../../lib/config/chat-config-schema';
import { HUB_BUS_ARN, HUB_CONTEXT } from './helpers';

function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    loadConfig(context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

test.each<[string, Record<string, unknown>, string[]]>([
  ['a Slack workspace without a channel', { slackWorkspaceId: 'T0123ABCD' }, ['slackChannelId']],
  ['a Slack channel without a workspace', { slackChannelId: 'C0123ABCD' }, ['slackWorkspaceId']],
  ['a Teams team alone', { teamsTeamId: CHAT_EXAMPLES.teamsTeamId }, ['teamsChannelId', 'teamsTenantId']],
])('%s: each missing key named, with what it goes with', (_name, context, missing) => {
  const problems = problemsOf(context);
  expect(problems.map((problem) => problem.split(':')[0])).toEqual(missing);
  for (const problem of problems) {
    expect(problem).toMatch(
      /is needed with .*: a channel is named by .* together \(not set\)\. Set it in cdk\.json/,
    );
  }
});

test('mode=member refuses every chat key: chat belongs to the hub', () => {
  const problems = problemsOf({
    mode: 'member',
    hubEventBusArn: HUB_BUS_ARN,
    slackWorkspaceId: 'T0123ABCD',
    slackChannelId: 'C0123ABCD',
  });
  expect(problems).toHaveLength(2);
  for (const problem of problems) {
    expect(problem).toContain('is not used with mode=member: chat belongs to the hub');
    expect(problem).toContain('Fix or remove it in cdk.json');
  }
});

test.each<[string, Record<string, unknown>]>([
  ['single', {}],
  ['hub', HUB_CONTEXT],
])('%s accepts Slack and Teams together', (_mode, context) => {
  const config = loadConfig({ ...context, ...CHAT_EXAMPLES });
  expect(chatChannelsOf(config)).toEqual({
    slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
    teams: {
      teamId: CHAT_EXAMPLES.teamsTeamId,
      channelId: CHAT_EXAMPLES.teamsChannelId,
      tenantId: CHAT_EXAMPLES.teamsTenantId,
    },
  });
});

test('no chat key: no channel', () => {
  expect(chatChannelsOf(loadConfig({}))).toBeUndefined();
});

test.each([
  ['slackWorkspaceId', 'E0123ABCD'],
  ['slackChannelId', 'G0123ABCD'],
  ['teamsChannelId', '19%3A0123abcd%40thread.skype'],
])('%s accepts %s', (key, value) => {
  const companions: Record<string, Record<string, string>> = {
    slackWorkspaceId: { slackChannelId: 'C0123ABCD' },
    slackChannelId: { slackWorkspaceId: 'T0123ABCD' },
    teamsChannelId: { teamsTeamId: CHAT_EXAMPLES.teamsTeamId, teamsTenantId: CHAT_EXAMPLES.teamsTenantId },
  };
  expect(problemsOf({ [key]: value, ...companions[key] })).toEqual([]);
});

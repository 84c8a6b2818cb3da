/**
 * The chat channels (docs/chat.md): with a Slack or Teams channel configured, the stack defines the channel
 * configuration, the chat topic it is subscribed to, a channel role that may do nothing and a guardrail that caps
 * every channel member at one read of that topic; the lifecycle's functions may publish there and nowhere else.
 * Without chat keys nothing of it exists (the snapshot test keeps the rest of the template as it was).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { CHAT_EXAMPLES } from '../../lib/config/chat-config-schema';
import { LIFECYCLE_ENV } from '../../lambdas/core/lifecycle/settings';
import { actionsOf, allPolicyStatements, HUB_CONTEXT, resourceOf, synth, synthApp } from './helpers';
import {
  expectExplicitActions,
  expectKmsOnlyOnTopicKeyViaSns,
  expectNoParameterReads,
  identityAllowsOf,
} from './iam-assertions';

const SLACK = {
  slackWorkspaceId: CHAT_EXAMPLES.slackWorkspaceId,
  slackChannelId: CHAT_EXAMPLES.slackChannelId,
};
const TEAMS = {
  teamsTeamId: CHAT_EXAMPLES.teamsTeamId,
  teamsChannelId: CHAT_EXAMPLES.teamsChannelId,
  teamsTenantId: CHAT_EXAMPLES.teamsTenantId,
};

const chatTopicRef = { Ref: Match.stringLikeRegexp('^ChatTopic[0-9A-F]{8}$') };

describe('with a Slack channel', () => {
  const { template } = synth(SLACK);

  test('defines the Slack channel configuration on the chat topic, errors logged, no user role', () => {
    const slack = resourceOf(template, 'AWS::Chatbot::SlackChannelConfiguration', 'ChatSlack');
    expect(slack.Properties).toMatchObject({
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      LoggingLevel: 'ERROR',
      UserRoleRequired: false,
      ConfigurationName: 'TmcHealthChecker-slack',
    });
    expect(slack.Properties.SnsTopicArns).toEqual([
      { Ref: expect.stringMatching(/^ChatTopic[0-9A-F]{8}$/) as unknown },
    ]);
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
  });

  test('the chat topic is its own, encrypted with the findings topic key, TLS only', () => {
    const topic = resourceOf(template, 'AWS::SNS::Topic', 'ChatTopic');
    expect(topic.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^NotificationsTopicKey[0-9A-F]{8}$/), 'Arn'],
    });
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [chatTopicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('guardrail: a policy of ours allowing one read of the chat topic, attached to no role', () => {
    const slack = resourceOf(template, 'AWS::Chatbot::SlackChannelConfiguration', 'ChatSlack');
    const guardrail = resourceOf(template, 'AWS::IAM::ManagedPolicy', 'ChatGuardrail');
    expect(slack.Properties.GuardrailPolicies).toEqual([
      { Ref: expect.stringMatching(/^ChatGuardrail/) as unknown },
    ]);
    expect(guardrail.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadTheChatTopicOnly',
          Effect: 'Allow',
          Action: 'sns:GetTopicAttributes',
          Resource: chatTopicRefJson(template),
        },
      ],
    });
    expect(guardrail.Properties.Roles).toBeUndefined();
    expect(guardrail.Properties.Users).toBeUndefined();
    expect(guardrail.Properties.Groups).toBeUndefined();
    // Without a guardrail AWS applies AdministratorAccess: an AWS managed policy must never be the cap.
    expect(JSON.stringify(slack.Properties.GuardrailPolicies)).not.toContain('arn:aws:iam::aws:policy');
  });

  test('the channel role is assumed by AWS Chatbot only and holds no permission at all', () => {
    const role = resourceOf(template, 'AWS::IAM::Role', 'ChatChannelRole');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
      ],
    });
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    const attached = allPolicyStatements(template).filter(
      (found) =>
        found.type === 'AWS::IAM::Policy' &&
        JSON.stringify(template.toJSON().Resources[found.logicalId]).includes('ChatChannelRole'),
    );
    expect(attached).toEqual([]);
  });

  test('both checkers get the chat topic and sns:Publish on it; nothing else may publish there', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, unknown> } };
    }[];
    const withChat = functions.filter(
      (fn) => fn.Properties.Environment?.Variables?.[LIFECYCLE_ENV.chatTopicArn] !== undefined,
    );
    expect(withChat).toHaveLength(2);
    for (const fn of withChat) {
      expect(fn.Properties.Environment?.Variables?.[LIFECYCLE_ENV.chatTopicArn]).toEqual(
        chatTopicRefJson(template),
      );
    }
    const publishers = identityAllowsOf(template).filter(
      (found) =>
        actionsOf(found.statement).includes('sns:Publish') &&
        JSON.stringify(found.statement.Resource) === JSON.stringify(chatTopicRefJson(template)),
    );
    expect(publishers.map((found) => found.statement.Sid)).toEqual([
      'PublishChatNotifications',
      'PublishChatNotifications',
    ]);
    for (const found of publishers) expect(actionsOf(found.statement)).toEqual(['sns:Publish']);
  });

  test('least privilege holds: no wildcard action, no parameter read, KMS only on the topic key through SNS', () => {
    expectExplicitActions(template);
    expectNoParameterReads(template);
    expectKmsOnlyOnTopicKeyViaSns(template);
  });

  test('outputs the chat topic', () => {
    template.hasOutput('ChatTopicArn', { Value: chatTopicRef });
  });
});

test('a Teams channel: its configuration with the team, the URL-encoded channel and the tenant', () => {
  const { template } = synth(TEAMS);
  const teams = resourceOf(template, 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 'ChatTeams');
  expect(teams.Properties).toMatchObject({
    TeamId: TEAMS.teamsTeamId,
    TeamsChannelId: TEAMS.teamsChannelId,
    TeamsTenantId: TEAMS.teamsTenantId,
    UserRoleRequired: false,
  });
  expect(teams.Properties.GuardrailPolicies).toEqual([
    { Ref: expect.stringMatching(/^ChatGuardrail/) as unknown },
  ]);
  template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
});

test('with an existing findings topic the chat topic gets a key of its own, granted through SNS only', () => {
  const { template } = synth({ ...SLACK, existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:tmc-health' });
  const topic = resourceOf(template, 'AWS::SNS::Topic', 'ChatTopic');
  expect(topic.Properties.KmsMasterKeyId).toEqual({
    'Fn::GetAtt': [expect.stringMatching(/^ChatTopicKey[0-9A-F]{8}$/), 'Arn'],
  });
  const kms = identityAllowsOf(template).filter(
    (found) => found.statement.Sid === 'EncryptChatNotifications',
  );
  expect(kms).toHaveLength(2);
  for (const { statement } of kms) {
    expect(actionsOf(statement).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(statement.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
  }
});

test('without chat keys: no channel, no chat topic, no chat variable', () => {
  const { template } = synth({});
  template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
  template.resourceCountIs('AWS::SNS::Topic', 1);
  expect(JSON.stringify(template.toJSON())).not.toContain(LIFECYCLE_ENV.chatTopicArn);
});

test('the hub: one channel for the organization, published to by the fleet intake and watch; the member template has none', () => {
  const app = synthApp({ ...HUB_CONTEXT, ...SLACK });
  if (!app.hub) throw new Error('expected a hub stack');
  const hub = app.templateOf(app.hub);
  hub.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
  const functions = Object.entries(hub.findResources('AWS::Lambda::Function')) as [
    string,
    { Properties: { Environment?: { Variables?: Record<string, unknown> } } },
  ][];
  const withChat = functions
    .filter(([, fn]) => fn.Properties.Environment?.Variables?.[LIFECYCLE_ENV.chatTopicArn] !== undefined)
    .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
  expect(withChat.sort()).toEqual(['IntakeFunction', 'WatchFunction'].sort());
  const member = JSON.stringify(app.templateOf(app.hub.memberTemplate).toJSON());
  expect(member).not.toContain('AWS::Chatbot');
  expect(member).not.toContain(LIFECYCLE_ENV.chatTopicArn);
});

function chatTopicRefJson(template: ReturnType<typeof synth>['template']): { Ref: string } {
  const [id] = Object.keys(template.findResources('AWS::SNS::Topic')).filter((key) =>
    key.startsWith('ChatTopic'),
  );
  if (!id) throw new Error('no chat topic');
  return { Ref: id };
}

import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LIFECYCLE_ENV } from '../../lambdas/core/lifecycle/settings';
import type { ChatChannelsConfig } from '../config/chat-config-schema';
import { acknowledgeTopicKeyGrant } from '../permissions/nag-acknowledgements';
import type { CheckerFunction } from './checker-function';
import { addStackOutputs } from './stack-outputs';

export interface ChatChannelsProps {
  /** The Slack channel, the Teams channel, or both (`chatChannelsOf`). */
  readonly channels: ChatChannelsConfig;
  /**
   * The key encrypting the chat topic: the findings topic's, so the publishers' existing KMS grant covers it.
   * @default - a key of its own (the findings topic is an existing one, whose key is not ours)
   */
  readonly key?: kms.IKey;
}

/**
 * Where on-call engineers talk (docs/chat.md): a topic of its own that the lifecycle publishes one Amazon Q
 * Developer custom notification per finding change to, and the AWS Chatbot channel configurations (Slack, Teams)
 * subscribed to it. The channels can do nothing in the account: their role has no permission at all and their
 * guardrail, which caps whatever role a channel member brings, allows one read of the chat topic itself (without
 * a guardrail AWS applies AdministratorAccess). Outputs `ChatTopicArn`.
 *
 * The workspace or tenant must be authorized once in the console before deploying: no template can do it.
 */
export class ChatChannels extends Construct {
  readonly topic: sns.Topic;
  /** The key this construct created; undefined when it uses the findings topic's. */
  readonly ownKey?: kms.Key;
  readonly channelRole: iam.Role;
  readonly guardrail: iam.ManagedPolicy;
  readonly slack?: chatbot.CfnSlackChannelConfiguration;
  readonly teams?: chatbot.CfnMicrosoftTeamsChannelConfiguration;

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (props.key === undefined) {
      this.ownKey = new kms.Key(this, 'TopicKey', {
        description: 'Encrypts the TMC health chat topic (one custom notification per finding change)',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(30),
      });
    }
    const key = props.key ?? this.ownKey;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'TMC health chat',
      masterKey: key,
      enforceSSL: true,
    });
    this.channelRole = new iam.Role(this, 'ChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description:
        'TMC health chat channels: Amazon Q Developer posts the custom notifications, which need no permission',
    });
    this.guardrail = new iam.ManagedPolicy(this, 'Guardrail', {
      description:
        'Caps what anyone can do from the TMC health chat channels: read the chat topic, nothing else',
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadTheChatTopicOnly',
          actions: ['sns:GetTopicAttributes'],
          resources: [this.topic.topicArn],
        }),
      ],
    });
    const common = {
      iamRoleArn: this.channelRole.roleArn,
      guardrailPolicies: [this.guardrail.managedPolicyArn],
      snsTopicArns: [this.topic.topicArn],
      loggingLevel: 'ERROR',
      userRoleRequired: false,
    };
    const { slack, teams } = props.channels;
    if (slack) {
      this.slack = new chatbot.CfnSlackChannelConfiguration(this, 'Slack', {
        ...common,
        configurationName: `${stack.stackName}-slack`.slice(0, 128),
        slackWorkspaceId: slack.workspaceId,
        slackChannelId: slack.channelId,
      });
    }
    if (teams) {
      this.teams = new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        ...common,
        configurationName: `${stack.stackName}-teams`.slice(0, 128),
        teamId: teams.teamId,
        teamsChannelId: teams.channelId,
        teamsTenantId: teams.tenantId,
      });
    }
    addStackOutputs(this, {
      ChatTopicArn: [this.topic.topicArn, 'SNS topic the chat channels get one thread per finding from'],
    });
  }

  /**
   * Lets a function that runs the lifecycle publish here: the topic in its environment, `sns:Publish` on it, and
   * with a key of its own, that key through SNS only (the findings topic's key is already granted).
   */
  publishFrom(checker: CheckerFunction): void {
    checker.function.addEnvironment(LIFECYCLE_ENV.chatTopicArn, this.topic.topicArn);
    checker.grant([
      new iam.PolicyStatement({
        sid: 'PublishChatNotifications',
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
      ...(this.ownKey
        ? [
            new iam.PolicyStatement({
              sid: 'EncryptChatNotifications',
              actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
              resources: [this.ownKey.keyArn],
              conditions: { StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` } },
            }),
          ]
        : []),
    ]);
    if (this.ownKey) acknowledgeTopicKeyGrant(checker.role);
  }
}

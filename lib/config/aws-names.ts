import { z } from 'zod';
import {
  AWS_NAME_MESSAGES,
  isEventBus,
  isKnownRegion,
  isStandardTopic,
  partitionOf,
  TOPIC_ARN_PATTERN,
} from '../../lambdas/core/aws-names';

export { partitionOf };

/**
 * The AWS names the configuration takes (regions, the SNS topic, the event bus), with the rules and messages
 * `cdk synth` applies, as full-zod schemas for the config schemas. The rules, the messages and the table of known
 * regions live in lambdas/core/aws-names.ts, where the CLI validates its --region, --topic-arn and --event-bus with
 * the same rules (zod/mini), so a value the CLI accepts also deploys (test/unit/aws-names.test.ts compares both).
 */

export const region = z.string({ error: AWS_NAME_MESSAGES.regionNotString }).refine(isKnownRegion, {
  error: (issue) => AWS_NAME_MESSAGES.unknownRegion(issue.input),
});

export const topicArn = z
  .string({ error: AWS_NAME_MESSAGES.notString })
  .regex(TOPIC_ARN_PATTERN, { error: AWS_NAME_MESSAGES.topicArn })
  .refine(isStandardTopic, { error: AWS_NAME_MESSAGES.fifoTopic });

export const eventBus = z
  .string({ error: AWS_NAME_MESSAGES.notString })
  .refine(isEventBus, { error: AWS_NAME_MESSAGES.eventBus });

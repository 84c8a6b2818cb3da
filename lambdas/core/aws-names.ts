import { AWS_REGION_PARTITIONS } from './aws-regions';
import * as z from './zod';

/**
 * The AWS names the configuration and the CLI take (regions, the SNS topic, the event bus): the rules and their
 * messages, once. `cdk synth` applies them through lib/config/aws-names.ts (full zod, for the config schemas);
 * the CLI validates --region, --topic-arn and --event-bus with the zod/mini schemas below, so a value the CLI
 * accepts also deploys. The known regions come from lambdas/core/aws-regions.ts, generated from aws-cdk-lib's
 * RegionInfo, so neither needs aws-cdk-lib at run time.
 */

const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]{2,4})?-[a-z]+-[1-9]\d?$/;
const ACCOUNT = '\\d{12}';
const PARTITION = 'aws(-[a-z]+)*';
export const TOPIC_ARN_PATTERN = new RegExp(
  `^arn:${PARTITION}:sns:[a-z0-9-]+:${ACCOUNT}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$`,
);
const BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const BUS_ARN = new RegExp(
  `^arn:${PARTITION}:events:[a-z0-9-]+:${ACCOUNT}:event-bus/[A-Za-z0-9._\\-/]{1,256}$`,
);

/** The messages, shared by both builds of each schema. */
export const AWS_NAME_MESSAGES = {
  regionNotString: 'each region must be a string',
  unknownRegion: (input: unknown) => `"${String(input)}" is not a known AWS region (e.g. eu-west-1)`,
  notString: 'must be a string',
  topicArn: 'must be an SNS topic ARN: arn:aws:sns:<region>:<12-digit account id>:<name>',
  fifoTopic:
    'FIFO topics are not supported (the checker publishes without a message group, and email cannot subscribe)',
  eventBus:
    'must be an event bus name or an ARN: arn:aws:events:<region>:<12-digit account id>:event-bus/<name>',
} as const;

/** The partition of a known region (aws, aws-cn, aws-us-gov, ...); undefined for any other name. */
export function partitionOf(name: string): string | undefined {
  return Object.hasOwn(AWS_REGION_PARTITIONS, name) ? AWS_REGION_PARTITIONS[name] : undefined;
}

export const isKnownRegion = (name: string): boolean =>
  REGION_PATTERN.test(name) && partitionOf(name) !== undefined;
export const isStandardTopic = (arn: string): boolean => !arn.endsWith('.fifo');
export const isEventBus = (bus: string): boolean => BUS_NAME.test(bus) || BUS_ARN.test(bus);

export const region = z.string({ error: AWS_NAME_MESSAGES.regionNotString }).check(
  z.refine(isKnownRegion, {
    error: (issue) => AWS_NAME_MESSAGES.unknownRegion(issue.input),
  }),
);

export const topicArn = z
  .string({ error: AWS_NAME_MESSAGES.notString })
  .check(
    z.regex(TOPIC_ARN_PATTERN, { error: AWS_NAME_MESSAGES.topicArn }),
    z.refine(isStandardTopic, { error: AWS_NAME_MESSAGES.fifoTopic }),
  );

export const eventBus = z
  .string({ error: AWS_NAME_MESSAGES.notString })
  .check(z.refine(isEventBus, { error: AWS_NAME_MESSAGES.eventBus }));

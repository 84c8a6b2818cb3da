import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';

/**
 * The AWS names the configuration takes (regions, the SNS topic, the event bus), with the rules and messages
 * `cdk synth` applies; the CLI validates its --region, --topic-arn and --event-bus with the same schemas, so a
 * value the CLI accepts also deploys.
 */

const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]{2,4})?-[a-z]+-[1-9]\d?$/;
const ACCOUNT = '\\d{12}';
const PARTITION = 'aws(-[a-z]+)*';
const TOPIC_ARN = new RegExp(`^arn:${PARTITION}:sns:[a-z0-9-]+:${ACCOUNT}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$`);
const BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const BUS_ARN = new RegExp(
  `^arn:${PARTITION}:events:[a-z0-9-]+:${ACCOUNT}:event-bus/[A-Za-z0-9._\\-/]{1,256}$`,
);

export const region = z
  .string({ error: 'each region must be a string' })
  .refine((name) => REGION_PATTERN.test(name) && RegionInfo.regions.some((known) => known.name === name), {
    error: (issue) => `"${String(issue.input)}" is not a known AWS region (e.g. eu-west-1)`,
  });

/** The partition of a known region (aws, aws-cn, aws-us-gov, ...). */
export function partitionOf(name: string): string | undefined {
  return RegionInfo.get(name).partition;
}

export const topicArn = z
  .string({ error: 'must be a string' })
  .regex(TOPIC_ARN, {
    error: 'must be an SNS topic ARN: arn:aws:sns:<region>:<12-digit account id>:<name>',
  })
  .refine((arn) => !arn.endsWith('.fifo'), {
    error:
      'FIFO topics are not supported (the checker publishes without a message group, and email cannot subscribe)',
  });

export const eventBus = z
  .string({ error: 'must be a string' })
  .refine((bus) => BUS_NAME.test(bus) || BUS_ARN.test(bus), {
    error:
      'must be an event bus name or an ARN: arn:aws:events:<region>:<12-digit account id>:event-bus/<name>',
  });

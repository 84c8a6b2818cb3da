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

/** A named IAM role or user (with its path): not an account root, not a session. */
export const NAMED_PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

/**
 * The account a principal names as a whole (a 12-digit account id or an account root ARN), trusting every
 * principal of it; undefined for anything else.
 */
export function wholeAccountOf(principal: string): string | undefined {
  return /^\d{12}$/.test(principal) ? principal : /^arn:[\w-]+:iam::(\d{12}):root$/.exec(principal)?.[1];
}

/** A role or user ARN a trust policy may name, refusing whole accounts with the fix. */
export const namedPrincipalArn = z.string({ error: AWS_NAME_MESSAGES.notString }).check((ctx) => {
  const principal = ctx.value;
  if (NAMED_PRINCIPAL_ARN.test(principal)) return;
  const account = wholeAccountOf(principal);
  ctx.issues.push({
    code: 'custom',
    input: principal,
    message:
      account === undefined
        ? `"${principal}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)`
        : `"${principal}" trusts every principal of account ${account}: name the role that runs tmc-health ` +
          `instead (arn:aws:iam::${account}:role/<name>)`,
  });
});

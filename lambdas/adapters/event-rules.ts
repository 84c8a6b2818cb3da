import {
  DescribeRuleCommand,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  type DescribeRuleCommandOutput,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import type {
  ComponentFailure,
  EventRuleTarget,
  Observed,
  TaggedRule,
  UnreadResource,
  VanishedResource,
} from '../core/inventory';
import { parseArn, type RuleRef } from './arn';
import type { CallLog } from './gather-call-log';
import { mapWithConcurrency } from './gather-concurrency';
import { forEachPage, MalformedResponseError, requiredList } from './pagination';
import type { TaggedRuleRef } from './tagging';

export const RULE_READ_CONCURRENCY = 4;
const DEFAULT_BUS = 'default';

export interface CredentialRuleInput {
  readonly credentialName: string;
  readonly taggedRules: readonly TaggedRuleRef[];
  /** The credential's tagged function ARNs: where to look for rules that lost their tag (or were never listed). */
  readonly functionArns: readonly string[];
}

export interface RuleReadResult {
  readonly rules: TaggedRule[];
  readonly vanished: VanishedResource[];
  readonly componentFailures: ComponentFailure[];
  /** Tagged rules DescribeRule could not read. */
  readonly unread: UnreadResource[];
}

interface Context {
  readonly client: EventBridgeClient;
  readonly log: CallLog;
}

export async function readRules(
  client: EventBridgeClient,
  log: CallLog,
  credentials: readonly CredentialRuleInput[],
): Promise<RuleReadResult> {
  const perCredential = await mapWithConcurrency(credentials, RULE_READ_CONCURRENCY, (input) =>
    readCredentialRules({ client, log }, input),
  );
  return {
    rules: perCredential.flatMap((result) => result.rules),
    vanished: perCredential.flatMap((result) => result.vanished),
    componentFailures: perCredential.flatMap((result) => result.componentFailures),
    unread: perCredential.flatMap((result) => result.unread),
  };
}

async function readCredentialRules(ctx: Context, input: CredentialRuleInput): Promise<RuleReadResult> {
  const result: RuleReadResult = { rules: [], vanished: [], componentFailures: [], unread: [] };
  const { credentialName } = input;
  const seen = new Set<string>();
  let unreadable = false;
  for (const ref of input.taggedRules) {
    const described = await describe(ctx, ref, ref.arn);
    if (!described.ok) {
      unreadable = true;
      result.componentFailures.push({ credentialName, kind: 'rules', failure: described.failure });
      result.unread.push({
        credentialName,
        arn: ref.arn,
        name: ref.name,
        resourceType: 'events:rule',
        failure: described.failure,
      });
    } else if (described.value === undefined) {
      result.vanished.push({ credentialName, arn: ref.arn, resourceType: 'events:rule' });
    } else if (!seen.has(ruleKey(ref))) {
      seen.add(ruleKey(ref));
      result.rules.push(await toTaggedRule(ctx, credentialName, 'tag', ref, ref.arn, described.value));
    }
  }
  // Fall back only when no tagged rule is known to exist; a rule we failed to read is already an error.
  if (result.rules.length > 0 || unreadable) return result;
  for (const ref of await rulesTargeting(ctx, input, result)) {
    if (seen.has(ruleKey(ref))) continue;
    seen.add(ruleKey(ref));
    // A rule on the default bus has a known ARN: a failed read then concerns this rule only, and its checks
    // stay (as ERROR) under the id they have when it can be read, rather than vanish as if it were gone.
    const knownArn = fallbackRuleArn(input.functionArns[0], ref);
    const described = await describe(ctx, ref, knownArn);
    if (!described.ok) {
      result.componentFailures.push({ credentialName, kind: 'rules', failure: described.failure });
      result.unread.push({
        credentialName,
        arn: knownArn,
        name: ref.name,
        resourceType: 'events:rule',
        failure: described.failure,
      });
    } else if (described.value !== undefined) {
      const arn = described.value.Arn ?? knownArn;
      result.rules.push(await toTaggedRule(ctx, credentialName, 'target', ref, arn, described.value));
    }
  }
  return result;
}

/** Rule names on the default bus (where TMC creates them) that target any of the credential's functions. */
async function rulesTargeting(
  ctx: Context,
  input: CredentialRuleInput,
  result: RuleReadResult,
): Promise<RuleRef[]> {
  // One lookup per function (TMC makes two), sent at once: each is one round trip on the region's critical path.
  const lookups = await Promise.all(input.functionArns.map((functionArn) => listRuleNames(ctx, functionArn)));
  const refs: RuleRef[] = [];
  for (const listed of lookups) {
    if (!listed.ok) {
      result.componentFailures.push({
        credentialName: input.credentialName,
        kind: 'rules',
        failure: listed.failure,
      });
      continue;
    }
    refs.push(...listed.value.map((name) => ({ name, eventBusName: DEFAULT_BUS })));
  }
  return refs;
}

function listRuleNames(ctx: Context, functionArn: string): Promise<Observed<string[]>> {
  return ctx.log.run(
    'events',
    'ListRuleNamesByTarget',
    async () => {
      const names: string[] = [];
      await forEachPage(
        'ListRuleNamesByTarget',
        (token) =>
          ctx.client.send(new ListRuleNamesByTargetCommand({ TargetArn: functionArn, NextToken: token })),
        (page) => page.NextToken,
        (page) => names.push(...requiredList('ListRuleNamesByTarget', 'RuleNames', page.RuleNames)),
      );
      return names;
    },
    { resourceArn: functionArn },
  );
}

function describe(
  ctx: Context,
  ref: RuleRef,
  resourceArn: string | undefined,
): Promise<Observed<DescribeRuleCommandOutput | undefined>> {
  return ctx.log.runFindable(
    'events',
    'DescribeRule',
    async () => {
      const output = await ctx.client.send(
        new DescribeRuleCommand({ Name: ref.name, EventBusName: busParameter(ref) }),
      );
      // Without a State the rule's health is unknown: not "disabled" (a false alarm), not enabled either.
      if (!output.State) {
        throw new MalformedResponseError('DescribeRule', `no State for rule ${ref.name}`);
      }
      return output;
    },
    resourceArn === undefined ? {} : { resourceArn },
  );
}

async function toTaggedRule(
  ctx: Context,
  credentialName: string,
  discoveredBy: TaggedRule['discoveredBy'],
  ref: RuleRef,
  arn: string,
  described: DescribeRuleCommandOutput,
): Promise<TaggedRule> {
  const targets = await listTargets(ctx, ref, arn);
  return {
    credentialName,
    arn,
    name: ref.name,
    eventBusName: ref.eventBusName,
    discoveredBy,
    state: described.State as string,
    ...(described.ScheduleExpression ? { scheduleExpression: described.ScheduleExpression } : {}),
    targets,
  };
}

function listTargets(ctx: Context, ref: RuleRef, arn: string): Promise<Observed<readonly EventRuleTarget[]>> {
  return ctx.log.run(
    'events',
    'ListTargetsByRule',
    async () => {
      const targets: EventRuleTarget[] = [];
      await forEachPage(
        'ListTargetsByRule',
        (token) =>
          ctx.client.send(
            new ListTargetsByRuleCommand({
              Rule: ref.name,
              EventBusName: busParameter(ref),
              NextToken: token,
            }),
          ),
        (page) => page.NextToken,
        (page) => {
          for (const target of requiredList('ListTargetsByRule', 'Targets', page.Targets))
            targets.push({ id: target.Id ?? '', arn: target.Arn ?? '' });
        },
      );
      return targets;
    },
    { resourceArn: arn },
  );
}

/** Omitted for the default bus, which every API treats as the default anyway. */
function busParameter(ref: RuleRef): string | undefined {
  return ref.eventBusName === DEFAULT_BUS ? undefined : ref.eventBusName;
}

function ruleKey(ref: RuleRef): string {
  return `${ref.eventBusName}/${ref.name}`;
}

/** DescribeRule always returns Arn on AWS; this only covers emulators that omit it. */
function fallbackRuleArn(functionArn: string | undefined, ref: RuleRef): string {
  const parsed = functionArn === undefined ? undefined : parseArn(functionArn);
  if (parsed === undefined) return `rule/${ref.name}`;
  return `arn:${parsed.partition}:events:${parsed.region}:${parsed.accountId}:rule/${ref.name}`;
}

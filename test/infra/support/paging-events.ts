/**
 * What the paging rules of a synthesized template do with a finding event, without AWS: the events come from the
 * real lifecycle (planTransitions) through the real publisher's entry (findingToEntry), each rule's pattern is
 * matched, and each target's input transformer is rendered the way the EventBridge guide documents it
 * ("Amazon EventBridge input transformation"):
 *
 * - a variable written bare (`"k": <v>`) is replaced by the JSON value at its path, as it was in the event
 *   ("Simple JSON": `"instance": <instance>` gives `"instance": "i-0123456789"`);
 * - a variable inside quotes is replaced by the value's text, not escaped ("EventBridge doesn't escape values
 *   extracted by Input Path, when populating the Input Template for a target"), which is how a hostile value
 *   would break out of its string;
 * - a path missing from the event creates no variable: its placeholder is left empty.
 *
 * This is a model of the documented behaviour, not EventBridge: the console's sandbox ("Test the input
 * transformer") is the check against the real thing (docs/paging.md).
 */
import { createHash } from 'node:crypto';
import type { Template } from 'aws-cdk-lib/assertions';
import { findingToEntry } from '../../../lambdas/adapters/publish-eventbridge';
import type { Finding, Severity, Status } from '../../../lambdas/core/finding';
import type { LedgerEntry, LifecycleFinding } from '../../../lambdas/core/lifecycle/types';
import { plannedTransition } from '../../fixtures/planned-transition';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const HUB_ACCOUNT = '123456789012';
export const MEMBER_ACCOUNT = '210987654321';
const REGION = 'us-west-2';
const EARLIER = '2026-11-21T10:00:00.000Z';
const NOW = new Date('2026-11-22T12:00:00.000Z');

/** A finding of the data-sync check, as the credential check builds it (`extra` overrides any field). */
export function sampleFinding(status: Status, severity: Severity, extra: Partial<Finding> = {}): Finding {
  const accountId = extra.accountId ?? HUB_ACCOUNT;
  return {
    schemaVersion: '1.0',
    findingId: createHash('md5').update(`${accountId}:prod-eks-data-sync`).digest('hex'),
    checkId: 'tmc.lambda.not-invoked',
    status,
    severity: status === 'PASS' ? 'INFORMATIONAL' : severity,
    title: 'data-sync Lambda not running',
    message: 'prod-eks-data-sync (credential prod-eks) was not invoked in the last 30 minutes.',
    accountId,
    region: REGION,
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:${REGION}:${accountId}:function:prod-eks-data-sync`,
      name: 'prod-eks-data-sync',
    },
    tmc: { credentialName: 'prod-eks', component: 'data-sync' },
    evidence: { invocations: 0, windowMinutes: 30 },
    remediation: {
      text: '1. Look at the other findings first.',
      whoCanFix: 'AWS account administrator.',
      runbookUrl: 'docs/checks.md#tmc-lambda-not-invoked',
    },
    observedAt: NOW.toISOString(),
    ...extra,
  };
}

function openEntry(finding: Finding, severity: Severity): LedgerEntry {
  return {
    findingId: finding.findingId,
    open: true,
    status: 'FAIL',
    severity,
    firstObservedAt: EARLIER,
    lastObservedAt: EARLIER,
    occurrenceCount: 3,
    lastNotifiedAt: EARLIER,
    sequence: 1,
    absentRuns: 0,
    finding: { ...finding, status: 'FAIL', severity },
  };
}

function planned(finding: Finding, previous?: LedgerEntry): LifecycleFinding {
  return plannedTransition(finding, NOW, previous);
}

/** The event EventBridge holds once the publisher put this finding (`account`: who put it). */
export function eventOf(detail: LifecycleFinding | Finding, account = HUB_ACCOUNT): JsonObject {
  const entry = findingToEntry(detail, 'default');
  return JSON.parse(
    JSON.stringify({
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account,
      time: NOW.toISOString(),
      region: REGION,
      resources: entry.Resources,
      detail: JSON.parse(entry.Detail ?? '{}') as Json,
    }),
  ) as JsonObject;
}

/**
 * One finding's life as the lifecycle publishes it: OPENED at `opened` severity, ESCALATED to `escalated`, then
 * RESOLVED. `extra` goes into every observation (a hostile title, a member's account).
 */
export function lifeOf(
  opened: Severity,
  escalated: Severity,
  extra: Partial<Finding> = {},
  account = HUB_ACCOUNT,
): { readonly opened: JsonObject; readonly escalated: JsonObject; readonly resolved: JsonObject } {
  const first = sampleFinding('FAIL', opened, extra);
  const worse = sampleFinding('FAIL', escalated, extra);
  const passing = sampleFinding('PASS', 'INFORMATIONAL', extra);
  return {
    opened: eventOf(planned(first), account),
    escalated: eventOf(planned(worse, openEntry(first, opened)), account),
    resolved: eventOf(planned(passing, openEntry(worse, escalated)), account),
  };
}

// ------------------------------------------------------------------------------------ the input transformer

/** The value at an input path (`$.detail.a.b`); undefined when the event has none. */
function valueAt(event: JsonObject, jsonPath: string): Json | undefined {
  if (!jsonPath.startsWith('$.')) throw new Error(`unsupported path ${jsonPath}`);
  let value: Json | undefined = event;
  for (const part of jsonPath.slice(2).split('.')) {
    value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[part] : undefined;
  }
  return value;
}

/** Renders an input transformer against an event, as documented (see the file comment): the target's body, text. */
export function renderTransformer(
  transformer: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string },
  event: JsonObject,
): string {
  const template = transformer.InputTemplate;
  const paths = transformer.InputPathsMap ?? {};
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i]!;
    if (inString && char === '\\') {
      out += char + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '"') inString = !inString;
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (placeholder) {
      const name = placeholder[1]!;
      const path = paths[name];
      if (path === undefined) throw new Error(`the template uses <${name}>, which no input path defines`);
      const value = valueAt(event, path);
      if (value !== undefined) {
        out += inString ? (typeof value === 'string' ? value : JSON.stringify(value)) : JSON.stringify(value);
      }
      i += placeholder[0].length - 1;
      continue;
    }
    out += char;
  }
  return out;
}

// ------------------------------------------------------------------------------------ the rules in a template

interface CfnTarget {
  readonly Id: string;
  readonly Arn: unknown;
  readonly RoleArn?: unknown;
  readonly InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  readonly DeadLetterConfig?: { Arn: unknown };
  readonly RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
}

export interface PagingRule {
  readonly logicalId: string;
  readonly pattern: JsonObject;
  readonly eventBusName?: unknown;
  readonly targets: readonly CfnTarget[];
}

/** Every rule of the template whose logical id starts with `prefix` (the paging recipes: `Paging`). */
export function rulesOf(template: Template, prefix = 'Paging'): PagingRule[] {
  const rules = template.findResources('AWS::Events::Rule') as Record<
    string,
    { Properties: { EventPattern: JsonObject; EventBusName?: unknown; Targets?: CfnTarget[] } }
  >;
  return Object.entries(rules)
    .filter(([id]) => id.startsWith(prefix))
    .map(([logicalId, { Properties }]) => ({
      logicalId,
      pattern: Properties.EventPattern,
      eventBusName: Properties.EventBusName,
      targets: Properties.Targets ?? [],
    }));
}

/** `{Ref: AWS::AccountId}` in a pattern stands for the account that deploys the stack. */
function resolved(condition: Json, account: string): Json {
  if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
    if (condition.Ref === 'AWS::AccountId') return account;
  }
  return condition;
}

/** EventBridge matching for the operators the paging rules use: equality on leaves and `exists`. */
export function matchesPattern(pattern: JsonObject, event: Json | undefined, account: string): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    const value =
      event !== null && typeof event === 'object' && !Array.isArray(event) ? event[key] : undefined;
    if (!Array.isArray(sub)) return matchesPattern(sub as JsonObject, value, account);
    const leaves = value === undefined || (typeof value === 'object' && value !== null) ? [] : [value];
    return sub.some((raw) => {
      const condition = resolved(raw, account);
      if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
        if ('exists' in condition) return leaves.length > 0 === condition.exists;
        throw new Error(`operator ${JSON.stringify(condition)} is not modelled`);
      }
      return (leaves as Json[]).includes(condition);
    });
  });
}

export interface Delivery {
  readonly rule: string;
  /** `pagerduty` (an API destination) or `opsitem` (OpsCenter). */
  readonly kind: 'pagerduty' | 'opsitem';
  /** The body as rendered, text. */
  readonly text: string;
}

function kindOf(arn: unknown): Delivery['kind'] {
  const text = JSON.stringify(arn);
  if (text.includes(':opsitem')) return 'opsitem';
  if (text.includes('Destination')) return 'pagerduty';
  throw new Error(`unknown paging target ${text}`);
}

/** What every paging target of the template receives for this event (`account`: the stack's). */
export function deliveries(template: Template, event: JsonObject, account = HUB_ACCOUNT): Delivery[] {
  return rulesOf(template)
    .filter((rule) => matchesPattern(rule.pattern, event, account))
    .flatMap((rule) =>
      rule.targets.map((target) => {
        if (!target.InputTransformer) throw new Error(`${rule.logicalId} sends the raw event`);
        return {
          rule: rule.logicalId,
          kind: kindOf(target.Arn),
          text: renderTransformer(target.InputTransformer, event),
        };
      }),
    );
}

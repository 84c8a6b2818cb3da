import * as events from 'aws-cdk-lib/aws-events';
import type { PageableSeverity } from '../config/paging-config-schema';

/**
 * What the paging rules hand their targets: EventBridge input transformers written out by hand, so each one's
 * template is exactly what the docs show and the tests render (test/infra/paging.test.ts,
 * test/adversarial/paging-injection.test.ts).
 *
 * The one rule that keeps hostile text out of the structure: **no value from the event is ever placed inside
 * quotes**. EventBridge inserts a variable written bare (`"summary": <title>`) as the JSON value it found, quoted
 * and escaped as it was in the event, but does not escape a value it puts inside quotes
 * (`"summary": "<title>"`): a title with a quote in it would end the string there and write its own keys
 * (docs/paging.md, "Hostile text"). The only quoted variable is the finding id inside the OpsItem's deduplication
 * string, which is 32 hexadecimal characters by construction and by the hub's report schema.
 */

/** An input transformer: the variables (JSON paths into the event) and the template they fill. */
export interface InputTransformer {
  readonly inputPathsMap: Readonly<Record<string, string>>;
  readonly inputTemplate: string;
}

/** A rule target input that is exactly this transformer. */
export class TransformerInput extends events.RuleTargetInput {
  constructor(private readonly transformer: InputTransformer) {
    super();
  }

  override bind(_rule: events.IRule): events.RuleTargetInputProperties {
    return {
      inputPathsMap: { ...this.transformer.inputPathsMap },
      inputTemplate: this.transformer.inputTemplate,
    };
  }
}

/** Fields every finding event carries (finding-schema.json requires them): a bare variable never goes missing. */
const ALWAYS_PRESENT = {
  findingId: '$.detail.findingId',
  checkId: '$.detail.checkId',
  status: '$.detail.status',
  severity: '$.detail.severity',
  title: '$.detail.title',
  message: '$.detail.message',
  accountId: '$.detail.accountId',
  region: '$.detail.region',
  resourceType: '$.detail.resource.type',
  resourceName: '$.detail.resource.name',
  observedAt: '$.detail.observedAt',
  transition: '$.detail.transition',
  idempotencyKey: '$.detail.idempotencyKey',
  runbookUrl: '$.detail.remediation.runbookUrl',
} as const;

const pick = (...keys: (keyof typeof ALWAYS_PRESENT)[]): Record<string, string> =>
  Object.fromEntries(keys.map((key) => [key, ALWAYS_PRESENT[key]]));

/** PagerDuty's four severities for the checker's (CRITICAL, HIGH, MEDIUM, LOW). */
export const PAGER_DUTY_SEVERITY: Readonly<
  Record<PageableSeverity, 'critical' | 'error' | 'warning' | 'info'>
> = {
  CRITICAL: 'critical',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'info',
};

/**
 * A PagerDuty Events v2 `trigger` for an OPENED or ESCALATED finding of `severity` (one rule per severity: an input
 * transformer cannot map values, so the PagerDuty severity is a constant of its rule). `dedup_key` is the finding
 * id, the same for every transition of the finding (its `idempotencyKey` changes with each one), so the ESCALATED
 * trigger and the RESOLVED resolve reach the alert the OPENED trigger opened. The routing key is no part of it:
 * the connection adds it to the body. `links` only with an http(s) runbook base: the default runbook link is a
 * path in this repository, not a URL.
 */
export function pagerDutyTrigger(severity: PageableSeverity, runbookIsUrl: boolean): InputTransformer {
  const links = runbookIsUrl ? ',"links":[{"href":<runbookUrl>,"text":"Runbook"}]' : '';
  return {
    inputPathsMap: pick(
      'findingId',
      'checkId',
      'status',
      'severity',
      'title',
      'message',
      'accountId',
      'region',
      'resourceType',
      'resourceName',
      'observedAt',
      'transition',
      'idempotencyKey',
      'runbookUrl',
    ),
    inputTemplate:
      '{"event_action":"trigger","dedup_key":<findingId>,' +
      `"payload":{"summary":<title>,"source":<resourceName>,"severity":"${PAGER_DUTY_SEVERITY[severity]}",` +
      '"timestamp":<observedAt>,"component":<resourceType>,"group":<accountId>,"class":<checkId>,' +
      '"custom_details":{"findingId":<findingId>,"transition":<transition>,"idempotencyKey":<idempotencyKey>,' +
      '"checkId":<checkId>,"status":<status>,"severity":<severity>,"accountId":<accountId>,"region":<region>,' +
      `"message":<message>,"runbook":<runbookUrl>}}${links}}`,
  };
}

/** A PagerDuty Events v2 `resolve` for a RESOLVED finding: the same `dedup_key` as its trigger. */
export const PAGER_DUTY_RESOLVE: InputTransformer = {
  inputPathsMap: pick('findingId'),
  inputTemplate: '{"event_action":"resolve","dedup_key":<findingId>}',
};

/** OpsCenter's severities ("1" most severe) for the two that create OpsItems. */
export const OPS_ITEM_SEVERITY = { CRITICAL: '1', HIGH: '2' } as const;
export type OpsItemSeverity = keyof typeof OPS_ITEM_SEVERITY;

/**
 * The OpsItem of an OPENED (or ESCALATED) finding of `severity`, in the shape the OpsCenter target takes (the
 * fields of CreateOpsItem, lower camel case). The deduplication string is the finding id: while its OpsItem is
 * open or in progress, OpsCenter creates no second one for the same finding.
 */
export function opsItem(severity: OpsItemSeverity): InputTransformer {
  const data = (name: string, variable: string) =>
    `"${name}":{"type":"SearchableString","value":<${variable}>}`;
  return {
    inputPathsMap: pick(
      'findingId',
      'checkId',
      'title',
      'message',
      'accountId',
      'region',
      'resourceName',
      'transition',
      'idempotencyKey',
      'runbookUrl',
    ),
    inputTemplate:
      '{"title":<title>,"description":<message>,"source":"tmc-health","category":"Availability",' +
      `"severity":"${OPS_ITEM_SEVERITY[severity]}","operationalData":{` +
      '"/aws/dedup":{"type":"SearchableString","value":"{\\"dedupString\\":\\"tmc-health-<findingId>\\"}"},' +
      [
        data('findingId', 'findingId'),
        data('checkId', 'checkId'),
        data('accountId', 'accountId'),
        data('region', 'region'),
        data('resource', 'resourceName'),
        data('transition', 'transition'),
        data('idempotencyKey', 'idempotencyKey'),
        data('runbook', 'runbookUrl'),
      ].join(',') +
      '}}',
  };
}

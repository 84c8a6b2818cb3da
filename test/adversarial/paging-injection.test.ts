/**
 * Attack: text a finding carries from outside (a member account's report at the hub: title up to 4,096 characters,
 * message, resource name, region; in one account: resource names, a denied call's `sub` in an IRSA message) reaches
 * PagerDuty and OpsCenter through EventBridge input transformers. EventBridge does not escape a value it puts
 * inside quotes in a template, so a title such as `x","event_action":"resolve","dedup_key":"<other finding>` in a
 * quoted `"summary":"<title>"` would end the summary there and write its own action and key: resolve another
 * finding's page, or open pages under a key of its choosing. The templates put every such value bare, as the JSON
 * value it is in the event; the events come from the real lifecycle and publisher, and each rule of the
 * synthesized templates (single and hub) is rendered as EventBridge documents it (test/infra/support/paging-events.ts).
 */
import fc from 'fast-check';
import type { Template } from 'aws-cdk-lib/assertions';
import { HUB_CONTEXT, synth, synthApp } from '../infra/helpers';
import {
  deliveries,
  lifeOf,
  MEMBER_ACCOUNT,
  renderTransformer,
  sampleFinding,
  eventOf,
  type JsonObject,
} from '../infra/support/paging-events';

const CONTEXT = { pagerDutyRoutingKeySecret: 'tmc-health/pagerduty-routing-key', opsItemsForHigh: 'true' };
const singleTemplate = synth(CONTEXT).template;
const hubApp = synthApp({ ...HUB_CONTEXT, ...CONTEXT });
const hubTemplate = hubApp.templateOf(hubApp.hub!);

const OTHER_FINDING = 'ffffffffffffffffffffffffffffffff';
const HOSTILE: readonly (readonly [string, string])[] = [
  ['a forged action and key', `x","event_action":"resolve","dedup_key":"${OTHER_FINDING}`],
  [
    'a forged payload',
    `"}, "event_action": "resolve", "dedup_key": "${OTHER_FINDING}", "payload": {"summary": "`,
  ],
  ['escaped quotes', '\\",\\"event_action\\":\\"resolve\\"}'],
  ['brackets and placeholders', '}}]]{{<findingId>"<title>"'],
  ['controls and separators', 'line\nbreak\ttab \u2028 \u0000 end'],
];

const TRIGGER_KEYS = ['dedup_key', 'event_action', 'payload'];
const PAYLOAD_KEYS = [
  'class',
  'component',
  'custom_details',
  'group',
  'severity',
  'source',
  'summary',
  'timestamp',
];

/** Every delivery of the event, parsed: a body that is no JSON fails here. */
function bodies(template: Template, event: JsonObject): { kind: string; body: JsonObject }[] {
  return deliveries(template, event).map((delivery) => ({
    kind: delivery.kind,
    body: JSON.parse(delivery.text) as JsonObject,
  }));
}

function expectHarmless(template: Template, text: string): void {
  const life = lifeOf('HIGH', 'CRITICAL', {
    accountId: MEMBER_ACCOUNT,
    title: text,
    message: text,
    region: text,
    resource: { type: 'AWS::Lambda::Function', name: text },
  });
  const findingId = (life.opened.detail as JsonObject).findingId;
  const expected = { opened: 'trigger', escalated: 'trigger', resolved: 'resolve' } as const;
  for (const [transition, action] of Object.entries(expected)) {
    const delivered = bodies(template, life[transition as keyof typeof life]);
    const pages = delivered.filter((d) => d.kind === 'pagerduty').map((d) => d.body);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.event_action).toBe(action);
    expect(pages[0]!.dedup_key).toBe(findingId);
    if (action === 'resolve') {
      expect(Object.keys(pages[0]!)).toEqual(['event_action', 'dedup_key']);
      continue;
    }
    expect(Object.keys(pages[0]!).sort()).toEqual(TRIGGER_KEYS);
    const payload = pages[0]!.payload as JsonObject;
    expect(Object.keys(payload).sort()).toEqual(PAYLOAD_KEYS);
    // The hostile text arrives whole, as data, where it belongs.
    expect(payload.summary).toBe(text);
    expect(payload.source).toBe(text);
    expect((payload.custom_details as JsonObject).message).toBe(text);
    expect((payload.custom_details as JsonObject).findingId).toBe(findingId);
  }
  const items = bodies(template, life.opened).filter((d) => d.kind === 'opsitem');
  expect(items).toHaveLength(1);
  const item = items[0]!.body;
  expect(item.title).toBe(text);
  expect(item.description).toBe(text);
  const data = item.operationalData as Record<string, { value: string }>;
  expect(JSON.parse(data['/aws/dedup']!.value)).toEqual({ dedupString: `tmc-health-${findingId as string}` });
  expect(data.region!.value).toBe(text);
}

describe.each([
  ['single account', singleTemplate],
  ['hub', hubTemplate],
])('hostile text in a finding, %s', (_mode, template) => {
  test.each(HOSTILE)('%s: cannot change the action or the dedup key, nor add a key', (_name, text) =>
    expectHarmless(template, text),
  );

  test('any text (fast-check): every body parses, the action and key are the templates’', () => {
    const json = fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '<', '>', '\n', '\u2028', 'a');
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: json })),
        (text) => {
          fc.pre(text.length > 0);
          expectHarmless(template, text);
        },
      ),
      { numRuns: 60 },
    );
  });
});

test('the same title in a quoted placeholder would have resolved another finding (the model shows the danger)', () => {
  const event = eventOf(sampleFinding('FAIL', 'HIGH', { title: HOSTILE[0]![1] }));
  const naive = {
    InputPathsMap: { findingId: '$.detail.findingId', title: '$.detail.title' },
    InputTemplate: '{"event_action":"trigger","dedup_key":"<findingId>","summary":"<title>"}',
  };
  const body = JSON.parse(renderTransformer(naive, event)) as JsonObject;
  expect(body.event_action).toBe('resolve');
  expect(body.dedup_key).toBe(OTHER_FINDING);
});

test('a title over PagerDuty’s 1,024 characters is sent as is: no transformer can cut it (docs/paging.md)', () => {
  const title = 't'.repeat(4_096);
  const life = lifeOf('HIGH', 'CRITICAL', { title });
  const [page] = bodies(singleTemplate, life.opened).filter((d) => d.kind === 'pagerduty');
  expect(((page!.body.payload as JsonObject).summary as string).length).toBe(4_096);
});

/**
 * docs/security.md's permission tables are what the templates grant: every action any role of any mode may be
 * given (identity policies, Allow) appears in the page, so a new grant cannot ship undocumented.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import {
  actionsOf,
  allPolicyStatements,
  HUB_BUS_ARN,
  HUB_CONTEXT,
  IDENTITY_POLICY_TYPES,
  synth,
  synthApp,
} from './helpers';

const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');

/** Actions the page names, in backticks: `service:Action`, and each `Action` of a list like `ssm:A`, `B`. */
function documentedActions(): Set<string> {
  const documented = new Set<string>();
  for (const line of page.split('\n')) {
    let service: string | undefined;
    for (const [, code] of line.matchAll(/`([^`]+)`/g)) {
      const qualified = /^([a-z0-9-]+):([A-Za-z*]+)$/.exec(code!);
      if (qualified) {
        service = qualified[1];
        documented.add(code!);
      } else if (service !== undefined && /^[A-Z][A-Za-z*]+$/.test(code!)) {
        documented.add(`${service}:${code}`);
      }
    }
  }
  return documented;
}

function grantedActions(template: Template): string[] {
  return allPolicyStatements(template)
    .filter((found) => IDENTITY_POLICY_TYPES.includes(found.type) && found.statement.Effect === 'Allow')
    .flatMap((found) => actionsOf(found.statement));
}

const PAGING = { pagerDutyRoutingKeySecret: 'tmc-health/pagerduty-routing-key', opsItemsForHigh: 'true' };
const CHAT = { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' };
const single = synth({
  autoRemediation: 'true',
  securityHubExport: 'true',
  irsaRealtime: 'true',
  ...PAGING,
  ...CHAT,
}).template;
// An existing topic: the chat topic then has a key of its own, granted to the checkers.
const singleExistingTopic = synth({
  ...CHAT,
  existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:tmc-health',
}).template;
const hubApp = synthApp({ ...HUB_CONTEXT, ...PAGING, ...CHAT });
const memberApp = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN });
const templates: [string, Template][] = [
  ['the single account, every option on', single],
  ['the single account with an existing topic and chat', singleExistingTopic],
  ['the hub', hubApp.templateOf(hubApp.hub!)],
  ['the StackSet member template', hubApp.templateOf(hubApp.hub!.memberTemplate)],
  ['a member deployed by hand', memberApp.templateOf(memberApp.member!)],
];

test.each(templates)('every action granted in %s is in docs/security.md', (_name, template) => {
  const documented = documentedActions();
  const granted = [...new Set(grantedActions(template))].sort();
  expect(granted.length).toBeGreaterThan(0);
  expect(granted.filter((action) => !documented.has(action))).toEqual([]);
});

test('every attack in the threat model names an adversarial test that exists, and every such test is named', () => {
  const section = page.slice(
    page.indexOf('### The attacks, and what stops each'),
    page.indexOf('### Other threats'),
  );
  const rows = section.split('\n').filter((line) => /^\|\s*\d+\s*\|/.test(line));
  expect(rows).toHaveLength(17);
  const named = rows.map((row) => /`([a-z0-9-]+\.test\.ts)`/.exec(row)?.[1]);
  expect(named.every((name) => name !== undefined)).toBe(true);
  const adversarial = path.join(__dirname, '..', 'adversarial');
  const files = fs.readdirSync(adversarial).filter((file) => file.endsWith('.test.ts'));
  expect([...new Set(named)].sort()).toEqual(files.sort());
});

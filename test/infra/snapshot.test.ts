import type { Stack } from 'aws-cdk-lib';
import { HUB_BUS_ARN, HUB_CONTEXT, synth, synthApp } from './helpers';

/** Asset hashes change with every Lambda code change; the snapshot is about the infrastructure. */
function maskAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset-hash>$1')) as unknown;
}

function masked(template: { toJSON(): unknown }): unknown {
  const json = maskAssetHashes(template.toJSON());
  expect(JSON.stringify(json)).not.toMatch(/[0-9a-f]{64}/);
  return json;
}

test('the default template matches the snapshot (asset hashes masked)', () => {
  const { template } = synth();
  expect(masked(template)).toMatchSnapshot();
});

describe('the Organizations modes match their snapshots (asset hashes masked)', () => {
  const hub = synthApp(HUB_CONTEXT);
  // hubIntake=queue: the report queue and its event source mapping, as the hub was before direct became the default.
  const queued = synthApp({ ...HUB_CONTEXT, hubIntake: 'queue' });
  const member = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN });
  const stacks: [string, Stack][] = [
    ['the hub stack', hub.hub!],
    ['the hub stack with hubIntake=queue', queued.hub!],
    ["the hub's member template (what the StackSet deploys)", hub.hub!.memberTemplate],
    ...hub.memberAssets.map((stack): [string, Stack] => [`the member asset stack ${stack.stackName}`, stack]),
    ['the member stack deployed by hand', member.member!],
  ];

  test.each(stacks)('%s', (_name, stack) => {
    const templateOf =
      stack === member.member ? member.templateOf : stack === queued.hub ? queued.templateOf : hub.templateOf;
    expect(masked(templateOf(stack))).toMatchSnapshot();
  });
});

import { synth } from './helpers';

/** Asset hashes change with every Lambda code change; the snapshot is about the infrastructure. */
function maskAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset-hash>$1')) as unknown;
}

test('the default template matches the snapshot (asset hashes masked)', () => {
  const { template } = synth();
  const json = maskAssetHashes(template.toJSON());
  expect(JSON.stringify(json)).not.toMatch(/[0-9a-f]{64}/);
  expect(json).toMatchSnapshot();
});

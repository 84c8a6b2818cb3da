import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BUILD_OPTIONS } from '../../scripts/build-cli';

/**
 * Node 22 is the project's floor (the AWS SDK's releases after the first week of January 2027 need it) and CI runs
 * on Node 24 like the Lambdas (nodejs24.x). These fail when the floor, the CLI's build target or CI's Node slips back.
 */
const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines?: { node?: string };
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('Node floor', () => {
  it('package.json engines.node is >=22', () => {
    expect(pkg.engines?.node).toBe('>=22');
  });

  it('the CLI bundle (build:cli, scripts/build-cli.ts) targets node22 and nothing else', () => {
    expect(pkg.scripts['build:cli']).toContain('scripts/build-cli.ts');
    expect(CLI_BUILD_OPTIONS.target).toBe('node22');
  });

  it('@types/node is the 22.x line, so code using newer Node APIs fails the type check', () => {
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^22\./);
  });

  it('scripts/use-node24.sh pins an exact Node 24 release', () => {
    const script = readFileSync(join(ROOT, 'scripts', 'use-node24.sh'), 'utf8');
    expect(script).toMatch(/^NODE24_VERSION='24\.\d+\.\d+'$/m);
    expect(script).toMatch(/^NODE24_INTEGRITY='sha512-[A-Za-z0-9+/]{86}=='$/m);
  });

  const major = Number(process.versions.node.split('.')[0]);
  (process.env.CI ? it : it.skip)(
    `CI runs the suite on Node 24 or later (this is ${process.version})`,
    () => {
      expect(major).toBeGreaterThanOrEqual(24);
    },
  );
});

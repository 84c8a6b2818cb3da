import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { handlerBuildOptions } from './bundling';

/** The project root: the handlers are under lambdas/handlers, esbuild and the SDK in its node_modules. */
const PROJECT_ROOT = path.join(__dirname, '..', '..');
const BUNDLER = path.join(PROJECT_ROOT, 'lib', 'bundling', 'bundle-handler.js');

/** The deployed file and export: `index.js` of the asset, its `handler`. */
export const HANDLER_EXPORT = 'index.handler';

/**
 * esbuild on this machine, through its API (lib/bundling/bundle-handler.js, a child process: CDK calls local
 * bundling synchronously, and esbuild's synchronous API takes no plugin). NodejsFunction's own bundling runs the
 * esbuild command line, which cannot load the SDK plugin that makes the bundles about 100 KB smaller
 * (docs/performance.md).
 */
class LocalEsbuild implements ILocalBundling {
  /** Relative to the project root; also what sets this asset's hash apart when bundling is skipped. */
  readonly entry: string;

  constructor(entry: string) {
    this.entry = path.relative(PROJECT_ROOT, entry);
  }

  tryBundle(outputDir: string): boolean {
    const options = handlerBuildOptions(this.entry, path.join(outputDir, 'index.js'));
    const result = spawnSync(process.execPath, [BUNDLER, JSON.stringify(options)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) {
      throw new Error(
        `bundling ${this.entry} failed (${result.error?.message ?? `exit ${String(result.status)}`}): esbuild's ` +
          'messages are above. Run `npm ci` if esbuild is missing.',
      );
    }
    return true;
  }
}

/**
 * The handler at `entry` (a TypeScript file exporting `handler`), bundled locally with esbuild when the stack is
 * synthesized; the asset's hash is the bundle's, so an unchanged bundle is not uploaded again. Docker is never used:
 * the local bundler either succeeds or fails the synth with esbuild's messages.
 */
export function handlerCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: LocalEsbuild returns true or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: new LocalEsbuild(entry),
    },
  });
}

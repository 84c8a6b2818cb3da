/**
 * The credential-check Lambda handler loaded as a new container loads it. The handler reads its settings and
 * builds its clients (endpoint included) at module scope, so each load must see the environment set for it:
 * the project's own modules are dropped from Node's module cache first (jest.isolateModules does this in the
 * integration tier; the bench runs outside jest). Third-party modules stay cached: they keep no such state.
 */
import { join, sep } from 'node:path';

type HandlerModule = typeof import('../../lambdas/handlers/credential-check');

const LAMBDAS = join(__dirname, '..', '..', 'lambdas') + sep;

export async function loadCredentialCheckHandler(): Promise<HandlerModule['handler']> {
  for (const path of Object.keys(require.cache)) {
    if (path.startsWith(LAMBDAS)) delete require.cache[path];
  }
  const module: HandlerModule = await import('../../lambdas/handlers/credential-check');
  return module.handler;
}

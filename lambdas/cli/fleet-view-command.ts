import type { ExitCode } from './exit-codes';
import { fleetViewRequestFromFlags, type FleetViewFlags } from './fleet-view-options';
import { fleetViewExitCode, renderFleetView, renderFleetViewJson } from './render-fleet-view';
import type { RunFleetView } from './run-fleet-view';

/**
 * `tmc-health fleet`, loaded by that command alone (a dynamic import), so the flag checks, the rendering and
 * the DynamoDB client it reads with add nothing to what every other command loads.
 */
export async function runFleetCommand(
  flags: FleetViewFlags & { readonly profile?: string; readonly json?: boolean },
  env: Record<string, string | undefined>,
  write: (text: string) => void,
  runFleetView?: RunFleetView,
): Promise<ExitCode> {
  // Every flag error at once, before any read.
  const request = fleetViewRequestFromFlags(flags, env);
  if (flags.profile !== undefined) env.AWS_PROFILE = flags.profile;
  const run = runFleetView ?? (await import('./run-fleet-view')).createAwsRunFleetView();
  const outcome = await run(request);
  write(flags.json ? renderFleetViewJson(outcome) : renderFleetView(outcome));
  return fleetViewExitCode(outcome);
}

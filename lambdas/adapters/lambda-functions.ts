import {
  GetFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { LambdaConfiguration, Observed, TaggedFunction, VanishedResource } from '../core/inventory';
import type { CallLog } from './gather-call-log';
import { dropUndefined } from './gather-plain-data';
import { mapWithConcurrency } from './gather-concurrency';
import { MalformedResponseError } from './pagination';
import type { TaggedFunctionRef } from './tagging';

export const FUNCTION_READ_CONCURRENCY = 5;

export interface FunctionReadResult {
  /** Without `metrics`: those are read for all functions at once afterwards. */
  readonly functions: TaggedFunction[];
  readonly vanished: VanishedResource[];
}

/** GetFunctionConfiguration, not GetFunction: the latter also returns a presigned code URL we have no use for. */
export async function readFunctions(
  client: LambdaClient,
  log: CallLog,
  refs: readonly TaggedFunctionRef[],
): Promise<FunctionReadResult> {
  const observed = await mapWithConcurrency(refs, FUNCTION_READ_CONCURRENCY, (ref) =>
    log.runFindable(
      'lambda',
      'GetFunctionConfiguration',
      async () => {
        const output = await client.send(new GetFunctionConfigurationCommand({ FunctionName: ref.arn }));
        // Every real answer names the function; an empty one would otherwise read as "Active" (the default
        // for functions older than states) and PASS.
        if (!output.FunctionName && !output.FunctionArn) {
          throw new MalformedResponseError('GetFunctionConfiguration', `no FunctionName for ${ref.arn}`);
        }
        return output;
      },
      { resourceArn: ref.arn },
    ),
  );
  const result: FunctionReadResult = { functions: [], vanished: [] };
  refs.forEach((ref, index) => {
    const outcome = observed[index];
    if (outcome === undefined) return;
    if (outcome.ok && outcome.value === undefined) {
      result.vanished.push({
        credentialName: ref.credentialName,
        arn: ref.arn,
        resourceType: 'lambda:function',
      });
      return;
    }
    const configuration: Observed<LambdaConfiguration> = outcome.ok
      ? { ok: true, value: toConfiguration(outcome.value ?? {}) }
      : outcome;
    result.functions.push({
      credentialName: ref.credentialName,
      arn: ref.arn,
      name: ref.name,
      configuration,
    });
  });
  return result;
}

function toConfiguration(config: FunctionConfiguration): LambdaConfiguration {
  return dropUndefined({
    description: config.Description,
    state: config.State,
    stateReason: config.StateReason,
    stateReasonCode: config.StateReasonCode,
    lastUpdateStatus: config.LastUpdateStatus,
    lastUpdateStatusReason: config.LastUpdateStatusReason,
    lastModified: config.LastModified,
    runtime: config.Runtime,
  });
}

import { DescribeParametersCommand, type ParameterMetadata, type SSMClient } from '@aws-sdk/client-ssm';
import type { ComponentFailure, TaggedParameter, UnreadResource, VanishedResource } from '../core/inventory';
import type { CallLog } from './gather-call-log';
import { chunk } from './gather-concurrency';
import { dropUndefined } from './gather-plain-data';
import { forEachPage, requiredList } from './pagination';
import type { TaggedParameterRef } from './tagging';

/** The most values one DescribeParameters filter accepts. */
export const MAX_NAMES_PER_REQUEST = 50;

export interface ParameterReadResult {
  readonly parameters: TaggedParameter[];
  readonly vanished: VanishedResource[];
  readonly componentFailures: ComponentFailure[];
  /** Tagged parameters whose metadata could not be read. */
  readonly unread: UnreadResource[];
}

/**
 * Confirms tagged parameters from their metadata alone. The value is TMC's auth token: this module must never
 * call GetParameter(s)/GetParameterHistory, and the checker's role is not allowed to.
 */
export async function readParameters(
  client: SSMClient,
  log: CallLog,
  refs: readonly TaggedParameterRef[],
): Promise<ParameterReadResult> {
  const result: ParameterReadResult = { parameters: [], vanished: [], componentFailures: [], unread: [] };
  const names = [...new Set(refs.map((ref) => ref.name))];
  for (const batch of chunk(names, MAX_NAMES_PER_REQUEST)) {
    const batchRefs = refs.filter((ref) => batch.includes(ref.name));
    const described = await log.run('ssm', 'DescribeParameters', () => describeByName(client, batch), {
      resourceArns: batchRefs.map((ref) => ref.arn),
    });
    if (!described.ok) {
      for (const credentialName of new Set(batchRefs.map((ref) => ref.credentialName))) {
        result.componentFailures.push({ credentialName, kind: 'parameters', failure: described.failure });
      }
      for (const ref of batchRefs) {
        result.unread.push({
          credentialName: ref.credentialName,
          arn: ref.arn,
          name: ref.name,
          resourceType: 'ssm:parameter',
          failure: described.failure,
        });
      }
      continue;
    }
    for (const ref of batchRefs) {
      const metadata = described.value.get(ref.name);
      if (metadata === undefined) {
        result.vanished.push({
          credentialName: ref.credentialName,
          arn: ref.arn,
          resourceType: 'ssm:parameter',
        });
      } else result.parameters.push(toParameter(ref, metadata));
    }
  }
  return result;
}

async function describeByName(client: SSMClient, names: string[]): Promise<Map<string, ParameterMetadata>> {
  const found = new Map<string, ParameterMetadata>();
  await forEachPage(
    'DescribeParameters',
    (token) =>
      client.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: names }],
          MaxResults: MAX_NAMES_PER_REQUEST,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      ),
    (page) => page.NextToken,
    (page) => {
      for (const metadata of requiredList('DescribeParameters', 'Parameters', page.Parameters))
        if (metadata.Name) found.set(metadata.Name, metadata);
    },
  );
  return found;
}

function toParameter(ref: TaggedParameterRef, metadata: ParameterMetadata): TaggedParameter {
  return dropUndefined({
    credentialName: ref.credentialName,
    arn: ref.arn,
    name: ref.name,
    lastModifiedDate: isoDate(metadata.LastModifiedDate),
    type: metadata.Type,
    version: metadata.Version,
  });
}

/** An invalid date from a misbehaving endpoint must not throw out of the gatherer. */
function isoDate(date: Date | undefined): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import type { Observed, SkippedRecord, VanishedResource } from '../core/inventory';
import { TMC_CREDENTIAL_TAG_KEY } from '../core/inventory';
import {
  eventRuleRef,
  lambdaFunctionName,
  parseArn,
  ssmParameterName,
  type ParsedArn,
  type RuleRef,
} from './arn';
import type { CallLog } from './gather-call-log';
import { forEachPage, requiredList } from './pagination';

export const TAGGED_RESOURCE_TYPES = ['lambda:function', 'ssm:parameter', 'events:rule'] as const;
export type TaggedResourceType = VanishedResource['resourceType'];

export interface TaggedFunctionRef {
  readonly credentialName: string;
  readonly arn: string;
  readonly name: string;
}

export interface TaggedRuleRef extends RuleRef {
  readonly credentialName: string;
  readonly arn: string;
}

export interface TaggedParameterRef {
  readonly credentialName: string;
  readonly arn: string;
  readonly name: string;
}

export interface CredentialResources {
  readonly functions: TaggedFunctionRef[];
  readonly rules: TaggedRuleRef[];
  readonly parameters: TaggedParameterRef[];
}

export interface Discovery {
  /** Every mapping the tagging API returned, before filtering or skipping. */
  readonly taggedResourceCount: number;
  /** Credential name -> its tagged resources; only credentials selected by the filter. */
  readonly credentials: ReadonlyMap<string, CredentialResources>;
  readonly skipped: readonly SkippedRecord[];
}

interface Mapping {
  readonly ResourceARN?: string | undefined;
  readonly Tags?:
    readonly { readonly Key?: string | undefined; readonly Value?: string | undefined }[] | undefined;
}

const SOURCE = 'tagging:GetResources';
/** GetResources' maximum page size. */
const RESOURCES_PER_PAGE = 100;

export async function discoverTaggedResources(
  client: ResourceGroupsTaggingAPIClient,
  log: CallLog,
  credentialFilter?: readonly string[],
): Promise<Observed<Discovery>> {
  const listed = await log.run('tagging', 'GetResources', async () => {
    const mappings: Mapping[] = [];
    await forEachPage(
      'GetResources',
      (token) =>
        client.send(
          new GetResourcesCommand({
            TagFilters: [{ Key: TMC_CREDENTIAL_TAG_KEY }],
            ResourceTypeFilters: [...TAGGED_RESOURCE_TYPES],
            ResourcesPerPage: RESOURCES_PER_PAGE,
            ...(token === undefined ? {} : { PaginationToken: token }),
          }),
        ),
      (page) => page.PaginationToken,
      (page) =>
        mappings.push(...requiredList('GetResources', 'ResourceTagMappingList', page.ResourceTagMappingList)),
    );
    return mappings;
  });
  if (!listed.ok) return listed;
  return { ok: true, value: groupByCredential(listed.value, credentialFilter) };
}

export function groupByCredential(
  mappings: readonly Mapping[],
  credentialFilter?: readonly string[],
): Discovery {
  const wanted = credentialFilter === undefined ? undefined : new Set(credentialFilter);
  const credentials = new Map<string, CredentialResources>();
  const skipped: SkippedRecord[] = [];
  for (const mapping of mappings) {
    const arn = mapping.ResourceARN;
    if (arn === undefined || arn === '') {
      skipped.push({ source: SOURCE, reason: 'mapping has no ResourceARN' });
      continue;
    }
    const credentialName = mapping.Tags?.find((tag) => tag.Key === TMC_CREDENTIAL_TAG_KEY)?.Value;
    if (credentialName === undefined || credentialName.trim() === '') {
      skipped.push({ source: SOURCE, reason: `tag ${TMC_CREDENTIAL_TAG_KEY} has no value`, detail: arn });
      continue;
    }
    if (wanted !== undefined && !wanted.has(credentialName)) continue;
    const parsed = parseArn(arn);
    if (parsed === undefined) {
      skipped.push({ source: SOURCE, reason: 'unparsable ARN', detail: arn });
      continue;
    }
    const resource = classify(parsed, credentialName, arn);
    if (resource === undefined) {
      skipped.push({ source: SOURCE, reason: 'unexpected resource type', detail: arn });
      continue;
    }
    let resources = credentials.get(credentialName);
    if (resources === undefined) {
      resources = { functions: [], rules: [], parameters: [] };
      credentials.set(credentialName, resources);
    }
    if (resource.kind === 'function') resources.functions.push(resource.ref);
    else if (resource.kind === 'rule') resources.rules.push(resource.ref);
    else resources.parameters.push(resource.ref);
  }
  return { taggedResourceCount: mappings.length, credentials, skipped };
}

type Classified =
  | { readonly kind: 'function'; readonly ref: TaggedFunctionRef }
  | { readonly kind: 'rule'; readonly ref: TaggedRuleRef }
  | { readonly kind: 'parameter'; readonly ref: TaggedParameterRef };

function classify(parsed: ParsedArn, credentialName: string, arn: string): Classified | undefined {
  const functionName = lambdaFunctionName(parsed);
  if (functionName !== undefined)
    return { kind: 'function', ref: { credentialName, arn, name: functionName } };
  const rule = eventRuleRef(parsed);
  if (rule !== undefined) return { kind: 'rule', ref: { credentialName, arn, ...rule } };
  const parameterName = ssmParameterName(parsed);
  if (parameterName !== undefined)
    return { kind: 'parameter', ref: { credentialName, arn, name: parameterName } };
  return undefined;
}

import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TMC_CREDENTIAL_TAG_KEY } from '../../lambdas/core/inventory';
import { CallLog } from '../../lambdas/adapters/gather-call-log';
import { discoverTaggedResources } from '../../lambdas/adapters/tagging';

const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const client = new ResourceGroupsTaggingAPIClient({ region: 'us-east-1', maxAttempts: 1 });
const tag = (value: string) => [{ Key: TMC_CREDENTIAL_TAG_KEY, Value: value }];
const A = 'arn:aws:lambda:us-east-1:111122223333';

beforeEach(() => tagging.reset());

describe('discoverTaggedResources', () => {
  it('asks for the TMC tag key only and the three resource types, and follows every page', async () => {
    tagging
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [{ ResourceARN: `${A}:function:prod-data-sync`, Tags: tag('prod') }],
        PaginationToken: 'page-2',
      })
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:aws:events:us-east-1:111122223333:rule/prod-sync', Tags: tag('prod') },
          { ResourceARN: `${A}:function:dev-data-sync`, Tags: tag('dev') },
        ],
        PaginationToken: '',
      });
    const log = new CallLog('us-east-1');
    const result = await discoverTaggedResources(client, log);

    expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 2);
    expect(tagging).toHaveReceivedNthSpecificCommandWith(1, GetResourcesCommand, {
      TagFilters: [{ Key: TMC_CREDENTIAL_TAG_KEY }],
      ResourceTypeFilters: ['lambda:function', 'ssm:parameter', 'events:rule'],
    });
    expect(tagging).toHaveReceivedNthSpecificCommandWith(2, GetResourcesCommand, {
      PaginationToken: 'page-2',
    });
    if (!result.ok) throw new Error('expected discovery to succeed');
    expect(result.value.taggedResourceCount).toBe(3);
    expect([...result.value.credentials.keys()].sort()).toEqual(['dev', 'prod']);
    expect(result.value.credentials.get('prod')).toEqual({
      functions: [{ credentialName: 'prod', arn: `${A}:function:prod-data-sync`, name: 'prod-data-sync' }],
      rules: [
        {
          credentialName: 'prod',
          arn: 'arn:aws:events:us-east-1:111122223333:rule/prod-sync',
          name: 'prod-sync',
          eventBusName: 'default',
        },
      ],
      parameters: [],
    });
    expect(log.succeededOperations).toEqual(['tagging:GetResources']);
  });

  it('parses rule ARNs on custom buses and hierarchical or flat parameter names', async () => {
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: 'arn:aws:events:us-east-1:111122223333:rule/tmc-bus/prod-sync', Tags: tag('prod') },
        { ResourceARN: 'arn:aws:ssm:us-east-1:111122223333:parameter/tmc/prod/token', Tags: tag('prod') },
        { ResourceARN: 'arn:aws:ssm:us-east-1:111122223333:parameter/prod-token', Tags: tag('prod') },
      ],
    });
    const result = await discoverTaggedResources(client, new CallLog('us-east-1'));
    if (!result.ok) throw new Error('expected discovery to succeed');
    const prod = result.value.credentials.get('prod')!;
    expect(prod.rules.map(({ name, eventBusName }) => ({ name, eventBusName }))).toEqual([
      { name: 'prod-sync', eventBusName: 'tmc-bus' },
    ]);
    expect(prod.parameters.map((parameter) => parameter.name)).toEqual(['/tmc/prod/token', 'prod-token']);
  });

  it('skips and counts mappings without ARN, with an unparsable ARN, an empty tag, or an unexpected type', async () => {
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { Tags: tag('prod') },
        { ResourceARN: 'lambda:function:no-prefix', Tags: tag('prod') },
        { ResourceARN: `${A}:function:blank`, Tags: tag('  ') },
        { ResourceARN: `${A}:function:untagged`, Tags: [] },
        { ResourceARN: `${A}:layer:some-layer:1`, Tags: tag('prod') },
        { ResourceARN: `${A}:function:prod-data-sync`, Tags: tag('prod') },
      ],
    });
    const result = await discoverTaggedResources(client, new CallLog('us-east-1'));
    if (!result.ok) throw new Error('expected discovery to succeed');

    expect(result.value.taggedResourceCount).toBe(6);
    expect(result.value.skipped.map((record) => record.reason)).toEqual([
      'mapping has no ResourceARN',
      'unparsable ARN',
      `tag ${TMC_CREDENTIAL_TAG_KEY} has no value`,
      `tag ${TMC_CREDENTIAL_TAG_KEY} has no value`,
      'unexpected resource type',
    ]);
    expect(result.value.credentials.get('prod')!.functions).toHaveLength(1);
  });

  it('ignores credentials outside the filter without skipping them', async () => {
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: `${A}:function:prod-data-sync`, Tags: tag('prod') },
        { ResourceARN: 'garbage', Tags: tag('dev') },
        { ResourceARN: `${A}:function:dev-data-sync`, Tags: tag('dev') },
      ],
    });
    const result = await discoverTaggedResources(client, new CallLog('us-east-1'), ['prod']);
    if (!result.ok) throw new Error('expected discovery to succeed');
    expect([...result.value.credentials.keys()]).toEqual(['prod']);
    expect(result.value.skipped).toEqual([]);
  });

  it('fails the whole discovery when a later page fails, rather than returning a partial list', async () => {
    tagging
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [{ ResourceARN: `${A}:function:x`, Tags: tag('prod') }],
        PaginationToken: 'p2',
      })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const log = new CallLog('us-east-1');
    const result = await discoverTaggedResources(client, log);
    expect(result).toEqual({
      ok: false,
      failure: {
        service: 'tagging',
        operation: 'GetResources',
        region: 'us-east-1',
        errorName: 'ThrottlingException',
        message: 'Rate exceeded',
      },
    });
    expect(log.failures).toHaveLength(1);
  });
});

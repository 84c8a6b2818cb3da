/**
 * lambdas/core/aws-regions.ts, the known regions and their partitions, is generated from aws-cdk-lib's RegionInfo
 * (scripts/generate-regions.ts) so that the CLI validates --region without bundling aws-cdk-lib. It must say what
 * RegionInfo says, which `cdk synth` validated with before, and what the AWS SDK the CLI signs with resolves.
 */
import { readFileSync } from 'node:fs';
// The partition data every SDK client resolves endpoints with (@aws-sdk/core is each client's own dependency).
import { partition } from '@aws-sdk/core/client';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { AWS_REGION_PARTITIONS } from '../../lambdas/core/aws-regions';
import { partitionOf } from '../../lambdas/core/aws-names';
import { regionInfoPartitions, renderRegionsModule, REGIONS_MODULE } from '../../scripts/generate-regions';

describe('the generated region table', () => {
  test('is up to date with aws-cdk-lib: otherwise run `npm run generate:regions`', () => {
    expect(readFileSync(REGIONS_MODULE, 'utf8')).toBe(renderRegionsModule(regionInfoPartitions()));
  });

  test('every region RegionInfo knows maps to the partition RegionInfo gives it, and no other is known', () => {
    const known = RegionInfo.regions.map((region) => region.name);
    expect(known.length).toBeGreaterThan(30);
    for (const name of known)
      expect({ name, partition: partitionOf(name) }).toEqual({
        name,
        partition: RegionInfo.get(name).partition,
      });
    expect(Object.keys(AWS_REGION_PARTITIONS).sort()).toEqual([...known].sort());
  });

  test('covers the standard partitions', () => {
    for (const [name, expected] of [
      ['us-east-1', 'aws'],
      ['eu-west-1', 'aws'],
      ['cn-north-1', 'aws-cn'],
      ['us-gov-west-1', 'aws-us-gov'],
    ] as const) {
      expect(partitionOf(name)).toBe(expected);
    }
  });

  test('the AWS SDK resolves every region to the same partition', () => {
    for (const [name, expected] of Object.entries(AWS_REGION_PARTITIONS)) {
      expect({ name, partition: partition(name).name }).toEqual({ name, partition: expected });
    }
  });

  test('names that are not regions have no partition', () => {
    for (const name of ['', 'eu-west-9', 'EU-WEST-1', 'aws-global', 'toString', '__proto__', 'constructor']) {
      expect(partitionOf(name)).toBeUndefined();
    }
  });
});

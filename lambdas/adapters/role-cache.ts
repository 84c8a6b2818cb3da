import { GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { ApiFailure, Observed } from '../core/inventory';
import type { RoleTrust } from '../core/irsa/types';
import { toApiFailure } from './aws-error';
import { decodeTrustPolicy, roleNameInAccount } from './irsa/iam-reader';

/**
 * GetRole once per role and run: the EKS Connector's connector roles, Pod Identity's association and target roles.
 * The cached promise settles once; each region's CallLog awaits it and records the outcome as its own (a failure
 * in the region's name), so a role used in two regions costs one call.
 */
export class RoleCache {
  private readonly reads = new Map<string, Promise<RoleTrust>>();
  private readonly settled = new Map<string, Observed<RoleTrust>>();

  constructor(
    private readonly iam: IAMClient | undefined,
    private readonly accountId: string,
  ) {}

  read(roleArn: string): Promise<RoleTrust> {
    let pending = this.reads.get(roleArn);
    if (pending === undefined) {
      pending = this.fetch(roleArn).then(
        (value) => {
          this.settled.set(roleArn, { ok: true, value });
          return value;
        },
        (error: unknown) => {
          this.settled.set(roleArn, { ok: false, failure: roleFailure(error, roleArn) });
          throw error;
        },
      );
      this.reads.set(roleArn, pending);
    }
    return pending;
  }

  /** What each read role came to; a role the deadline kept from being read is absent (its findings ERROR). */
  observations(): Record<string, Observed<RoleTrust>> {
    return Object.fromEntries([...this.settled.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private async fetch(roleArn: string): Promise<RoleTrust> {
    const name = roleNameInAccount(roleArn, this.accountId);
    if (typeof name !== 'string') throw name;
    if (this.iam === undefined) throw new Error('no IAM client');
    let document: string | undefined;
    try {
      const output = await this.iam.send(new GetRoleCommand({ RoleName: name }));
      document = output.Role?.AssumeRolePolicyDocument;
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchEntityException') return { roleArn, exists: false };
      throw error;
    }
    return { roleArn, exists: true, trustPolicy: decodeTrustPolicy(document) };
  }
}

/** The role's failure as the core reads it: IAM is global, the regions record their own copies. */
function roleFailure(error: unknown, roleArn: string): ApiFailure {
  return toApiFailure(error, {
    service: 'iam',
    operation: 'GetRole',
    region: 'global',
    resourceArn: roleArn,
  });
}

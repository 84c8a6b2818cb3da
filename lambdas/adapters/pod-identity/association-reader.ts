import {
  DescribePodIdentityAssociationCommand,
  ListPodIdentityAssociationsCommand,
  type EKSClient,
  type PodIdentityAssociation as SdkAssociation,
} from '@aws-sdk/client-eks';
import type { Observed, SkippedRecord } from '../../core/inventory';
import type { AssociationDetails, PodIdentityAssociation } from '../../core/pod-identity/types';
import type { CallLog } from '../gather-call-log';
import { mapWithConcurrency } from '../gather-concurrency';
import { partitionOfRegion } from '../gather-eks-connector';
import { forEachPage, MalformedResponseError, requiredList } from '../pagination';
import {
  ANY_ARN,
  ASSOCIATION_ID,
  EXTERNAL_ID,
  NAMESPACE,
  ROLE_ARN,
  SERVICE_ACCOUNT,
  shaped,
  skip,
} from './answer-shapes';

/** The most ListPodIdentityAssociations returns per page. */
const PAGE_SIZE = 100;
/**
 * At most 1,000 associations per cluster and run: a cluster with more fails its listing (PaginationLimitExceeded,
 * an ERROR naming the call) rather than keeping the run busy past its deadline with one Describe each.
 */
export const MAX_ASSOCIATION_PAGES = 10;
/** DescribePodIdentityAssociation calls in flight per cluster. */
const DESCRIBE_CONCURRENCY = 5;

/** An association as listed: what the summary names, before it is described. */
export type ListedAssociation = Omit<PodIdentityAssociation, 'details'>;

interface ClusterRef {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
}

const SOURCE = 'eks:ListPodIdentityAssociations';

/** Every association of the cluster, summaries only; malformed or repeated ones counted and skipped. */
export function listAssociations(
  eks: EKSClient,
  log: CallLog,
  cluster: ClusterRef,
  skipped: SkippedRecord[],
): Promise<Observed<ListedAssociation[]>> {
  return log.run(
    'eks',
    'ListPodIdentityAssociations',
    async () => {
      const listed: ListedAssociation[] = [];
      await forEachPage(
        'ListPodIdentityAssociations',
        (nextToken) =>
          eks.send(
            new ListPodIdentityAssociationsCommand({
              clusterName: cluster.name,
              maxResults: PAGE_SIZE,
              ...(nextToken ? { nextToken } : {}),
            }),
          ),
        (page) => page.nextToken,
        (page) => {
          for (const entry of requiredList(
            'ListPodIdentityAssociations',
            'associations',
            page.associations,
          ) as unknown[]) {
            const association = toListed(entry, cluster, skipped);
            if (association === undefined) continue;
            if (listed.some((known) => known.associationId === association.associationId)) {
              skip(skipped, SOURCE, 'association listed twice', association.associationId);
            } else listed.push(association);
          }
        },
        MAX_ASSOCIATION_PAGES,
      );
      return listed;
    },
    { resourceArn: cluster.arn },
  );
}

function toListed(
  entry: unknown,
  cluster: ClusterRef,
  skipped: SkippedRecord[],
): ListedAssociation | undefined {
  if (typeof entry !== 'object' || entry === null) {
    skip(skipped, SOURCE, 'association is not an object', entry);
    return undefined;
  }
  const record = entry as Record<string, unknown>;
  const id = shaped(record.associationId, ASSOCIATION_ID, skipped, SOURCE, 'associationId');
  const namespace = shaped(record.namespace, NAMESPACE, skipped, SOURCE, 'namespace');
  const serviceAccount = shaped(record.serviceAccount, SERVICE_ACCOUNT, skipped, SOURCE, 'serviceAccount');
  if (id === undefined || namespace === undefined || serviceAccount === undefined) {
    skip(skipped, SOURCE, 'association without a readable associationId, namespace and serviceAccount');
    return undefined;
  }
  const arn =
    shaped(record.associationArn, ANY_ARN, skipped, SOURCE, 'associationArn') ??
    `arn:${partitionOfRegion(cluster.region)}:eks:${cluster.region}:${cluster.accountId}:podidentityassociation/${cluster.name}/${id}`;
  const ownerArn = shaped(record.ownerArn, ANY_ARN, skipped, SOURCE, 'ownerArn');
  return {
    associationId: id,
    associationArn: arn,
    namespace,
    serviceAccount,
    ...(ownerArn === undefined ? {} : { ownerArn }),
  };
}

/**
 * Each listed association described (DESCRIBE_CONCURRENCY at once, each on its own branch so failures keep the
 * listing's order); one deleted since the listing (ResourceNotFoundException) is left out: it is gone.
 */
export async function describeAssociations(
  eks: EKSClient,
  log: CallLog,
  clusterName: string,
  listed: readonly ListedAssociation[],
  skipped: SkippedRecord[],
): Promise<PodIdentityAssociation[]> {
  const branches = listed.map(() => log.branch());
  const described = await mapWithConcurrency(listed, DESCRIBE_CONCURRENCY, (association, index) =>
    (branches[index] as CallLog).runFindable(
      'eks',
      'DescribePodIdentityAssociation',
      async () =>
        toDetails(
          (
            await eks.send(
              new DescribePodIdentityAssociationCommand({
                clusterName,
                associationId: association.associationId,
              }),
            )
          ).association,
          association.associationId,
          skipped,
        ),
      { resourceArn: association.associationArn },
    ),
  );
  log.append(...branches);
  return listed.flatMap((association, index) => {
    const outcome = described[index] as Observed<AssociationDetails | undefined>;
    if (outcome.ok && outcome.value === undefined) return [];
    const details: Observed<AssociationDetails> = outcome.ok
      ? { ok: true, value: outcome.value as AssociationDetails }
      : outcome;
    return [{ ...association, details }];
  });
}

const DESCRIBED = 'eks:DescribePodIdentityAssociation';

/** The roles and the tagging switch; a malformed role ARN is absent (its check is then ERROR). */
function toDetails(
  association: SdkAssociation | undefined,
  associationId: string,
  skipped: SkippedRecord[],
): AssociationDetails {
  if (association === undefined || association === null || typeof association !== 'object') {
    throw new MalformedResponseError('DescribePodIdentityAssociation', `no association for ${associationId}`);
  }
  const roleArn = shaped(association.roleArn, ROLE_ARN, skipped, DESCRIBED, 'roleArn');
  const targetRoleArn = shaped(association.targetRoleArn, ROLE_ARN, skipped, DESCRIBED, 'targetRoleArn');
  const externalId = shaped(association.externalId, EXTERNAL_ID, skipped, DESCRIBED, 'externalId');
  // A target named but unreadable must not read as "no target role".
  const targetUnreadable = targetRoleArn === undefined && present(association.targetRoleArn);
  return {
    ...(roleArn === undefined ? {} : { roleArn }),
    ...(targetRoleArn === undefined ? {} : { targetRoleArn }),
    ...(targetUnreadable ? { targetRoleUnreadable: true } : {}),
    ...(externalId === undefined ? {} : { externalId }),
    // Absent is the API's default: EKS adds its session tags.
    disableSessionTags: association.disableSessionTags === true,
  };
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

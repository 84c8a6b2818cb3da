import { checkerFindings } from './checks/checker-findings';
import { classifiedFunctions, lambdaFindings } from './checks/lambda-checks';
import { ruleFindings } from './checks/rule-checks';
import { tokenFindings } from './checks/token-checks';
import { credentialNamesIn, credentialView, describeFailure } from './credential-view';
import type { Finding } from './finding';
import { buildFinding, presenceKey, type FindingScope } from './finding-factory';
import type { InventorySnapshot, RegionInventory } from './inventory';
import { requireProof } from './proof';
import type { CheckerSettings } from './settings';

export type EvaluationSettings = Pick<
  CheckerSettings,
  | 'credentialNames'
  | 'dataSyncPattern'
  | 'resourceRetrieverPattern'
  | 'errorThreshold'
  | 'metricsWindowMinutes'
  | 'metricsIntervalMinutes'
  | 'schedulePeriodMinutes'
  | 'tokenMaxAgeHours'
  | 'runbookBaseUrl'
>;

const ANY_CREDENTIAL = '*';

/**
 * The credential check: inventory snapshot in, findings out. Pure: the same snapshot and settings always give
 * the same findings, so the Lambda, the CLI and the tests agree.
 */
export function evaluateCredentials(snapshot: InventorySnapshot, settings: EvaluationSettings): Finding[] {
  const findings = snapshot.regions.flatMap((region) => evaluateRegion(snapshot, region, settings));
  return [...findings, ...accountWideFindings(snapshot, settings)];
}

function scopeOf(snapshot: InventorySnapshot, region: string, settings: EvaluationSettings): FindingScope {
  return {
    accountId: snapshot.accountId,
    region,
    observedAt: snapshot.observedAt,
    runbookBaseUrl: settings.runbookBaseUrl,
  };
}

function evaluateRegion(
  snapshot: InventorySnapshot,
  region: RegionInventory,
  settings: EvaluationSettings,
): Finding[] {
  const scope = scopeOf(snapshot, region.region, settings);
  const configured = settings.credentialNames;
  const found = credentialNamesIn(region).filter((name) => !configured || configured.includes(name));
  const notFound = configured
    ? configured.map((name) => notFoundFinding(scope, region, name, found.includes(name)))
    : [];
  const perCredential = region.discovery.ok
    ? found.flatMap((name) => {
        const view = credentialView(region, name);
        const dataSync = classifiedFunctions(view, settings)
          .filter((entry) => entry.role === 'data-sync')
          .map((entry) => entry.fn);
        return [
          ...lambdaFindings(scope, view, settings),
          ...ruleFindings(scope, view, dataSync),
          ...tokenFindings(scope, view, settings.tokenMaxAgeHours),
        ];
      })
    : [];
  return requireProof([...notFound, ...perCredential, ...checkerFindings(scope, region)], {
    failures: region.failures,
    ownerOf: ownerIndex(region),
  });
}

/** Which credential each resource the region's calls were about belongs to. */
function ownerIndex(region: RegionInventory): (arn: string) => string | undefined {
  const owners = new Map<string, string>();
  for (const item of [
    ...region.functions,
    ...region.rules,
    ...region.parameters,
    ...region.vanished,
    ...(region.unread ?? []),
  ])
    owners.set(item.arn, item.credentialName);
  for (const { failure, credentialName } of region.componentFailures) {
    if (failure.resourceArn !== undefined) owners.set(failure.resourceArn, credentialName);
  }
  return (arn) => owners.get(arn);
}

function notFoundFinding(
  scope: FindingScope,
  region: RegionInventory,
  name: string,
  found: boolean,
): Finding {
  const base = {
    checkId: 'tmc.credential.not-found' as const,
    resource: { type: 'TMC::Credential' as const, name },
    resourceKey: presenceKey(name, 'credential'),
    tmc: { credentialName: name },
  };
  if (!region.discovery.ok) {
    return buildFinding(scope, {
      ...base,
      status: 'ERROR',
      title: 'credential could not be looked up',
      message: `Could not look for credential ${name} in ${scope.region}: ${describeFailure(region.discovery.failure)}.`,
      evidence: { error: describeFailure(region.discovery.failure) },
    });
  }
  // Counted for this credential and apart from the others': the region's total alone (`taggedResourceCount=5`
  // under "credential not found") reads as if this credential's resources had been found.
  const view = credentialView(region, name);
  const own = found
    ? view.functions.length +
      view.rules.length +
      view.parameters.length +
      view.vanished.length +
      view.unread.length
    : 0;
  const others = Math.max(0, region.discovery.value.taggedResourceCount - own);
  const elsewhere =
    others > 0
      ? ` (the ${others} TMC-tagged resource${others === 1 ? '' : 's'} there belong${others === 1 ? 's' : ''} to other credentials)`
      : '';
  return buildFinding(scope, {
    ...base,
    status: found ? 'PASS' : 'FAIL',
    title: found ? 'credential found' : 'credential not found',
    message: found
      ? `Credential ${name} has ${own} tagged resource${own === 1 ? '' : 's'} in ${scope.region}.`
      : `No resource tagged account.tmc.cloud.vmware.com=${name} exists in ${scope.region}${elsewhere}: TMC's stack for this credential is absent from this region.`,
    evidence: { resourcesOfThisCredential: own, resourcesOfOtherCredentials: others },
  });
}

/**
 * Without configured names, an account in which no region holds any credential is suspicious (the checker was
 * deployed because TMC should be there), but only if every region could actually be searched.
 */
function accountWideFindings(snapshot: InventorySnapshot, settings: EvaluationSettings): Finding[] {
  if (settings.credentialNames || snapshot.regions.length === 0) return [];
  if (snapshot.regions.some((region) => !region.discovery.ok)) return [];
  const regions = snapshot.regions.map((region) => region.region);
  const any = snapshot.regions.some((region) => credentialNamesIn(region).length > 0);
  const scope = scopeOf(snapshot, regions[0] as string, settings);
  return [
    buildFinding(scope, {
      checkId: 'tmc.credential.not-found',
      status: any ? 'PASS' : 'FAIL',
      severity: any ? undefined : 'MEDIUM',
      title: any ? 'TMC credentials found' : 'no TMC credential found',
      message: any
        ? `TMC credential resources exist in ${regions.join(', ')}.`
        : `No resource tagged account.tmc.cloud.vmware.com exists in ${regions.join(', ')}. If this account should host a TMC credential, check the region its CloudFormation stack was created in; set credentialNames to check named credentials.`,
      resource: { type: 'TMC::Credential', name: ANY_CREDENTIAL },
      resourceKey: presenceKey(ANY_CREDENTIAL, 'account'),
      evidence: { regionsSearched: regions },
    }),
  ];
}

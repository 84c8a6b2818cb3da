import { describeFailure, vanishedArns, type CredentialView } from '../credential-view';
import type { Finding } from '../finding';
import { buildFinding, presenceKey, type FindingScope } from '../finding-factory';
import type { TaggedParameter } from '../inventory';

const HOUR_MS = 3_600_000;

export function tokenFindings(
  scope: FindingScope,
  view: CredentialView,
  tokenMaxAgeHours: number,
): Finding[] {
  return [
    presenceFinding(scope, view),
    ...view.parameters.map((parameter) => freshnessFinding(scope, view, parameter, tokenMaxAgeHours)),
    ...view.unread
      .filter((item) => item.resourceType === 'ssm:parameter')
      .map((item) => {
        const error = describeFailure(item.failure);
        return buildFinding(scope, {
          checkId: 'tmc.token.stale',
          status: 'ERROR',
          title: 'auth token age unknown',
          message: `Could not read the metadata of ${item.name} (credential ${view.credentialName}): ${error}.`,
          resource: { type: 'AWS::SSM::Parameter', arn: item.arn, name: item.name },
          resourceKey: item.arn,
          tmc: { credentialName: view.credentialName, component: 'auth-token' },
          evidence: { error, maxAgeHours: tokenMaxAgeHours },
        });
      }),
  ];
}

function presenceFinding(scope: FindingScope, view: CredentialView): Finding {
  const base = {
    checkId: 'tmc.token.missing' as const,
    resourceKey: presenceKey(view.credentialName, 'auth-token'),
    tmc: { credentialName: view.credentialName, component: 'auth-token' as const },
  };
  const evidence = {
    parameters: view.parameters.map((parameter) => parameter.name),
    vanishedParameters: vanishedArns(view, 'ssm:parameter'),
  };
  const first = view.parameters[0];
  if (first) {
    return buildFinding(scope, {
      ...base,
      status: 'PASS',
      title: 'auth token present',
      message: `Credential ${view.credentialName} has its TMC auth token parameter ${first.name}.`,
      resource: { type: 'AWS::SSM::Parameter', arn: first.arn, name: first.name },
      evidence,
    });
  }
  const resource = {
    type: 'AWS::SSM::Parameter' as const,
    name: `${view.credentialName} TMC auth token parameter`,
  };
  const failure = view.failureOf('parameters');
  if (failure) {
    return buildFinding(scope, {
      ...base,
      status: 'ERROR',
      title: 'auth token could not be checked',
      message: `Could not tell whether credential ${view.credentialName} has its auth token parameter in ${scope.region}: ${describeFailure(failure)}.`,
      resource,
      evidence: { ...evidence, error: describeFailure(failure) },
    });
  }
  return buildFinding(scope, {
    ...base,
    status: 'FAIL',
    title: 'auth token missing',
    message: `Credential ${view.credentialName} has no TMC auth token parameter in ${scope.region}: its Lambdas cannot authenticate to TMC.`,
    resource,
    evidence,
  });
}

function freshnessFinding(
  scope: FindingScope,
  view: CredentialView,
  parameter: TaggedParameter,
  tokenMaxAgeHours: number,
): Finding {
  const context = {
    checkId: 'tmc.token.stale' as const,
    resource: { type: 'AWS::SSM::Parameter' as const, arn: parameter.arn, name: parameter.name },
    resourceKey: parameter.arn,
    tmc: { credentialName: view.credentialName, component: 'auth-token' as const },
  };
  const modified = parameter.lastModifiedDate ? Date.parse(parameter.lastModifiedDate) : Number.NaN;
  if (Number.isNaN(modified)) {
    return buildFinding(scope, {
      ...context,
      status: 'ERROR',
      title: 'auth token age unknown',
      message: `SSM did not report a usable LastModifiedDate for ${parameter.name} (got ${parameter.lastModifiedDate ?? 'nothing'}).`,
      evidence: { lastModifiedDate: parameter.lastModifiedDate ?? null, maxAgeHours: tokenMaxAgeHours },
    });
  }
  const exactAgeHours = (Date.parse(scope.observedAt) - modified) / HOUR_MS;
  // Compare the exact age; the rounded one is only for people to read.
  const stale = exactAgeHours > tokenMaxAgeHours;
  const ageHours = Math.round(exactAgeHours * 10) / 10;
  return buildFinding(scope, {
    ...context,
    status: stale ? 'FAIL' : 'PASS',
    title: stale ? 'auth token stale' : 'auth token fresh',
    message: stale
      ? `The TMC auth token of credential ${view.credentialName} (${parameter.name}) was last updated ${ageHours} hours ago, more than the ${tokenMaxAgeHours} hours allowed.`
      : `The TMC auth token ${parameter.name} was updated ${ageHours} hours ago (limit ${tokenMaxAgeHours}).`,
    evidence: {
      lastModifiedDate: parameter.lastModifiedDate ?? null,
      ageHours,
      maxAgeHours: tokenMaxAgeHours,
      version: parameter.version ?? null,
      type: parameter.type ?? null,
    },
  });
}

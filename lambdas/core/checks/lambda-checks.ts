import { classifyFunction, type LambdaRole } from '../classify';
import { describeFailure, vanishedArns, type CredentialView } from '../credential-view';
import type { Finding } from '../finding';
import { buildFinding, presenceKey, type FindingScope } from '../finding-factory';
import type { TaggedFunction } from '../inventory';
import type { CheckerSettings } from '../settings';
import { metricsReadWindowMinutes } from './metrics-cadence';

const ROLES: readonly LambdaRole[] = ['data-sync', 'resource-retriever'];
const ACTIVE = 'Active';

type Settings = Pick<
  CheckerSettings,
  | 'dataSyncPattern'
  | 'resourceRetrieverPattern'
  | 'errorThreshold'
  | 'metricsWindowMinutes'
  | 'metricsIntervalMinutes'
  | 'schedulePeriodMinutes'
>;

/** Each tagged function of the credential with the role its name or description gives it. */
export function classifiedFunctions(
  view: CredentialView,
  settings: Settings,
): { fn: TaggedFunction; role: LambdaRole | undefined }[] {
  return view.functions.map((fn) => ({
    fn,
    role: classifyFunction(
      { name: fn.name, description: fn.configuration.ok ? fn.configuration.value.description : undefined },
      settings,
    ),
  }));
}

export function lambdaFindings(scope: FindingScope, view: CredentialView, settings: Settings): Finding[] {
  const classified = classifiedFunctions(view, settings);
  return [
    ...ROLES.map((role) => presenceFinding(scope, view, role, classified)),
    ...classified.flatMap(({ fn, role }) => [
      ...healthFindings(scope, view, fn, role),
      ...metricFindings(scope, view, fn, role, settings),
    ]),
  ];
}

function presenceFinding(
  scope: FindingScope,
  view: CredentialView,
  role: LambdaRole,
  classified: readonly { fn: TaggedFunction; role: LambdaRole | undefined }[],
): Finding {
  // Functions Lambda confirmed come first: the PASS names one of them, so it rests on that confirmation.
  const present = classified
    .filter((entry) => entry.role === role)
    .map((entry) => entry.fn)
    .sort((a, b) => Number(b.configuration.ok) - Number(a.configuration.ok));
  const unclassified = classified.filter((entry) => entry.role === undefined).map((entry) => entry.fn);
  // A function whose description we could not read might be the one we look for: unknown, not missing.
  const unreadable = unclassified.filter((fn) => !fn.configuration.ok);
  const lookupFailure = view.failureOf('functions');
  const base = {
    checkId: 'tmc.lambda.missing' as const,
    resourceKey: presenceKey(view.credentialName, role),
    tmc: { credentialName: view.credentialName, component: role },
  };
  const evidence = {
    taggedFunctions: view.functions.map((fn) => fn.name),
    unclassifiedFunctions: unclassified.map((fn) => fn.name),
    vanishedFunctions: vanishedArns(view, 'lambda:function'),
  };
  const first = present[0];
  if (first) {
    return buildFinding(scope, {
      ...base,
      status: 'PASS',
      title: `${role} Lambda present`,
      message: `Credential ${view.credentialName} has its ${role} Lambda ${present.map((fn) => fn.name).join(', ')} in ${scope.region}.`,
      resource: { type: 'AWS::Lambda::Function', arn: first.arn, name: first.name },
      evidence: { ...evidence, functions: present.map((fn) => fn.name) },
    });
  }
  const missingResource = {
    type: 'AWS::Lambda::Function' as const,
    name: `${view.credentialName} ${role} Lambda`,
  };
  const unknownCause =
    lookupFailure ??
    (unreadable[0]?.configuration.ok === false ? unreadable[0].configuration.failure : undefined);
  if (unknownCause) {
    return buildFinding(scope, {
      ...base,
      status: 'ERROR',
      title: `${role} Lambda could not be checked`,
      message: `Could not tell whether credential ${view.credentialName} has its ${role} Lambda in ${scope.region}: ${describeFailure(unknownCause)}.`,
      resource: missingResource,
      evidence: { ...evidence, error: describeFailure(unknownCause) },
    });
  }
  return buildFinding(scope, {
    ...base,
    status: 'FAIL',
    title: `${role} Lambda missing`,
    message:
      `Credential ${view.credentialName} has no ${role} Lambda in ${scope.region}` +
      (evidence.vanishedFunctions.length > 0 ? ' (the tagging API still lists a deleted one)' : '') +
      (unclassified.length > 0
        ? `; tagged functions not recognised: ${unclassified.map((fn) => fn.name).join(', ')}`
        : '') +
      '.',
    resource: missingResource,
    evidence,
  });
}

function functionContext(view: CredentialView, fn: TaggedFunction, role: LambdaRole | undefined) {
  return {
    resource: { type: 'AWS::Lambda::Function' as const, arn: fn.arn, name: fn.name },
    resourceKey: fn.arn,
    tmc: role
      ? { credentialName: view.credentialName, component: role }
      : { credentialName: view.credentialName },
  };
}

function label(role: LambdaRole | undefined): string {
  return role ?? 'tagged';
}

function healthFindings(
  scope: FindingScope,
  view: CredentialView,
  fn: TaggedFunction,
  role: LambdaRole | undefined,
): Finding[] {
  const context = { ...functionContext(view, fn, role), checkId: 'tmc.lambda.unhealthy' as const };
  if (!fn.configuration.ok) {
    return [
      buildFinding(scope, {
        ...context,
        status: 'ERROR',
        title: `${label(role)} Lambda state unknown`,
        message: `Could not read the configuration of ${fn.name}: ${describeFailure(fn.configuration.failure)}.`,
        evidence: { error: describeFailure(fn.configuration.failure) },
      }),
    ];
  }
  const config = fn.configuration.value;
  const evidence = {
    state: config.state ?? null,
    stateReason: config.stateReason ?? null,
    stateReasonCode: config.stateReasonCode ?? null,
    lastUpdateStatus: config.lastUpdateStatus ?? null,
    lastUpdateStatusReason: config.lastUpdateStatusReason ?? null,
    lastModified: config.lastModified ?? null,
    runtime: config.runtime ?? null,
  };
  const updateFailed = config.lastUpdateStatus === 'Failed';
  // Lambda omits State for functions created before states existed; those are Active by definition.
  const state = config.state ?? ACTIVE;
  if (state === ACTIVE && !updateFailed) {
    return [
      buildFinding(scope, {
        ...context,
        status: 'PASS',
        title: `${label(role)} Lambda Active`,
        message: `${fn.name} is Active and its last update succeeded.`,
        evidence,
      }),
    ];
  }
  const problem = updateFailed
    ? `its last update failed (${config.lastUpdateStatusReason ?? 'no reason given'})`
    : `it is ${state}${config.stateReason ? ` (${config.stateReason})` : ''}`;
  return [
    buildFinding(scope, {
      ...context,
      status: 'FAIL',
      // Pending is a normal, short-lived state right after a change.
      severity: state === 'Pending' && !updateFailed ? 'LOW' : undefined,
      title: `${label(role)} Lambda ${updateFailed ? 'update failed' : state}`,
      message: `${fn.name} (credential ${view.credentialName}) cannot be relied on: ${problem}.`,
      evidence,
    }),
  ];
}

function metricFindings(
  scope: FindingScope,
  view: CredentialView,
  fn: TaggedFunction,
  role: LambdaRole | undefined,
  settings: Settings,
): Finding[] {
  // Absent: not requested this run (the configuration could not be read, or metrics are read once per
  // metricsIntervalMinutes and this run is not the slot's first): not looked at, so nothing to say.
  if (!fn.metrics) return [];
  const context = functionContext(view, fn, role);
  // The window of this read (metricsReadWindowMinutes), which the cadence may have widened past the setting.
  const window = fn.metrics.ok ? fn.metrics.value.windowMinutes : metricsReadWindowMinutes(settings);
  // When the figures were read: a finding is kept in the ledger between reads, and says how old it is.
  const metricsReadAt = scope.observedAt;
  if (!fn.metrics.ok) {
    const error = describeFailure(fn.metrics.failure);
    return (['tmc.lambda.not-invoked', 'tmc.lambda.errors', 'tmc.lambda.throttled'] as const).map((checkId) =>
      buildFinding(scope, {
        ...context,
        checkId,
        status: 'ERROR',
        title: `${label(role)} Lambda metrics unavailable`,
        message: `Could not read the CloudWatch metrics of ${fn.name}: ${error}.`,
        evidence: { error, windowMinutes: window, metricsReadAt },
      }),
    );
  }
  const { invocations, errors, throttles } = fn.metrics.value;
  const figures = { invocations, errors, throttles, windowMinutes: window, metricsReadAt };
  const notInvoked = buildFinding(scope, {
    ...context,
    checkId: 'tmc.lambda.not-invoked',
    status: invocations > 0 ? 'PASS' : 'FAIL',
    title: invocations > 0 ? `${label(role)} Lambda running` : `${label(role)} Lambda not running`,
    message:
      invocations > 0
        ? `${fn.name} ran ${invocations} times in the last ${window} minutes.`
        : `${fn.name} (credential ${view.credentialName}) was not invoked in the last ${window} minutes; TMC syncs about every 5 minutes.`,
    evidence: figures,
  });
  const failing = errors >= settings.errorThreshold;
  const allFailing = failing && errors >= invocations;
  const errorRatePercent = invocations > 0 ? Math.round((errors / invocations) * 1000) / 10 : null;
  const errorFinding = buildFinding(scope, {
    ...context,
    checkId: 'tmc.lambda.errors',
    status: failing ? 'FAIL' : 'PASS',
    severity: failing && !allFailing ? 'MEDIUM' : undefined,
    title: failing ? `${label(role)} Lambda failing` : `${label(role)} Lambda error-free`,
    message: failing
      ? `${fn.name} (credential ${view.credentialName}) reported ${errors} errors in ${invocations} invocations over the last ${window} minutes${allFailing ? ': every run failed' : ''}.`
      : `${fn.name} reported ${errors} errors over the last ${window} minutes (threshold ${settings.errorThreshold}).`,
    evidence: { ...figures, errorRatePercent, errorThreshold: settings.errorThreshold },
  });
  const throttleFinding = buildFinding(scope, {
    ...context,
    checkId: 'tmc.lambda.throttled',
    status: throttles > 0 ? 'FAIL' : 'PASS',
    title: throttles > 0 ? `${label(role)} Lambda throttled` : `${label(role)} Lambda not throttled`,
    message:
      throttles > 0
        ? `${fn.name} (credential ${view.credentialName}) was throttled ${throttles} times in the last ${window} minutes.`
        : `${fn.name} was not throttled in the last ${window} minutes.`,
    evidence: figures,
  });
  return [notInvoked, errorFinding, throttleFinding];
}

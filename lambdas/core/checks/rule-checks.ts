import { unqualifiedFunctionArn } from '../classify';
import { describeFailure, vanishedArns, type CredentialView } from '../credential-view';
import type { Finding } from '../finding';
import { buildFinding, presenceKey, type FindingScope } from '../finding-factory';
import type { TaggedFunction, TaggedRule, UnreadResource } from '../inventory';

/** States in which a rule delivers events. */
const ENABLED_STATES = new Set(['ENABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);

export function ruleFindings(
  scope: FindingScope,
  view: CredentialView,
  dataSyncFunctions: readonly TaggedFunction[],
): Finding[] {
  return [
    presenceFinding(scope, view),
    ...view.rules.flatMap((rule) => [
      stateFinding(scope, view, rule),
      ...targetFindings(scope, view, rule, dataSyncFunctions),
    ]),
    ...view.unread
      .filter((item) => item.resourceType === 'events:rule')
      .flatMap((item) => unreadRuleFindings(scope, view, item, dataSyncFunctions)),
  ];
}

/** A tagged rule DescribeRule could not read: its state and targets are unknown, under the rule's own id. */
function unreadRuleFindings(
  scope: FindingScope,
  view: CredentialView,
  item: UnreadResource,
  dataSyncFunctions: readonly TaggedFunction[],
): Finding[] {
  const error = describeFailure(item.failure);
  const context = {
    resource: { type: 'AWS::Events::Rule' as const, arn: item.arn, name: item.name },
    resourceKey: item.arn,
    tmc: { credentialName: view.credentialName, component: 'event-rule' as const },
    status: 'ERROR' as const,
    evidence: { error },
  };
  return [
    buildFinding(scope, {
      ...context,
      checkId: 'tmc.event-rule.disabled',
      title: 'event rule state unknown',
      message: `Could not read rule ${item.name} of credential ${view.credentialName}: ${error}.`,
    }),
    // Mirrors the readable case: without a known data-sync function there is nothing to compare targets with.
    ...(dataSyncFunctions.length === 0
      ? []
      : [
          buildFinding(scope, {
            ...context,
            checkId: 'tmc.event-rule.wrong-target',
            title: 'event rule targets unknown',
            message: `Could not read rule ${item.name} of credential ${view.credentialName}, so its targets are unknown: ${error}.`,
          }),
        ]),
  ];
}

function presenceFinding(scope: FindingScope, view: CredentialView): Finding {
  const base = {
    checkId: 'tmc.event-rule.missing' as const,
    resourceKey: presenceKey(view.credentialName, 'event-rule'),
    tmc: { credentialName: view.credentialName, component: 'event-rule' as const },
  };
  const evidence = {
    rules: view.rules.map((rule) => rule.name),
    discoveredBy: view.rules.map((rule) => `${rule.name}: ${rule.discoveredBy}`),
    vanishedRules: vanishedArns(view, 'events:rule'),
  };
  const first = view.rules[0];
  if (first) {
    return buildFinding(scope, {
      ...base,
      status: 'PASS',
      title: 'event rule present',
      message: `Credential ${view.credentialName} has its CloudWatch Events rule ${view.rules.map((rule) => rule.name).join(', ')}.`,
      resource: { type: 'AWS::Events::Rule', arn: first.arn, name: first.name },
      evidence,
    });
  }
  const resource = {
    type: 'AWS::Events::Rule' as const,
    name: `${view.credentialName} CloudWatch Events rule`,
  };
  const failure = view.failureOf('rules');
  if (failure) {
    return buildFinding(scope, {
      ...base,
      status: 'ERROR',
      title: 'event rule could not be checked',
      message: `Could not tell whether credential ${view.credentialName} has its CloudWatch Events rule in ${scope.region}: ${describeFailure(failure)}.`,
      resource,
      evidence: { ...evidence, error: describeFailure(failure) },
    });
  }
  return buildFinding(scope, {
    ...base,
    status: 'FAIL',
    title: 'event rule missing',
    message: `Credential ${view.credentialName} has no CloudWatch Events rule in ${scope.region} (none tagged, none targeting its Lambdas), so nothing triggers its data-sync Lambda.`,
    resource,
    evidence,
  });
}

function ruleContext(view: CredentialView, rule: TaggedRule) {
  return {
    resource: { type: 'AWS::Events::Rule' as const, arn: rule.arn, name: rule.name },
    resourceKey: rule.arn,
    tmc: { credentialName: view.credentialName, component: 'event-rule' as const },
  };
}

function stateFinding(scope: FindingScope, view: CredentialView, rule: TaggedRule): Finding {
  const enabled = ENABLED_STATES.has(rule.state);
  return buildFinding(scope, {
    ...ruleContext(view, rule),
    checkId: 'tmc.event-rule.disabled',
    status: enabled ? 'PASS' : 'FAIL',
    title: enabled ? 'event rule enabled' : 'event rule disabled',
    message: enabled
      ? `Rule ${rule.name} is ${rule.state}.`
      : `Rule ${rule.name} of credential ${view.credentialName} is ${rule.state}, so it no longer triggers the data-sync Lambda.`,
    evidence: {
      state: rule.state,
      scheduleExpression: rule.scheduleExpression ?? null,
      eventBusName: rule.eventBusName,
      discoveredBy: rule.discoveredBy,
    },
  });
}

function targetFindings(
  scope: FindingScope,
  view: CredentialView,
  rule: TaggedRule,
  dataSyncFunctions: readonly TaggedFunction[],
): Finding[] {
  const context = { ...ruleContext(view, rule), checkId: 'tmc.event-rule.wrong-target' as const };
  if (!rule.targets.ok) {
    const error = describeFailure(rule.targets.failure);
    return [
      buildFinding(scope, {
        ...context,
        status: 'ERROR',
        title: 'event rule targets unknown',
        message: `Could not list the targets of rule ${rule.name}: ${error}.`,
        evidence: { error },
      }),
    ];
  }
  // Without a known data-sync function there is nothing to compare with; tmc.lambda.missing reports that.
  if (dataSyncFunctions.length === 0) return [];
  const targetArns = rule.targets.value.map((target) => target.arn);
  const expected = dataSyncFunctions.map((fn) => fn.arn);
  const hit = targetArns.some((arn) => expected.includes(unqualifiedFunctionArn(arn)));
  return [
    buildFinding(scope, {
      ...context,
      status: hit ? 'PASS' : 'FAIL',
      title: hit ? 'event rule targets data-sync' : 'event rule does not target data-sync',
      message: hit
        ? `Rule ${rule.name} targets the data-sync Lambda.`
        : `Rule ${rule.name} of credential ${view.credentialName} does not target its data-sync Lambda ${dataSyncFunctions.map((fn) => fn.name).join(', ')}.`,
      evidence: { targets: targetArns, expectedTargets: expected },
    }),
  ];
}

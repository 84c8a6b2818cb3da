/**
 * One finding per id in a run. The families that run inside the credential check (the EKS Connector and Pod
 * Identity) call some of the same operations in the same region (`eks:ListClusters`, `iam:GetRole`), and each
 * reports its calls as `checker.error` findings, whose id is the operation's in the region: two findings with one
 * id would be two different states for one ledger item. They become one: ERROR when any of them is (unknown is
 * never healthy), with the failed calls of all of them.
 */
import type { Finding } from '../finding';
import { carryResourceKey } from '../finding-factory';
import { checkerErrorMessage } from './checker-findings';

const MAX_RESOURCES = 10;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function mergeErrors(errors: readonly Finding[]): Finding {
  const first = errors[0] as Finding;
  if (errors.length === 1) return first;
  const failedCalls = errors.reduce(
    (sum, finding) =>
      sum + (typeof finding.evidence.failedCalls === 'number' ? finding.evidence.failedCalls : 0),
    0,
  );
  const errorNames = [...new Set(errors.flatMap((finding) => strings(finding.evidence.errorNames)))];
  const resources = [...new Set(errors.flatMap((finding) => strings(finding.evidence.resources)))];
  const errorName = errorNames[0] ?? 'Error';
  const message = typeof first.evidence.message === 'string' ? first.evidence.message : '';
  return carryResourceKey(first, {
    ...first,
    message: checkerErrorMessage(first.resource.name, first.region, { errorName, message }, failedCalls),
    evidence: { ...first.evidence, errorNames, failedCalls, resources: resources.slice(0, MAX_RESOURCES) },
  });
}

/** The findings with each `checker.error` id once, where the first of them was; every other finding as it is. */
export function mergeCheckerFindings(findings: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.checkId !== 'checker.error') continue;
    groups.set(finding.findingId, [...(groups.get(finding.findingId) ?? []), finding]);
  }
  const emitted = new Set<string>();
  return findings.flatMap((finding) => {
    const group = finding.checkId === 'checker.error' ? groups.get(finding.findingId) : undefined;
    if (group === undefined || group.length === 1) return [finding];
    if (emitted.has(finding.findingId)) return [];
    emitted.add(finding.findingId);
    const errors = group.filter((item) => item.status === 'ERROR');
    return [errors.length > 0 ? mergeErrors(errors) : finding];
  });
}

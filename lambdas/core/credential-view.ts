import type {
  ApiFailure,
  ComponentFailure,
  RegionInventory,
  TaggedFunction,
  TaggedParameter,
  TaggedRule,
  UnreadResource,
  VanishedResource,
} from './inventory';

/** One credential's slice of a region's inventory. */
export interface CredentialView {
  readonly credentialName: string;
  readonly functions: readonly TaggedFunction[];
  readonly rules: readonly TaggedRule[];
  readonly parameters: readonly TaggedParameter[];
  readonly vanished: readonly VanishedResource[];
  /** Tagged rules and parameters that could not be read: their per-resource checks are ERROR. */
  readonly unread: readonly UnreadResource[];
  readonly failureOf: (kind: ComponentFailure['kind']) => ApiFailure | undefined;
}

/** Every credential name the region shows a trace of, including ones whose resources all vanished. */
export function credentialNamesIn(region: RegionInventory): string[] {
  const names = new Set<string>();
  for (const item of [
    ...region.functions,
    ...region.rules,
    ...region.parameters,
    ...region.vanished,
    ...region.componentFailures,
  ]) {
    names.add(item.credentialName);
  }
  return [...names].sort();
}

export function credentialView(region: RegionInventory, credentialName: string): CredentialView {
  const mine = <T extends { readonly credentialName: string }>(items: readonly T[]): T[] =>
    items.filter((item) => item.credentialName === credentialName);
  const failures = mine(region.componentFailures);
  return {
    credentialName,
    functions: mine(region.functions),
    rules: mine(region.rules),
    parameters: mine(region.parameters),
    vanished: mine(region.vanished),
    unread: mine(region.unread ?? []),
    failureOf: (kind) => failures.find((failure) => failure.kind === kind)?.failure,
  };
}

/** A one-line description of a failed call, for evidence and messages. */
export function describeFailure(failure: ApiFailure): string {
  return `${failure.service}:${failure.operation} failed in ${failure.region} with ${failure.errorName}: ${failure.message}`;
}

export function vanishedArns(view: CredentialView, resourceType: VanishedResource['resourceType']): string[] {
  return view.vanished.filter((item) => item.resourceType === resourceType).map((item) => item.arn);
}

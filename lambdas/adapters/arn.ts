/** The parts of an ARN the adapters need; `resource` is everything after the account id. */
export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  const resource = parts.slice(5).join(':');
  if (partition === '' || service === '' || resource === '') return undefined;
  return { partition, service, region, accountId, resource };
}

/** `function:<name>` (a qualifier after another `:` is ignored: TMC tags the unqualified function). */
export function lambdaFunctionName(arn: ParsedArn): string | undefined {
  if (arn.service !== 'lambda') return undefined;
  const match = /^function:([^:]+)(?::[^:]+)?$/.exec(arn.resource);
  return match?.[1];
}

export interface RuleRef {
  readonly name: string;
  readonly eventBusName: string;
}

/** `rule/<name>` lives on the default bus; `rule/<bus>/<name>` on a custom bus. */
export function eventRuleRef(arn: ParsedArn): RuleRef | undefined {
  if (arn.service !== 'events') return undefined;
  const match = /^rule\/(?:([^/]+)\/)?([^/]+)$/.exec(arn.resource);
  if (!match?.[2]) return undefined;
  return { name: match[2], eventBusName: match[1] ?? 'default' };
}

/** Hierarchical names (`/a/b`) drop their leading slash in the ARN; flat names have none to drop. */
export function ssmParameterName(arn: ParsedArn): string | undefined {
  if (arn.service !== 'ssm') return undefined;
  const match = /^parameter\/(.+)$/.exec(arn.resource);
  if (!match?.[1]) return undefined;
  const rest = match[1];
  return rest.includes('/') ? `/${rest}` : rest;
}

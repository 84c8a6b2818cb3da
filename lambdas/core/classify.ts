import type { Component } from './finding';

export type LambdaRole = Extract<Component, 'data-sync' | 'resource-retriever'>;

export interface ClassificationPatterns {
  readonly dataSyncPattern: string;
  readonly resourceRetrieverPattern: string;
}

/**
 * Which of TMC's two Lambdas a function is. The name decides first because TMC names them after their job;
 * the description is the fallback for renamed functions. Undefined when neither matches.
 */
export function classifyFunction(
  fn: { readonly name: string; readonly description?: string },
  patterns: ClassificationPatterns,
): LambdaRole | undefined {
  const dataSync = new RegExp(patterns.dataSyncPattern, 'i');
  const retriever = new RegExp(patterns.resourceRetrieverPattern, 'i');
  for (const text of [fn.name, fn.description ?? '']) {
    if (dataSync.test(text)) return 'data-sync';
    if (retriever.test(text)) return 'resource-retriever';
  }
  return undefined;
}

/** Strips a `:version` or `:alias` qualifier so a rule target `...:function:f:live` matches function `f`. */
export function unqualifiedFunctionArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : arn;
}

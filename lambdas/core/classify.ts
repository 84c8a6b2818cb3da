import type { Component } from './finding';

export type LambdaRole = Extract<Component, 'data-sync' | 'resource-retriever'>;

export interface ClassificationPatterns {
  readonly dataSyncPattern: string;
  readonly resourceRetrieverPattern: string;
}

/**
 * Lambda's own limits: a function name has at most 64 characters (140 as a full ARN) and a description at most
 * 256. The patterns are configuration (trusted, and written as regular expressions, so they are RegExps), but
 * the names and descriptions are written by anyone who may tag or update a function in the account: only this
 * many characters of each are tested, so a badly backtracking configured pattern stays bounded by what AWS
 * allows rather than by what a caller sends.
 */
export const MAX_CLASSIFIED_NAME_CHARS = 140;
export const MAX_CLASSIFIED_DESCRIPTION_CHARS = 256;

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
  const texts = [
    fn.name.slice(0, MAX_CLASSIFIED_NAME_CHARS),
    (fn.description ?? '').slice(0, MAX_CLASSIFIED_DESCRIPTION_CHARS),
  ];
  for (const text of texts) {
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

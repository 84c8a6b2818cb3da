import type { ApiFailure } from '../core/inventory';

export interface CallSite {
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  readonly resourceArn?: string;
  readonly resourceArns?: readonly string[];
}

export const NOT_FOUND = 'ResourceNotFoundException';

/** SDK v3 errors carry the service's error code in `name`; anything else thrown is reported as-is. */
export function errorName(error: unknown): string {
  if (error instanceof Error && error.name !== '' && error.name !== 'Error') return error.name;
  if (typeof error === 'object' && error !== null) {
    const code = (error as { Code?: unknown; code?: unknown }).Code ?? (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return error instanceof Error ? 'Error' : 'UnknownError';
}

/** The error's message on one line: findings, log lines and table rows never carry a parser's multi-line text. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unknown error';
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function toApiFailure(error: unknown, site: CallSite): ApiFailure {
  return {
    service: site.service,
    operation: site.operation,
    region: site.region,
    errorName: errorName(error),
    message: errorMessage(error),
    ...(site.resourceArn === undefined ? {} : { resourceArn: site.resourceArn }),
    ...(site.resourceArns === undefined ? {} : { resourceArns: site.resourceArns }),
  };
}

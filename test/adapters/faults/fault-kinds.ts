/**
 * The ways an AWS call can fail, as the SDK reports them after its own retries gave up. aws-sdk-client-mock
 * replaces `send`, so a rejection here is what the caller sees once every attempt failed.
 */
export const ERROR_FAULTS = {
  /** Throttled on every attempt (the JSON protocols' name). */
  throttling: { name: 'ThrottlingException', httpStatusCode: 400, message: 'Rate exceeded' },
  /** Lambda's and API Gateway-style throttle name. */
  'too-many-requests': { name: 'TooManyRequestsException', httpStatusCode: 429, message: 'Rate exceeded' },
  'unavailable-503': { name: 'ServiceUnavailable', httpStatusCode: 503, message: 'Service Unavailable' },
  'internal-500': { name: 'InternalFailure', httpStatusCode: 500, message: 'Internal server error' },
  'access-denied': {
    name: 'AccessDeniedException',
    httpStatusCode: 400,
    message: 'User is not authorized to perform this action',
  },
  /** What @smithy/node-http-handler rejects with when requestTimeout passes. */
  'socket-timeout': {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
    message: 'a request has exceeded the configured 10000 ms requestTimeout',
  },
  /** A socket the peer closed: a plain Error carrying only a Node error code. */
  'connection-reset': { name: 'Error', code: 'ECONNRESET', message: 'socket hang up' },
} as const;
export type ErrorFault = keyof typeof ERROR_FAULTS;
export const ERROR_FAULT_KINDS = Object.keys(ERROR_FAULTS) as ErrorFault[];

export function faultError(kind: ErrorFault): Error {
  const spec: { name: string; message: string; httpStatusCode?: number; code?: string } = ERROR_FAULTS[kind];
  const error = new Error(spec.message);
  error.name = spec.name;
  return Object.assign(error, {
    ...(spec.code ? { code: spec.code } : {}),
    ...(spec.httpStatusCode ? { $metadata: { httpStatusCode: spec.httpStatusCode, attempts: 3 } } : {}),
  });
}

/** The error name the checker should report for a fault: the SDK name, or the Node code for a plain Error. */
export function reportedName(kind: ErrorFault): string {
  const spec: { name: string; code?: string } = ERROR_FAULTS[kind];
  return spec.name === 'Error' && spec.code ? spec.code : spec.name;
}

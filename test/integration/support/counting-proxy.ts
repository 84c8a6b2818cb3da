/**
 * A black-box AWS request counter: an HTTP pass-through proxy in front of moto that records one entry per HTTP
 * request as `service:Operation`, whatever client or protocol sent it (AWS JSON via X-Amz-Target, query via
 * Action=, smithy rpcv2-cbor via its path, REST-JSON such as Lambda via method + path). Point the code under test
 * at it with AWS_ENDPOINT_URL. Retries count as separate requests, which is what the bill sees.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  readonly endpoint: string;
  /** Requests seen since start or the last reset, keyed `service:Operation`. */
  counts(): Map<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

function serviceOf(headers: http.IncomingHttpHeaders): string {
  const authorization = String(headers.authorization ?? '');
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization);
  return scope?.[1] ?? 'unknown';
}

function operationOf(request: http.IncomingMessage, body: string): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string' && target !== '') return target.split('.').pop()!;
  const cbor = /\/service\/[^/]+\/operation\/([^/?]+)/.exec(request.url ?? '');
  if (cbor) return cbor[1]!;
  const contentType = String(request.headers['content-type'] ?? '');
  if (contentType.includes('x-www-form-urlencoded')) {
    const action = new URLSearchParams(body).get('Action');
    if (action) return action;
  }
  const queryAction = new URL(request.url ?? '/', 'http://x').searchParams.get('Action');
  if (queryAction) return queryAction;
  // REST protocols (Lambda): the method and the path with the query string dropped.
  return `${request.method ?? 'GET'} ${decodeURIComponent((request.url ?? '/').split('?')[0]!)}`;
}

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  let counts = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!(request.url ?? '').startsWith('/moto-api')) {
        const key = `${serviceOf(request.headers)}:${operationOf(request, body.toString('utf8'))}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const forwarded = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
        },
      );
      forwarded.on('error', (error) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`counting proxy: ${error.message}`);
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => new Map(counts),
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    reset: () => {
      counts = new Map();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

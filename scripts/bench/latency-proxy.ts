/**
 * A pass-through HTTP proxy in front of moto that holds every answer back for a fixed time before passing it on,
 * so a local run pays something like a real AWS round trip per request (moto answers in a millisecond or two).
 * It counts the requests it forwards: the CLI runs as a child process, so this is where its traffic is seen.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface LatencyProxy {
  readonly endpoint: string;
  /** Requests forwarded since start or the last reset (moto's own /moto-api calls excluded). */
  requests(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startLatencyProxy(upstream: string, addedLatencyMs: number): Promise<LatencyProxy> {
  const target = new URL(upstream);
  let requests = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (!(request.url ?? '').startsWith('/moto-api')) requests++;
      const forwarded = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (upstreamResponse) => {
          // The whole answer is read first, then held: the delay is added to moto's time, not overlapped with it.
          const answer: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => answer.push(chunk));
          upstreamResponse.on('end', () => {
            // moto's server closes every connection; AWS keeps them open, so the CLI's side of the proxy does too.
            const headers = { ...upstreamResponse.headers };
            delete headers.connection;
            void delay(addedLatencyMs).then(() => {
              response.writeHead(upstreamResponse.statusCode ?? 502, headers);
              response.end(Buffer.concat(answer));
            });
          });
        },
      );
      forwarded.on('error', (error) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`latency proxy: ${error.message}`);
      });
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    reset: () => {
      requests = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

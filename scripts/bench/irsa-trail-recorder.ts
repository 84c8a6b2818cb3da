/**
 * A pass-through proxy in front of the CloudTrail stub that writes down the event id of every event in every page
 * it serves. The findings only carry five sample ids per group, so this is how the IRSA scan bench sees, event by
 * event, what each run read; the bench then checks each id was counted exactly once (irsa-scan-tally.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrailRecorder {
  /** Point AWS_ENDPOINT_URL_CLOUDTRAIL here. */
  readonly endpoint: string;
  /** The event ids served since the last call (or the start), in the order served; starts a new record. */
  take(): string[];
  close(): Promise<void>;
}

interface LookupEventsPage {
  readonly Events?: readonly { readonly EventId?: string }[];
}

function eventIdsOf(body: Buffer): string[] {
  try {
    const page = JSON.parse(body.toString('utf8')) as LookupEventsPage;
    return (page.Events ?? []).flatMap((event) => (event.EventId ? [event.EventId] : []));
  } catch {
    // Not a page the checker could read either: it fails the page itself, nothing was served.
    return [];
  }
}

export async function startTrailRecorder(upstream: string): Promise<TrailRecorder> {
  const target = new URL(upstream);
  let served: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const forwarded = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (upstreamResponse) => {
          const body: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => body.push(chunk));
          upstreamResponse.on('end', () => {
            const text = Buffer.concat(body);
            // Throttles and client errors carry no events; only a 200 is a page the checker will read.
            if (upstreamResponse.statusCode === 200) served.push(...eventIdsOf(text));
            const headers = { ...upstreamResponse.headers, 'content-length': String(text.length) };
            delete headers['transfer-encoding'];
            response.writeHead(upstreamResponse.statusCode ?? 502, headers);
            response.end(text);
          });
        },
      );
      forwarded.on('error', (error) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`trail recorder: ${error.message}`);
      });
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    take: () => {
      const taken = served;
      served = [];
      return taken;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

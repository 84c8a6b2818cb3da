/**
 * A pass-through HTTP proxy in front of moto that changes one thing: the `LastModifiedDate` of chosen SSM parameters
 * in DescribeParameters answers. moto stamps a parameter with the wall clock and has no way to backdate it, so
 * without this a freshly seeded token can never be stale. Every other request and answer passes untouched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const DESCRIBE_PARAMETERS = 'AmazonSSM.DescribeParameters';

export interface BackdateProxy {
  readonly endpoint: string;
  /** DescribeParameters answers in which at least one parameter was backdated. */
  backdatedAnswers(): number;
  close(): Promise<void>;
}

interface ParameterMetadata {
  Name?: unknown;
  LastModifiedDate?: unknown;
}

/** The answer with the chosen parameters' LastModifiedDate set to `to`, or undefined when none is in it. */
export function backdateAnswer(body: string, names: ReadonlySet<string>, to: Date): string | undefined {
  let answer: { Parameters?: ParameterMetadata[] };
  try {
    answer = JSON.parse(body) as { Parameters?: ParameterMetadata[] };
  } catch {
    return undefined;
  }
  let changed = false;
  for (const parameter of answer.Parameters ?? []) {
    if (typeof parameter.Name !== 'string' || !names.has(parameter.Name)) continue;
    // Keep the wire type moto used: epoch seconds (AWS JSON 1.1) or, defensively, an ISO string.
    parameter.LastModifiedDate =
      typeof parameter.LastModifiedDate === 'string' ? to.toISOString() : to.getTime() / 1000;
    changed = true;
  }
  return changed ? JSON.stringify(answer) : undefined;
}

export async function startBackdateProxy(
  upstream: string,
  parameterNames: readonly string[],
  lastModified: Date,
): Promise<BackdateProxy> {
  const target = new URL(upstream);
  const names = new Set(parameterNames);
  let backdated = 0;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rewrite = request.headers['x-amz-target'] === DESCRIBE_PARAMETERS;
      const headers = { ...request.headers };
      // An answer to rewrite must come back as plain text.
      if (rewrite) delete headers['accept-encoding'];
      const forwarded = http.request(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers },
        (upstreamResponse) => {
          if (!rewrite) {
            response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
            upstreamResponse.pipe(response);
            return;
          }
          const answer: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => answer.push(chunk));
          upstreamResponse.on('end', () => {
            const original = Buffer.concat(answer);
            const changed =
              upstreamResponse.statusCode === 200
                ? backdateAnswer(original.toString('utf8'), names, lastModified)
                : undefined;
            if (changed !== undefined) backdated++;
            const body = changed === undefined ? original : Buffer.from(changed, 'utf8');
            const answerHeaders = { ...upstreamResponse.headers, 'content-length': String(body.length) };
            delete answerHeaders['transfer-encoding'];
            response.writeHead(upstreamResponse.statusCode ?? 502, answerHeaders);
            response.end(body);
          });
        },
      );
      forwarded.on('error', (error) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`demo proxy: ${error.message}`);
      });
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    backdatedAnswers: () => backdated,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

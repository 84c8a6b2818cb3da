import type { MiddlewareStack } from '@smithy/types';

/** The error name of an answer that is not the service's protocol (an HTML page, truncated JSON, ...). */
export const UNEXPECTED_ANSWER = 'UnexpectedResponse';

const SNIPPET_CHARS = 60;

interface RequestLike {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: number;
}

interface ResponseLike {
  readonly statusCode?: number;
  readonly headers?: Record<string, string | undefined>;
}

/**
 * Whether the SDK failed to read the answer itself, rather than AWS answering with an error: the parsers throw
 * SyntaxError (JSON), or an error whose message the SDK suffixes with "Deserialization error" and that still
 * carries the raw `$response`.
 */
export function isUnreadableAnswer(error: unknown): error is Error & { $response?: ResponseLike } {
  if (!(error instanceof Error)) return false;
  return error.name === 'SyntaxError' || /Deserialization error/i.test(error.message);
}

export function endpointOf(request: RequestLike | undefined): string {
  if (request?.hostname === undefined) return 'the endpoint';
  const port = request.port === undefined ? '' : `:${request.port}`;
  return `${request.protocol ?? 'https:'}//${request.hostname}${port}`;
}

function snippetOf(error: Error): string {
  // The parsers quote the start of what they could not read, e.g. `Unexpected token '<', "<!doctype "...`.
  const quoted = /"([^"]{1,200})"/.exec(error.message)?.[1];
  const text = (quoted ?? '').replace(/\s+/g, ' ').trim();
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}...` : text;
}

/** One line that names the service, the operation and the endpoint, instead of the parser's text. */
export function unexpectedAnswerError(
  error: Error & { $response?: ResponseLike },
  where: { readonly service: string; readonly operation: string; readonly request?: RequestLike },
): Error {
  const status = error.$response?.statusCode;
  const headers = error.$response?.headers ?? {};
  const contentType = headers['content-type'] ?? headers['Content-Type'];
  const snippet = snippetOf(error);
  const answered = [
    status === undefined ? undefined : `HTTP ${status}`,
    contentType,
    snippet === '' ? undefined : `starting "${snippet}"`,
  ].filter((part) => part !== undefined);
  const wrapped = new Error(
    `${endpointOf(where.request)} answered ${where.service} ${where.operation} with something that is not the ${where.service} API` +
      `${answered.length > 0 ? ` (${answered.join(', ')})` : ''}: check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, a proxy, or an emulator that lacks this API`,
  );
  wrapped.name = UNEXPECTED_ANSWER;
  return Object.assign(wrapped, {
    cause: error,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });
}

/** The raw HTTP response the handler returned, as the deserializer receives it. */
interface RawAnswer {
  readonly response?: ResponseLike & { body?: unknown };
}

function labelledHtml(response: ResponseLike | undefined): boolean {
  const headers = response?.headers ?? {};
  const contentType = headers['content-type'] ?? headers['Content-Type'] ?? '';
  return /^\s*text\/html/i.test(contentType);
}

/** The whole body as bytes (the deserializer would read it all anyway), or undefined for a body of unknown kind. */
async function readBody(body: unknown): Promise<Uint8Array | undefined> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return undefined;
}

/** How an HTML page starts (an emulator's or a load balancer's error page, a captive portal). */
const HTML_START = /^\s*<(!doctype\s+html|html|head|body|title)\b/i;

/**
 * Whether an answer labelled text/html really is a page. moto labels some of its JSON answers text/html
 * (EventBridge ListRuleNamesByTarget, Lambda GetFunctionConfiguration), so the label alone would turn a good
 * answer into UnexpectedResponse. The body, once read, is put back for the deserializer.
 */
async function isHtmlPage(response: (ResponseLike & { body?: unknown }) | undefined): Promise<boolean> {
  if (response === undefined || !labelledHtml(response)) return false;
  const body = await readBody(response.body);
  if (body === undefined) return true;
  response.body = body;
  return HTML_START.test(Buffer.from(body.subarray(0, 512)).toString('utf8'));
}

/**
 * Makes an answer that is not the service's protocol fail as one readable `UnexpectedResponse` error naming the
 * service and the endpoint: an HTML page (labelled text/html, and HTML) is caught before any parser reads it (the
 * XML parsers would otherwise turn an emulator's 404 page into a "NotFound" that reads like a missing resource),
 * and an answer a parser choked on (truncated JSON) just after. The HTTP status is kept in `$metadata`, so the SDK
 * still retries a 5xx page from a load balancer.
 */
export function reportUnexpectedAnswers<I extends object, O extends object>(client: {
  readonly middlewareStack: MiddlewareStack<I, O>;
}): void {
  const where = (context: { clientName?: string; commandName?: string }, args: unknown) => ({
    service: (context.clientName ?? 'AWS').replace(/Client$/, ''),
    operation: (context.commandName ?? 'call').replace(/Command$/, ''),
    request: (args as { request?: RequestLike }).request,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isUnreadableAnswer(error)) throw error;
        throw unexpectedAnswerError(error, where(context, args));
      }
    },
    { step: 'deserialize', name: 'tmcHealthUnreadableAnswer', priority: 'high', override: true },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const { response } = result as RawAnswer;
      if (await isHtmlPage(response)) {
        const page = Object.assign(new Error('an HTML page'), { $response: response });
        throw unexpectedAnswerError(page, where(context, args));
      }
      return result;
    },
    { step: 'deserialize', name: 'tmcHealthHtmlAnswer', priority: 'low', override: true },
  );
}

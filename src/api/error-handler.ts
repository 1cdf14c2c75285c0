import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError, invalid, validationError, type Problem } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    deeprails?: boolean;
  }
}

/** The documented error envelope (api.md §1.3). */
export function envelope(error: AppError) {
  return { type: 'error', error: { ref_id: randomUUID(), message: error.message, detail: error.detail } };
}

/**
 * Features of the contracts that this server does not serve (yet): after authentication, any path
 * under them is a 422 saying so, as the README promises, rather than a bare 404.
 */
const UNSERVED: { prefix: RegExp; feature: string }[] = [
  { prefix: /^\/v1(beta)?\/tasks\/groups(\/|$)/, feature: 'task groups' },
  { prefix: /^\/defend(\/|$)/, feature: 'the DeepRails Defend API' },
  { prefix: /^\/evaluate(\/|$)/, feature: 'the DeepRails Evaluate API' },
];

/**
 * Maps every failure to the envelope: AppErrors as they are, schema validation to a 422 naming the
 * field and rule, malformed bodies to a 422, anything else to a logged 500. Unknown routes are
 * authenticated first (401), then a 422 for an unserved feature or a 404.
 * Non-retryable 4xx responses carry `x-should-retry: false` so SDKs do not repeat them.
 */
export function installErrorHandler(app: FastifyInstance, authenticate: onRequestAsyncHookHandler): void {
  app.setErrorHandler((err: FastifyError, request, reply) => sendError(request, reply, toAppError(err), err));
  app.setNotFoundHandler({ preHandler: authenticate }, (request, reply) => {
    const path = request.url.split('?')[0];
    const unserved = UNSERVED.find((u) => u.prefix.test(path));
    const error = unserved
      ? invalid(['path'], `${unserved.feature} is not served by this Vigil yet`, 'unsupported_feature')
      : new AppError('ROUTE_NOT_FOUND', { explain: `${request.method} ${path}` });
    return sendError(request, reply, error);
  });
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError, cause?: unknown): FastifyReply {
  if (error.status >= 500) request.log.error({ err: cause ?? error }, 'request failed');
  if (error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) {
    reply.header('x-should-retry', 'false');
  }
  // DeepRails clients read a top-level `message` (api.md §7.1); the envelope stays beside it.
  const body = request.routeOptions.config?.deeprails ? { success: false, message: error.message, ...envelope(error) } : envelope(error);
  return reply.status(error.status).send(body);
}

/**
 * Fastify's own refusals before routing (a path that is not valid percent-encoding, a path
 * parameter over its length) answered in the envelope: a 422 naming the path.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [msg, type] =
    err.code === 'FST_ERR_BAD_URL'
      ? ['is not a valid percent-encoded UTF-8 path', 'bad_url']
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? ['has a parameter longer than 100 characters (no id is that long)', 'param_length']
        : ['could not be routed', 'path'];
  void sendError(request, reply, invalid(['path'], msg, type));
}

/**
 * Errors Node's HTTP parser finds before any request exists (headers or URL too large, malformed
 * request): answered in the envelope too, then the connection is closed, as Node does.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, reason, error] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'Request header fields too large: the URL and headers may be at most 16 KB together']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'Request timed out before it was complete']
        : [400, 'Bad Request', 'Bad request: the request could not be parsed as HTTP'];
  const body = JSON.stringify({ type: 'error', error: { ref_id: randomUUID(), message: error, detail: null } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nx-should-retry: ${status === 408}\r\n\r\n${body}`,
  );
}

function toAppError(err: FastifyError): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) {
    // Fastify says "querystring" and "params"; the contract's error locations say "query" and "path".
    const context = ({ querystring: 'query', params: 'path' } as Record<string, string>)[err.validationContext ?? ''] ?? err.validationContext ?? 'body';
    return validationError(err.validation.map((v) => problemOf(v, context)));
  }
  if (err.statusCode === 429) return new AppError('RATE_LIMITED');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Malformed JSON, wrong content type, body too large: the request, not the server, is at fault.
    return validationError([{ loc: ['body'], msg: err.message, type: err.code ?? 'invalid_request' }]);
  }
  return new AppError('INTERNAL', { cause: err });
}

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function problemOf(issue: AjvIssue, context: string): Problem {
  const loc: (string | number)[] = [context, ...issue.instancePath.split('/').filter(Boolean).map(decodePointer)];
  switch (issue.keyword) {
    case 'required':
      return { loc: [...loc, String(issue.params.missingProperty)], msg: 'is required', type: 'missing' };
    case 'enum':
      return { loc, msg: `must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}`, type: 'enum' };
    case 'format':
      return {
        loc,
        msg: issue.params.format === 'date' ? 'must be a real calendar date, YYYY-MM-DD' : `must be a valid ${String(issue.params.format)}`,
        type: 'format',
      };
    case 'const':
      return { loc, msg: `must be ${JSON.stringify(issue.params.allowedValue)}`, type: 'const' };
    default:
      return { loc, msg: issue.message ?? 'is invalid', type: issue.keyword };
  }
}

function decodePointer(segment: string): string | number {
  const text = segment.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(text) ? Number(text) : text;
}

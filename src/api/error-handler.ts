import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, validationError, type Problem } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig { deeprails?: boolean }
}

/** The documented error envelope (api.md §1.3). */
export function envelope(error: AppError) {
  return { type: 'error', error: { ref_id: randomUUID(), message: error.message, detail: error.detail } };
}

/**
 * Maps every failure to the envelope: AppErrors as they are, schema validation to a 422 naming the
 * field and rule, malformed bodies to a 422, unknown routes to 404, anything else to a logged 500.
 * Non-retryable 4xx responses carry `x-should-retry: false` so SDKs do not repeat them.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const error = toAppError(err);
    if (error.status >= 500) request.log.error({ err }, 'request failed');
    if (error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) {
      reply.header('x-should-retry', 'false');
    }
    // DeepRails clients read a top-level `message` (api.md §7.1); the envelope stays beside it.
    const body = request.routeOptions.config?.deeprails ? { success: false, message: error.message, ...envelope(error) } : envelope(error);
    return reply.status(error.status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.header('x-should-retry', 'false');
    return reply.status(404).send(envelope(new AppError('ROUTE_NOT_FOUND', { explain: `${request.method} ${request.url.split('?')[0]}` })));
  });
}

function toAppError(err: FastifyError): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) {
    // Fastify says "querystring"; the contract's error locations say "query".
    const context = err.validationContext === 'querystring' ? 'query' : err.validationContext ?? 'body';
    return validationError(err.validation.map((v) => problemOf(v, context)));
  }
  if (err.statusCode === 429) return new AppError('RATE_LIMITED');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Malformed JSON, wrong content type, body too large: the request, not the server, is at fault.
    return validationError([{ loc: ['body'], msg: err.message, type: err.code ?? 'invalid_request' }]);
  }
  return new AppError('INTERNAL', { cause: err });
}

interface AjvIssue { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }

function problemOf(issue: AjvIssue, context: string): Problem {
  const loc: (string | number)[] = [context, ...issue.instancePath.split('/').filter(Boolean).map(decodePointer)];
  switch (issue.keyword) {
    case 'required':
      return { loc: [...loc, String(issue.params.missingProperty)], msg: 'is required', type: 'missing' };
    case 'enum':
      return { loc, msg: `must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}`, type: 'enum' };
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

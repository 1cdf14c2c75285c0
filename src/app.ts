import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { AppError } from './errors.js';
import { createAuthenticator } from './api/auth.js';
import { installErrorHandler } from './api/error-handler.js';
import { monitorRoutes } from './api/parallel/monitors.js';
import { monitorSourceRoutes } from './api/parallel/monitor-sources.js';
import { legacyMonitorRoutes } from './api/parallel/monitors-legacy.js';
import { taskRoutes } from './api/parallel/tasks.js';
import { webhookRoutes } from './api/webhooks.js';
import { fileRoutes } from './api/deeprails/files.js';
import { evaluationMonitorRoutes } from './api/deeprails/monitors.js';
import type { CommandDeps } from './engine/monitor-commands.js';

/** What the HTTP surface needs from the rest of Vigil. */
export interface AppDeps extends CommandDeps {
  monitorCreatesPerMinute: number;
  taskCreatesPerMinute: number;
  /** A pino logger to share; none means no request logs. */
  logger?: FastifyBaseLogger;
}

/** Builds the HTTP API; it never listens by itself (tests may `inject`, main listens). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Unknown fields are stripped silently (removeAdditional), query strings are coerced.
    ajv: { customOptions: { removeAdditional: true, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    bodyLimit: 1024 * 1024,
  });
  // Responses are written with JSON.stringify: response schemas document the wire shapes (and
  // /openapi.json) without stripping fields that clients may rely on.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  acceptEmptyJsonBodies(app);
  installErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Vigil', version: '0.1.0', description: 'Self-hosted server for web monitors (Parallel Monitor API compatible)' },
      components: { securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      security: [{ ApiKeyAuth: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  await app.register(async (api) => {
    const authenticate = createAuthenticator(deps.store.db, deps.clock);
    api.addHook('onRequest', authenticate);
    await api.register(rateLimit, {
      global: false,
      errorResponseBuilder: () => new AppError('RATE_LIMITED'),
    });
    await api.register(monitorRoutes, { deps, monitorCreatesPerMinute: deps.monitorCreatesPerMinute });
    await api.register(monitorSourceRoutes, { deps });
    await api.register(legacyMonitorRoutes, { deps, monitorCreatesPerMinute: deps.monitorCreatesPerMinute });
    await api.register(taskRoutes, { deps, taskCreatesPerMinute: deps.taskCreatesPerMinute });
    await api.register(webhookRoutes, { store: deps.store, clock: deps.clock, wake: deps.wake });
    await api.register(evaluationMonitorRoutes, { deps });
    await api.register(fileRoutes, { store: deps.store, clock: deps.clock });
  });
  return app;
}

/**
 * The SDK sends cancel and trigger with no body and no content type; other clients send an
 * empty body with `content-type: application/json`. Both mean "no body", not a parse error.
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Object.assign(new Error(`body is not valid JSON: ${(err as Error).message}`), { statusCode: 400, code: 'invalid_json' }), undefined);
    }
  });
}

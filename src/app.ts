import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { AppError } from './errors.js';
import { createAuthenticator } from './api/auth.js';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './api/error-handler.js';
import { BODY_LIMITS, installJsonBodyParser } from './api/json-body.js';
import { installValidators } from './api/validators.js';
import { monitorRoutes } from './api/parallel/monitors.js';
import { monitorSourceRoutes } from './api/parallel/monitor-sources.js';
import { legacyMonitorRoutes } from './api/parallel/monitors-legacy.js';
import { taskRoutes } from './api/parallel/tasks.js';
import { findAllRoutes } from './api/parallel/findall.js';
import { webhookRoutes } from './api/webhooks.js';
import { keyRoutes } from './api/keys.js';
import { fileRoutes } from './api/deeprails/files.js';
import { evaluationMonitorRoutes } from './api/deeprails/monitors.js';
import type { CommandDeps } from './commands/monitors.js';
import type { FindAllCommandDeps } from './commands/findall.js';
import { renderMetrics } from './metrics.js';
import { dashboardRoutes } from './api/dashboard.js';
import { createLogFanout } from './delivery/log-fanout.js';
import { queueDepths } from './store/queue-depth.repository.js';

/** What the HTTP surface needs from the rest of Vigil. */
export interface AppDeps extends CommandDeps {
  monitorCreatesPerMinute: number;
  taskCreatesPerMinute: number;
  findAllCreatesPerHour: number;
  /** FindAll research (ingest, entity search), and a context for entity search where the web can be read. */
  findAll: Pick<FindAllCommandDeps, 'research' | 'searchContext'>;
  /** A pino logger to share; none (or a silent one) means no request logs. */
  logger?: FastifyBaseLogger;
}

/** Builds the HTTP API; it never listens by itself (tests may `inject`, main listens). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // A silent logger would still cost every request a child logger and two discarded log calls.
    ...(deps.logger && deps.logger.level !== 'silent' ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: BODY_LIMITS.bytes,
    frameworkErrors,
    clientErrorHandler,
  });
  // Unknown fields are stripped silently (removeAdditional); path and query values are coerced, bodies not.
  installValidators(app);
  // Responses are written with JSON.stringify: response schemas document the wire shapes (and
  // /openapi.json) without stripping fields that clients may rely on.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installJsonBodyParser(app);
  const authenticate = createAuthenticator(deps.store, deps.clock);
  installErrorHandler(app, authenticate);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Vigil', version: '0.1.0', description: 'Self-hosted server for web monitors (Parallel Monitor API compatible)' },
      components: { securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      security: [{ ApiKeyAuth: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // Prometheus scrapes without a key: the metrics carry no account's data (src/metrics.ts).
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { contentType, body } = await renderMetrics(await queueDepths(deps.store.db, deps.clock()));
    return reply.type(contentType).send(body);
  });
  // The dashboard's page and assets need no key; the API calls the page makes do.
  await app.register(dashboardRoutes);

  // One live fan-out of the logs per process, shared by every stream; stopping the app ends them
  // (before the server waits for open connections to finish).
  const fanout = createLogFanout({ hints: deps.store.logHints, onError: (err) => app.log.warn({ err }, "a live stream's read failed; retrying") });
  app.addHook('preClose', async () => {
    await fanout.stop();
  });

  await app.register(async (api) => {
    api.addHook('onRequest', authenticate);
    await api.register(rateLimit, {
      global: false,
      errorResponseBuilder: () => new AppError('RATE_LIMITED'),
    });
    await api.register(monitorRoutes, { deps, monitorCreatesPerMinute: deps.monitorCreatesPerMinute, fanout });
    await api.register(monitorSourceRoutes, { deps });
    await api.register(legacyMonitorRoutes, { deps, monitorCreatesPerMinute: deps.monitorCreatesPerMinute });
    await api.register(taskRoutes, { deps, taskCreatesPerMinute: deps.taskCreatesPerMinute });
    await api.register(findAllRoutes, {
      deps: { store: deps.store, clock: deps.clock, wake: deps.wake, ...deps.findAll },
      findAllCreatesPerHour: deps.findAllCreatesPerHour,
      fanout,
    });
    await api.register(webhookRoutes, { store: deps.store, clock: deps.clock, wake: deps.wake });
    await api.register(evaluationMonitorRoutes, { deps, fanout });
    await api.register(fileRoutes, { store: deps.store, clock: deps.clock });
    await api.register(keyRoutes, { deps });
  });
  return app;
}

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireMonitor, type CommandDeps } from '../../commands/monitors.js';
import { findSourceHealth } from '../../store/source-health.repository.js';
import { ErrorResponse, MonitorParams, SourceList } from '../../domain/monitor-schemas.js';
import { sourceRecord } from '../../domain/wire.js';

/** `GET /v1/monitors/{monitor_id}/sources`: each source's health as of the monitor's last execution. */
export async function monitorSourceRoutes(parent: FastifyInstance, options: { deps: CommandDeps }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/monitors/:monitor_id/sources',
    {
      schema: {
        tags: ['Monitor'],
        summary: "Health of a monitor's sources (Vigil extension)",
        description:
          "Sources read by the monitor's executions: ok or failing, consecutive failures, last success and last error. " +
          'A source appears once an execution has read it.',
        params: MonitorParams,
        response: { 200: SourceList, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const monitor = await requireMonitor(options.deps, request.account.id, request.params.monitor_id);
      return { sources: (await findSourceHealth(options.deps.store.db, monitor.id)).map(sourceRecord) };
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SourceHealth } from '../../domain/source-health.js';
import { requireMonitor, type CommandDeps } from '../../commands/monitors.js';
import { findSourceHealth } from '../../store/source-health.repository.js';
import { Nullable } from '../nullable.js';
import { ErrorResponse, MonitorParams } from './monitor-schemas.js';

const Time = Nullable(Type.String({ format: 'date-time' }));

/** One source's health record (additive endpoint). */
export const SourceRecord = Type.Object({
  source: Type.String({ description: 'the source as the monitor names it: a URL, or a domain of source_policy.include_domains' }),
  url: Nullable(Type.String({ description: 'the URL last fetched for it' })),
  status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
  consecutive_failures: Type.Integer({ minimum: 0 }),
  last_success_at: Time,
  last_error: Nullable(Type.String()),
  last_error_at: Time,
  last_checked_at: Type.String({ format: 'date-time' }),
});

export const SourceList = Type.Object({ sources: Type.Array(SourceRecord) });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toWireSource(h: SourceHealth) {
  return {
    source: h.source,
    url: h.url,
    status: h.consecutiveFailures > 0 ? 'failing' as const : 'ok' as const,
    consecutive_failures: h.consecutiveFailures,
    last_success_at: iso(h.lastSuccessAt),
    last_error: h.lastError,
    last_error_at: iso(h.lastErrorAt),
    last_checked_at: iso(h.lastCheckedAt) as string,
  };
}

/** `GET /v1/monitors/{monitor_id}/sources`: each source's health as of the monitor's last execution. */
export async function monitorSourceRoutes(parent: FastifyInstance, options: { deps: CommandDeps }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/monitors/:monitor_id/sources', {
    schema: {
      tags: ['Monitor'],
      summary: 'Health of a monitor\'s sources (Vigil extension)',
      description: 'Sources read by the monitor\'s executions: ok or failing, consecutive failures, last success and last error. '
        + 'A source appears once an execution has read it.',
      params: MonitorParams,
      response: { 200: SourceList, 401: ErrorResponse, 404: ErrorResponse },
    },
  }, async (request) => {
    const monitor = await requireMonitor(options.deps, request.account.id, request.params.monitor_id);
    return { sources: (await findSourceHealth(options.deps.store.db, monitor.id)).map(toWireSource) };
  });
}

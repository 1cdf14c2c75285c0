import type { SourceHealth } from '../domain/source-health.js';
import type { Queryable } from './db.js';
import type { SourceHealthTable } from './tables.js';

const ms = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toSourceHealth(row: SourceHealthTable): SourceHealth {
  return {
    source: row.source,
    url: row.url,
    consecutiveFailures: Number(row.consecutive_failures),
    lastSuccessAt: ms(row.last_success_at),
    lastError: row.last_error,
    lastErrorKey: row.last_error_key,
    lastErrorAt: ms(row.last_error_at),
    lastCheckedAt: Number(row.last_checked_at),
  };
}

/** A monitor's source records, by source name. */
export async function findSourceHealth(db: Queryable, monitorId: string): Promise<SourceHealth[]> {
  const rows = await db.selectFrom('source_health').selectAll().where('monitor_id', '=', monitorId).orderBy('source').execute();
  return rows.map(toSourceHealth);
}

/**
 * Writes a monitor's source records as of one execution; records of sources it no longer has are
 * dropped. An empty list (no source was read) changes nothing.
 */
export async function saveSourceHealth(db: Queryable, monitorId: string, records: SourceHealth[]): Promise<void> {
  if (records.length === 0) return;
  // One statement for every source: `excluded` is the row each conflicting insert proposed.
  await db
    .insertInto('source_health')
    .values(
      records.map((r) => ({
        monitor_id: monitorId,
        source: r.source,
        url: r.url,
        consecutive_failures: r.consecutiveFailures,
        last_success_at: r.lastSuccessAt,
        last_error: r.lastError,
        last_error_key: r.lastErrorKey,
        last_error_at: r.lastErrorAt,
        last_checked_at: r.lastCheckedAt,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['monitor_id', 'source']).doUpdateSet((eb) => ({
        url: eb.ref('excluded.url'),
        consecutive_failures: eb.ref('excluded.consecutive_failures'),
        last_success_at: eb.ref('excluded.last_success_at'),
        last_error: eb.ref('excluded.last_error'),
        last_error_key: eb.ref('excluded.last_error_key'),
        last_error_at: eb.ref('excluded.last_error_at'),
        last_checked_at: eb.ref('excluded.last_checked_at'),
      })),
    )
    .execute();
  await db
    .deleteFrom('source_health')
    .where('monitor_id', '=', monitorId)
    .where(
      'source',
      'not in',
      records.map((r) => r.source),
    )
    .execute();
}

import type { SourceHealth } from '../domain/source-health.js';
import type { Queryable } from './db.js';
import { prepared } from './prepared.js';
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
  return (await healthOfMonitor(db, { monitorId })).rows.map(toSourceHealth);
}

const healthOfMonitor = prepared<{ monitorId: string }, SourceHealthTable>(['monitorId'], (db, v) =>
  db.selectFrom('source_health').selectAll().where('monitor_id', '=', v.monitorId).orderBy('source'),
);

/**
 * Writes a monitor's source records as of one execution, and drops the records of the sources it
 * no longer has (`dropped`, the caller's reading of what was there in the same transaction).
 * An empty list (no source was read) changes nothing.
 */
export async function saveSourceHealth(db: Queryable, monitorId: string, records: SourceHealth[], dropped: string[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    monitor_id: monitorId,
    source: r.source,
    url: r.url,
    consecutive_failures: r.consecutiveFailures,
    last_success_at: r.lastSuccessAt,
    last_error: r.lastError,
    last_error_key: r.lastErrorKey,
    last_error_at: r.lastErrorAt,
    last_checked_at: r.lastCheckedAt,
  }));
  // Most monitors read one source: its upsert is compiled once; several go in one statement.
  if (rows.length === 1) await upsertOne(db, rows[0]);
  else await upsertQuery(db, rows).execute();
  if (dropped.length > 0) await db.deleteFrom('source_health').where('monitor_id', '=', monitorId).where('source', 'in', dropped).execute();
}

// One statement for every source: `excluded` is the row each conflicting insert proposed.
const upsertQuery = (db: Queryable, rows: SourceHealthTable[]) =>
  db
    .insertInto('source_health')
    .values(rows)
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
    );

const COLUMNS = [
  'monitor_id',
  'source',
  'url',
  'consecutive_failures',
  'last_success_at',
  'last_error',
  'last_error_key',
  'last_error_at',
  'last_checked_at',
] as const satisfies readonly (keyof SourceHealthTable)[];
/** A row as a plain record type (an interface has no index signature). */
type HealthRow = { [K in keyof SourceHealthTable]: SourceHealthTable[K] };
const upsertOne = prepared<HealthRow>(COLUMNS, (db, row) => upsertQuery(db, [row]));

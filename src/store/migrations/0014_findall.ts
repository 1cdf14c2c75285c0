import { sql, type Kysely } from 'kysely';
import type { DialectInfo } from '../dialect.js';

/**
 * FindAll runs (api.md §6): runs leased like task runs while they have work (`work` not null), their
 * candidates (one row per generated seed, unique per run by the seed's stable key, so a resumed
 * generation never stores one twice), and each run's append-only event log, which the SSE stream
 * replays and follows.
 */
export async function up(db: Kysely<any>, dialect: DialectInfo): Promise<void> {
  await db.schema
    .createTable('findall_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('generator', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('match_limit', 'integer', (c) => c.notNull())
    .addColumn('enrichments', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('webhook', 'text')
    .addColumn('termination_reason', 'text')
    .addColumn('error', 'text')
    .addColumn('generated_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('matched_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('work', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .execute();
  // Only runs with work are in this index, so a claim's cost does not grow with finished runs.
  await db.schema.createIndex('findall_runs_open').on('findall_runs').columns(['created_at', 'id']).where(sql.ref('work'), 'is not', null).execute();

  await db.schema
    .createTable('findall_candidates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('ordinal', 'integer', (c) => c.notNull())
    .addColumn('seed_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('match_status', 'text', (c) => c.notNull())
    .addColumn('output', 'text')
    .addColumn('basis', 'text')
    .addColumn('enrichments_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('findall_candidates_by_key').on('findall_candidates').columns(['run_id', 'seed_key']).unique().execute();
  await db.schema.createIndex('findall_candidates_by_run').on('findall_candidates').columns(['run_id', 'ordinal']).execute();

  await db.schema
    .createTable('findall_events')
    .addColumn('seq', dialect.logPositionType, (c) => dialect.logPositionColumn(c))
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('findall_events_by_run').on('findall_events').columns(['run_id', 'seq']).execute();
}

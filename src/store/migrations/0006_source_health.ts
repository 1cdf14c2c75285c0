import type { Kysely } from 'kysely';

/** Per-source health of each monitor: consecutive failures, last success and last error (noise control). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('source_health')
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_error', 'text')
    // What kind of failure it was, without the details that vary: a repeat of the same kind is not reported again.
    .addColumn('last_error_key', 'text')
    .addColumn('last_error_at', 'bigint')
    .addColumn('last_checked_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_health_pk', ['monitor_id', 'source'])
    .execute();
}

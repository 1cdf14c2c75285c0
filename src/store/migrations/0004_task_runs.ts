import type { Kysely } from 'kysely';

/**
 * Task runs (api.md §5): leased like executions, with their stored input, result and the progress
 * messages every SSE connection replays.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('task_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('processor', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('output_spec', 'text', (c) => c.notNull())
    .addColumn('output', 'text')
    .addColumn('derived_schema', 'text')
    .addColumn('error', 'text')
    .addColumn('warnings', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('task_runs_open').on('task_runs').columns(['status', 'created_at']).execute();
  await db.schema
    .createTable('task_run_messages')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_run_messages_pk', ['run_id', 'seq'])
    .execute();
}

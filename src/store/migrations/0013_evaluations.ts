import { sql, type Kysely } from 'kysely';
import type { DialectInfo } from '../dialect.js';

/**
 * Evaluation monitors (DeepRails Monitor API, api.md §7): monitors, uploaded files, evaluations
 * (leased like task runs) and each monitor's append-only log of evaluation events, which the SSE
 * stream and webhooks read.
 */
export async function up(db: Kysely<any>, dialect: DialectInfo): Promise<void> {
  await db.schema
    .createTable('eval_monitors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('eval_monitors_by_account').on('eval_monitors').columns(['account_id', 'created_at']).execute();

  await db.schema
    .createTable('eval_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('evaluations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_mode', 'text', (c) => c.notNull())
    .addColumn('nametag', 'text')
    .addColumn('model_input', 'text', (c) => c.notNull())
    .addColumn('model_output', 'text', (c) => c.notNull())
    .addColumn('guardrail_metrics', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('error_message', 'text')
    .addColumn('eval_time', 'real')
    .addColumn('cost', 'real')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  // Only claimable work is in this index, so a claim's cost does not grow with finished history.
  await db.schema
    .createIndex('evaluations_open')
    .on('evaluations')
    .columns(['created_at', 'id'])
    .where(sql.ref('status'), 'in', sql`('queued', 'in_progress')`)
    .execute();
  await db.schema.createIndex('evaluations_by_monitor').on('evaluations').columns(['monitor_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('evaluation_log')
    .addColumn('seq', dialect.logPositionType, (c) => dialect.logPositionColumn(c))
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('evaluation_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('evaluation_log_by_monitor').on('evaluation_log').columns(['monitor_id', 'seq']).execute();
}

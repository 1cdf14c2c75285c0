import { sql, type Kysely } from 'kysely';
import type { DialectInfo } from '../dialect.js';

/** Accounts, keys, monitors, executions, the event log and per-monitor seen items. */
export async function up(db: Kysely<any>, dialect: DialectInfo): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('webhook_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('monitors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('frequency_seconds', 'integer', (c) => c.notNull())
    .addColumn('processor', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('webhook', 'text')
    .addColumn('metadata', 'text')
    .addColumn('memory_scope_key', 'text')
    .addColumn('output', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_run_at', 'bigint')
    .addColumn('next_run_at', 'bigint')
    // The monitor's execution lease: one execution of a monitor runs at a time, across processes.
    .addColumn('running_execution_id', 'text')
    .addColumn('lease_until', 'bigint')
    .execute();
  await db.schema.createIndex('monitors_by_account').on('monitors').columns(['account_id', 'created_at desc', 'id desc']).execute();
  await db.schema.createIndex('monitors_due').on('monitors').columns(['next_run_at']).where(sql.ref('next_run_at'), 'is not', null).execute();

  await db.schema
    .createTable('executions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('monitor_id', 'text', (c) => c.notNull().references('monitors.id'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    // One execution per schedule slot: a second materialisation of the same slot fails.
    .addUniqueConstraint('executions_one_per_slot', ['monitor_id', 'scheduled_for'])
    .execute();
  await db.schema.createIndex('executions_open').on('executions').columns(['status', 'created_at']).where(sql.ref('status'), '!=', 'done').execute();
  await db.schema.createIndex('executions_by_monitor').on('executions').columns(['monitor_id', 'finished_at']).execute();

  await db.schema
    .createTable('events')
    .addColumn('seq', dialect.logPositionType, (c) => dialect.logPositionColumn(c))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // The event's v1 wire JSON, fixed once appended: pages are assembled from it without re-encoding.
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_by_monitor').on('events').columns(['monitor_id', 'seq']).execute();
  await db.schema.createIndex('events_by_execution').on('events').columns(['execution_id']).execute();

  await db.schema
    .createTable('seen_items')
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('item_key', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('seen_items_pk', ['monitor_id', 'item_key'])
    .execute();
}

import type { Kysely } from 'kysely';

/**
 * The legacy Monitor API (v1alpha): the deprecated `cadence` a monitor was created or updated with,
 * and the test event groups `simulate_event` issued, so that only those resolve to test data.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('monitors').addColumn('cadence', 'text').execute();
  await db.schema
    .createTable('test_event_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

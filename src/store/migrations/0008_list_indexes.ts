import { sql, type Kysely } from 'kysely';

/**
 * One index per list, whose key is the list's filter followed by its cursor order, so that a page is
 * one ordered walk that stops after `limit + 1` rows (README, "Lists walk an index"):
 * - the events list without completions (the default) walks a partial index that holds no
 *   completions, so an hourly monitor's thousands of "no change" rows are never read to find events;
 * - the events of one execution walk (execution_id, monitor_id, seq), which replaces (execution_id):
 *   with both keys in it, no planner prefers walking the monitor's whole log for one execution;
 * - the monitors list filtered by status walks (account_id, status, created_at, id), the legacy list
 *   by id walks (account_id, id);
 * - the deliveries list walks (account_id, created_at, id), which replaces (account_id, created_at)
 *   (its order breaks ties by id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // A literal predicate: a partial index serves only queries that repeat it (a bound parameter does not).
  await db.schema
    .createIndex('events_by_monitor_reported')
    .on('events')
    .columns(['monitor_id', 'seq'])
    .where(sql.ref('kind'), '<>', sql.lit('completion'))
    .execute();
  await db.schema.createIndex('events_of_execution').on('events').columns(['execution_id', 'monitor_id', 'seq']).execute();
  await db.schema.dropIndex('events_by_execution').ifExists().execute();
  await db.schema.createIndex('monitors_by_account_status').on('monitors').columns(['account_id', 'status', 'created_at', 'id']).execute();
  await db.schema.createIndex('monitors_by_account_id').on('monitors').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('deliveries_by_account_created').on('webhook_deliveries').columns(['account_id', 'created_at', 'id']).execute();
  await db.schema.dropIndex('deliveries_by_account').ifExists().execute();
}

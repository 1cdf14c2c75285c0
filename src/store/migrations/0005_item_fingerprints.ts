import type { Kysely } from 'kysely';

/**
 * SimHash fingerprints of the items a monitor has seen, so that an item re-published with trivial
 * edits, or reached through another source, is recognised in later executions too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('item_fingerprints')
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('item_key', 'text', (c) => c.notNull())
    .addColumn('simhash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('item_fingerprints_pk', ['monitor_id', 'item_key'])
    .execute();
  await db.schema.createIndex('item_fingerprints_recent').on('item_fingerprints').columns(['monitor_id', 'first_seen_at']).execute();
}

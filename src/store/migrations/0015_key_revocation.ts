import type { Kysely } from 'kysely';

/**
 * API key management (issue 18): a key can be named and revoked (kept, so listings and audits still
 * show it, but never accepted again), and records when it was last used (written at most once a
 * minute). Keys are listed per account, newest first.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('name', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('revoked_at', 'bigint').execute();
  await db.schema.alterTable('api_keys').addColumn('last_used_at', 'bigint').execute();
  await db.schema.createIndex('api_keys_by_account').on('api_keys').columns(['account_id', 'created_at', 'id']).execute();
}

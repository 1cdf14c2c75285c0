import type { Queryable } from './db.js';
import type { AccountRow } from './tables.js';

/** An account: the owner of monitors, keys and a webhook signing secret. */
export interface Account { id: string; name: string; webhookSecret: string; createdAt: number }

const toAccount = (row: AccountRow): Account => ({
  id: row.id, name: row.name, webhookSecret: row.webhook_secret, createdAt: Number(row.created_at),
});

/** The account of that name, if any. */
export async function findAccountByName(db: Queryable, name: string): Promise<Account | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toAccount(row);
}

/** The account an API key (by hash) belongs to, if any. */
export async function findAccountByKeyHash(db: Queryable, keyHash: string): Promise<Account | undefined> {
  const row = await db.selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .selectAll('accounts')
    .where('api_keys.key_hash', '=', keyHash)
    .executeTakeFirst();
  return row && toAccount(row);
}

/** Inserts an account. */
export async function insertAccount(db: Queryable, account: Account): Promise<void> {
  await db.insertInto('accounts').values({
    id: account.id, name: account.name, webhook_secret: account.webhookSecret, created_at: account.createdAt,
  }).execute();
}

/** Inserts a key hash for an account; does nothing when that hash is already stored. */
export async function insertApiKey(
  db: Queryable, key: { id: string; accountId: string; keyHash: string; keyPrefix: string; createdAt: number },
): Promise<void> {
  await db.insertInto('api_keys').values({
    id: key.id, account_id: key.accountId, key_hash: key.keyHash, key_prefix: key.keyPrefix, created_at: key.createdAt,
  }).onConflict((oc) => oc.column('key_hash').doNothing()).execute();
}

/** How many API keys exist in all. */
export async function countApiKeys(db: Queryable): Promise<number> {
  const row = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

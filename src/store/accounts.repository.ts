import type { Queryable } from './db.js';
import type { AccountRow } from './tables.js';

/** How the HMAC key of webhook signatures is made from the secret (api.md §3.2). */
export type WebhookKeyMode = 'raw' | 'standard';

/** An account: the owner of monitors, keys and a webhook signing secret. */
export interface Account {
  id: string;
  name: string;
  webhookSecret: string;
  webhookKeyMode: WebhookKeyMode;
  /** The secret before the last rotation, which keeps signing (beside the new one) until the time given. */
  previousSecret: { secret: string; until: number } | null;
  createdAt: number;
}

const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  name: row.name,
  webhookSecret: row.webhook_secret,
  webhookKeyMode: row.webhook_key_mode as WebhookKeyMode,
  previousSecret: row.previous_webhook_secret && row.previous_secret_until !== null
    ? { secret: row.previous_webhook_secret, until: Number(row.previous_secret_until) } : null,
  createdAt: Number(row.created_at),
});

/** An account by id. */
export async function findAccountById(db: Queryable, id: string): Promise<Account | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAccount(row);
}

/** Replaces the signing secret; the old one keeps signing until `previousUntil`. */
export async function rotateWebhookSecret(db: Queryable, id: string, secret: string, previousUntil: number): Promise<void> {
  await db.updateTable('accounts')
    .set((eb) => ({ webhook_secret: secret, previous_webhook_secret: eb.ref('webhook_secret'), previous_secret_until: previousUntil }))
    .where('id', '=', id).execute();
}

/** Sets how signing keys are made from the secret. */
export async function setWebhookKeyMode(db: Queryable, id: string, mode: WebhookKeyMode): Promise<void> {
  await db.updateTable('accounts').set({ webhook_key_mode: mode }).where('id', '=', id).execute();
}

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

/** Inserts an account unless one of that name exists (several processes may start at once). */
export async function insertAccount(db: Queryable, account: Pick<Account, 'id' | 'name' | 'webhookSecret' | 'createdAt'>): Promise<void> {
  await db.insertInto('accounts').values({
    id: account.id, name: account.name, webhook_secret: account.webhookSecret, created_at: account.createdAt,
  }).onConflict((oc) => oc.column('name').doNothing()).execute();
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

import type { ApiKey } from '../domain/api-keys.js';
import type { Queryable } from './db.js';
import { prepared } from './prepared.js';
import type { AccountRow, ApiKeyTable } from './tables.js';

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
  previousSecret:
    row.previous_webhook_secret && row.previous_secret_until !== null
      ? { secret: row.previous_webhook_secret, until: Number(row.previous_secret_until) }
      : null,
  createdAt: Number(row.created_at),
});

/** An account by id. */
export async function findAccountById(db: Queryable, id: string): Promise<Account | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAccount(row);
}

/** Replaces the signing secret; the old one keeps signing until `previousUntil`. */
export async function rotateWebhookSecret(db: Queryable, id: string, secret: string, previousUntil: number): Promise<void> {
  await db
    .updateTable('accounts')
    .set((eb) => ({ webhook_secret: secret, previous_webhook_secret: eb.ref('webhook_secret'), previous_secret_until: previousUntil }))
    .where('id', '=', id)
    .execute();
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

// Every API request reads its key: a prepared statement, built and compiled once, not per request.
const keyHolderRead = prepared<{ keyHash: string }, AccountRow & { key_id: string; key_last_used_at: number | string | null }>(['keyHash'], (db, v) =>
  db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .selectAll('accounts')
    .select(['api_keys.id as key_id', 'api_keys.last_used_at as key_last_used_at'])
    .where('api_keys.key_hash', '=', v.keyHash)
    .where('api_keys.revoked_at', 'is', null),
);

/** Who holds an unrevoked API key: the account, the key's id and its last recorded use. */
export interface KeyHolder {
  account: Account;
  keyId: string;
  lastUsedAt: number | null;
}

/** The account an unrevoked API key (by hash) belongs to, with the key's id and last use, if any. */
export async function findKeyHolder(db: Queryable, keyHash: string): Promise<KeyHolder | undefined> {
  const [row] = (await keyHolderRead(db, { keyHash })).rows;
  if (!row) return undefined;
  const { key_id: keyId, key_last_used_at: lastUsed, ...account } = row;
  return { account: toAccount(account), keyId, lastUsedAt: lastUsed === null ? null : Number(lastUsed) };
}

/** The account an unrevoked API key (by hash) belongs to, if any. */
export async function findAccountByKeyHash(db: Queryable, keyHash: string): Promise<Account | undefined> {
  return (await findKeyHolder(db, keyHash))?.account;
}

/** Inserts an account unless one of that name exists (several processes may start at once). */
export async function insertAccount(db: Queryable, account: Pick<Account, 'id' | 'name' | 'webhookSecret' | 'createdAt'>): Promise<void> {
  await db
    .insertInto('accounts')
    .values({
      id: account.id,
      name: account.name,
      webhook_secret: account.webhookSecret,
      created_at: account.createdAt,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/** Inserts a key hash for an account; does nothing when that hash is already stored. */
export async function insertApiKey(
  db: Queryable,
  key: { id: string; accountId: string; keyHash: string; keyPrefix: string; createdAt: number; name?: string | null },
): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      account_id: key.accountId,
      key_hash: key.keyHash,
      key_prefix: key.keyPrefix,
      created_at: key.createdAt,
      name: key.name ?? null,
    })
    .onConflict((oc) => oc.column('key_hash').doNothing())
    .execute();
}

const toApiKey = (row: ApiKeyTable): ApiKey => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  prefix: row.key_prefix,
  createdAt: Number(row.created_at),
  lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
});

/** An account's keys (revoked ones too), newest first; never the hashes. */
export async function listApiKeys(db: Queryable, accountId: string): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toApiKey);
}

/** One of the account's keys, or undefined (also when it is another account's). */
export async function findApiKey(db: Queryable, accountId: string, id: string): Promise<ApiKey | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row && toApiKey(row);
}

/** Marks the account's key revoked, unless it already is (the first revocation time stays). */
export async function revokeApiKey(db: Queryable, accountId: string, id: string, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ revoked_at: now }).where('account_id', '=', accountId).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/**
 * Records a use of the key unless one was recorded within `resolutionMs`: the condition keeps
 * several processes from writing the same minute twice.
 */
export async function touchApiKey(db: Queryable, id: string, now: number, resolutionMs: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - resolutionMs)]))
    .execute();
}

/** How many API keys exist in all. */
export async function countApiKeys(db: Queryable): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

import { randomBytes } from 'node:crypto';
import { mintApiKey, storeApiKey } from './commands/keys.js';
import { ID } from './domain/ids.js';
import type { Store } from './store/db.js';
import { countApiKeys, findAccountByName, insertAccount, type Account } from './store/accounts.repository.js';

/** The account that `VIGIL_API_KEY` and a first start's printed key belong to. */
export const DEFAULT_ACCOUNT = 'default';

/** A webhook signing secret in the documented `whsec_` format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The named account, created when it does not exist yet. */
export async function ensureAccount(store: Store, name: string, webhookSecret?: string): Promise<Account> {
  const existing = await findAccountByName(store.db, name);
  if (existing) return existing;
  await insertAccount(store.db, { id: ID.account(), name, webhookSecret: webhookSecret ?? newWebhookSecret(), createdAt: Date.now() });
  const created = await findAccountByName(store.db, name);
  if (!created) throw new Error(`account ${name} could not be created`);
  return created;
}

/** Stores a key for an account; storing the same key again changes nothing. */
export async function addApiKey(store: Store, account: Account, key: string): Promise<void> {
  await storeApiKey({ store, clock: Date.now }, account.id, key);
}

/** Creates a new key for a (new or existing) account and returns it; only its hash is kept. */
export async function createApiKey(store: Store, accountName: string): Promise<{ account: Account; key: string }> {
  const account = await ensureAccount(store, accountName);
  const { key } = await mintApiKey({ store, clock: Date.now }, account.id);
  return { account, key };
}

/**
 * At start: `VIGIL_API_KEY` is made a key of the default account (idempotently); without it, a
 * store with no keys at all gets a new one, returned so that it can be printed once.
 */
export async function bootstrapKeys(store: Store, config: { apiKey?: string; webhookSecret?: string }): Promise<string | undefined> {
  if (config.apiKey) {
    await addApiKey(store, await ensureAccount(store, DEFAULT_ACCOUNT, config.webhookSecret), config.apiKey);
    return undefined;
  }
  if ((await countApiKeys(store.db)) > 0) return undefined;
  await ensureAccount(store, DEFAULT_ACCOUNT, config.webhookSecret);
  return (await createApiKey(store, DEFAULT_ACCOUNT)).key;
}

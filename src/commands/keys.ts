import { hashApiKey, keyPrefix, newApiKey, type ApiKey } from '../domain/api-keys.js';
import { ID } from '../domain/ids.js';
import { AppError } from '../errors.js';
import type { Queryable, Store } from '../store/db.js';
import { findApiKey, insertApiKey, listApiKeys, revokeApiKey, touchApiKey } from '../store/accounts.repository.js';

/** What key commands need. */
export interface KeyCommandDeps {
  store: Store;
  clock: () => number;
}

/**
 * Stores a given key for an account; storing the same key again changes nothing (and does not
 * bring a revoked key back: a revoked `VIGIL_API_KEY` stays revoked across restarts).
 */
export async function storeApiKey(deps: KeyCommandDeps, accountId: string, key: string, name: string | null = null): Promise<void> {
  await insertApiKey(deps.store.db, {
    id: ID.apiKey(),
    accountId,
    keyHash: hashApiKey(key),
    keyPrefix: keyPrefix(key),
    createdAt: deps.clock(),
    name,
  });
}

/** Mints a new key for an account: the secret is returned once, only its hash is kept. The one place keys are made. */
export async function mintApiKey(deps: KeyCommandDeps, accountId: string, name: string | null = null): Promise<{ key: string; apiKey: ApiKey }> {
  const key = newApiKey();
  const apiKey: ApiKey = {
    id: ID.apiKey(),
    accountId,
    name,
    prefix: keyPrefix(key),
    createdAt: deps.clock(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await insertApiKey(deps.store.db, {
    id: apiKey.id,
    accountId,
    keyHash: hashApiKey(key),
    keyPrefix: apiKey.prefix,
    createdAt: apiKey.createdAt,
    name,
  });
  return { key, apiKey };
}

/** The account's keys, newest first, revoked ones included. */
export async function listKeys(deps: KeyCommandDeps, accountId: string): Promise<ApiKey[]> {
  return listApiKeys(deps.store.db, accountId);
}

/**
 * Revokes one of the account's keys (idempotently: a revoked key keeps its first revocation time).
 * Another account's key is a 404, as if it did not exist. Authentication sees the revocation on the
 * next request in every process sharing the store (api/auth.ts).
 */
export async function revokeKey(deps: KeyCommandDeps, accountId: string, keyId: string): Promise<ApiKey> {
  await revokeApiKey(deps.store.db, accountId, keyId, deps.clock());
  const key = await findApiKey(deps.store.db, accountId, keyId);
  if (!key) throw new AppError('KEY_NOT_FOUND');
  return key;
}

/** Records that a key was used now, at most once per `resolutionMs` (a record of use, not a gate). */
export async function recordKeyUse(db: Queryable, keyId: string, now: number, resolutionMs: number): Promise<void> {
  await touchApiKey(db, keyId, now, resolutionMs);
}

import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { recordKeyUse } from '../commands/keys.js';
import { hashApiKey, LAST_USED_RESOLUTION_MS } from '../domain/api-keys.js';
import { AppError } from '../errors.js';
import { findKeyHolder, type Account, type KeyHolder } from '../store/accounts.repository.js';
import type { Db, Store } from '../store/db.js';

// Kept here too: callers that imported them from the api layer before key commands existed.
export { hashApiKey, newApiKey } from '../domain/api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    account: Account;
    /** The id of the key the request presented (`current` in the keys listing). */
    apiKeyId: string;
  }
}

/**
 * `findKeyHolder` for every API request, answered from memory while the database cannot have
 * changed since the answer was read: any change the store's mark sees (dialect.ts: on SQLite a commit
 * by another process, any write by this one) forgets every answer, so a revoked key is refused at
 * once, as when each request read its key. Without a mark (PostgreSQL) every call reads. Only keys
 * that were found are kept; at most `max` of them.
 */
function rememberedKeyHolders(db: Db, changeMark: (() => string) | null, max = 1000): (keyHash: string) => Promise<KeyHolder | undefined> {
  if (!changeMark) return (keyHash) => findKeyHolder(db, keyHash);
  const known = new LRUCache<string, KeyHolder>({ max });
  let seen = changeMark();
  return async (keyHash) => {
    const mark = changeMark();
    if (mark !== seen) {
      known.clear();
      seen = mark;
    }
    const hit = known.get(keyHash);
    if (hit) return hit;
    const holder = await findKeyHolder(db, keyHash);
    // A write during the read (a revocation) may not be in what it found: then the answer is not kept.
    if (holder && changeMark() === mark) known.set(keyHash, holder);
    return holder;
  };
}

/** The key a request presents: `x-api-key` (what the SDK sends) or `Authorization: Bearer`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  const match = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return match?.[1]?.trim();
}

/**
 * An onRequest hook that resolves the caller's account or answers 401. A revoked key is refused at
 * once by every process sharing the store: the key is read on every request, except on SQLite while
 * the database is unchanged since it was read (rememberedKeyHolders; README, "API keys"). The lookup is
 * one read of a unique index. The key's last use is written at most once a minute.
 */
export function createAuthenticator(store: Pick<Store, 'db' | 'dialect'>, clock: () => number) {
  const db = store.db;
  const readKeyHolder = rememberedKeyHolders(db, store.dialect.changeMark);
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const key = presentedKey(request);
    if (!key) throw new AppError('UNAUTHORIZED');
    const holder = await readKeyHolder(hashApiKey(key));
    if (!holder) throw new AppError('UNAUTHORIZED');
    const now = clock();
    if (holder.lastUsedAt === null || holder.lastUsedAt <= now - LAST_USED_RESOLUTION_MS) {
      // A record of use, not a gate: a failed write (a busy store) must not fail the request.
      await recordKeyUse(db, holder.keyId, now, LAST_USED_RESOLUTION_MS).catch((err: unknown) =>
        request.log.warn({ err }, "could not record the key's last use"),
      );
    }
    request.account = holder.account;
    request.apiKeyId = holder.keyId;
  };
}

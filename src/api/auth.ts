import type { FastifyRequest } from 'fastify';
import { recordKeyUse } from '../commands/keys.js';
import { hashApiKey, LAST_USED_RESOLUTION_MS } from '../domain/api-keys.js';
import { AppError } from '../errors.js';
import type { Account } from '../store/accounts.repository.js';
import { findKeyHolder } from '../store/accounts.repository.js';
import type { Queryable } from '../store/db.js';

// Kept here too: callers that imported them from the api layer before key commands existed.
export { hashApiKey, newApiKey } from '../domain/api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    account: Account;
    /** The id of the key the request presented (`current` in the keys listing). */
    apiKeyId: string;
  }
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
 * An onRequest hook that resolves the caller's account or answers 401. The key is looked up on
 * every request, uncached: a revoked key is then refused at once by every process sharing the
 * store, with no invalidation to miss. The lookup is one read of a unique index (README, "API keys",
 * for its measured cost). The key's last use is written at most once a minute.
 */
export function createAuthenticator(db: Queryable, clock: () => number) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const key = presentedKey(request);
    if (!key) throw new AppError('UNAUTHORIZED');
    const holder = await findKeyHolder(db, hashApiKey(key));
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

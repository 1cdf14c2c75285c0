import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Account } from '../store/accounts.repository.js';
import { findAccountByKeyHash } from '../store/accounts.repository.js';
import type { Queryable } from '../store/db.js';

declare module 'fastify' {
  interface FastifyRequest { account: Account }
}

/** Keys are random and long, so a fast hash is enough; only the hash is stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new API key: `vgl_` and 32 random bytes in base64url. */
export function newApiKey(): string {
  return `vgl_${randomBytes(32).toString('base64url')}`;
}

/** The key a request presents: `x-api-key` (what the SDK sends) or `Authorization: Bearer`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  const match = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return match?.[1]?.trim();
}

const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

/** An onRequest hook that resolves the caller's account or answers 401; lookups are cached briefly. */
export function createAuthenticator(db: Queryable, clock: () => number) {
  const cache = new Map<string, { account: Account; until: number }>();
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const key = presentedKey(request);
    if (!key) throw new AppError('UNAUTHORIZED');
    const hash = hashApiKey(key);
    const cached = cache.get(hash);
    if (cached && cached.until > clock()) {
      request.account = cached.account;
      return;
    }
    const account = await findAccountByKeyHash(db, hash);
    if (!account) throw new AppError('UNAUTHORIZED');
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(hash, { account, until: clock() + CACHE_MS });
    request.account = account;
  };
}

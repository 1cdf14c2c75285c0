import { hash, randomBytes } from 'node:crypto';

/** An API key as stored: never the secret, only its hash and first characters. */
export interface ApiKey {
  id: string;
  accountId: string;
  name: string | null;
  /** The key's first 8 characters, enough to tell keys apart in a listing. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** How many leading characters of a key are kept in the clear. */
export const KEY_PREFIX_LENGTH = 8;

/** `last_used_at` is written at most this often per key: a cheap, approximate record. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** The longest key name accepted. */
export const KEY_NAME_MAX = 200;

/**
 * Keys are random and long, so a fast hash is enough; only the hash is stored. One-shot `hash`
 * rather than a Hash object: every API request hashes its key, and the object cost more than the digest.
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** A new API key: `vgl_` and 32 random bytes in base64url. */
export function newApiKey(): string {
  return `vgl_${randomBytes(32).toString('base64url')}`;
}

/** The part of a key kept in the clear. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

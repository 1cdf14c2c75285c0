import { MAX_RETRY_AFTER_MS } from '../outbound/http-cache.js';

/** The longest wait between two attempts (a Retry-After may ask for more, up to MAX_RETRY_AFTER_MS). */
const MAX_BACKOFF_MS = 6 * 3600_000;

/**
 * Wait before the next attempt after `attempts` failed ones: `baseMs` doubling, capped at 6 h,
 * with ±20% jitter so a recovering receiver is not hit by every retry at once. A `Retry-After`
 * (on 429 and 503) lengthens the wait, never shortens it.
 */
export function retryDelay(attempts: number, baseMs: number, retryAfterMs?: number, random = Math.random): number {
  const backoff = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(backoff * (0.8 + 0.4 * random()));
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

import CachePolicy from 'http-cache-semantics';
import { LRUCache } from 'lru-cache';
import type { OutboundResponse } from './http.js';

/** What a response says about caching it (RFC 9111, as `http-cache-semantics` reads it for a private cache). */
export interface Freshness {
  /** `no-store`: keep neither the body nor its validators. */
  noStore: boolean;
  /** Until when the response may be reused without asking the server again (epoch ms); 0 when it must be revalidated. */
  freshUntil: number;
}

/** The longest a server may make us skip fetching: longer hints are cut to this. */
export const MAX_FRESHNESS_MS = 24 * 3600_000;

/**
 * A policy read at a given time. Vigil is the client of the sites it reads (a private cache: `private`
 * counts, `s-maxage` does not), and it never guesses: no heuristic freshness from `Last-Modified`,
 * no minimum for `immutable`.
 */
class PolicyAt extends CachePolicy {
  /** The time the policy is read at: the library asks its clock while constructing, and freshnessOf reads it synchronously. */
  static at = 0;

  now(): number {
    return PolicyAt.at;
  }
}

const OPTIONS = { shared: false, cacheHeuristic: 0, immutableMinTimeToLive: 0 };
const GET = { method: 'GET', url: '/', headers: {} };

/** Reads `Cache-Control`, `Expires` (against `Date`), `Age` and `Vary: *` of a 200 received at `now`. */
export function freshnessOf(headers: Record<string, string>, now: number): Freshness {
  // Directive names are case-insensitive (RFC 9111 §5.2); the library compares them as written.
  const control = headers['cache-control'];
  PolicyAt.at = now;
  const response = { status: 200, headers: control === undefined ? headers : { ...headers, 'cache-control': control.toLowerCase() } };
  const policy = new PolicyAt(GET, response, OPTIONS);
  if (!policy.storable()) return { noStore: true, freshUntil: 0 };
  // Only the freshness lifetime counts: Vigil never serves a stale copy (stale-while-revalidate, stale-if-error).
  const lifetime = (policy.maxAge() - policy.age()) * 1000;
  return { noStore: false, freshUntil: lifetime > 0 ? now + Math.min(lifetime, MAX_FRESHNESS_MS) : 0 };
}

/** The longest a `Retry-After` may hold anything back (a host's fetches, a webhook's next attempt). */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** `Retry-After` as milliseconds from `now` (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One remembered 2xx response of a URL, with what is needed to revalidate and reuse it. */
export interface CacheEntry {
  response: OutboundResponse;
  etag: string | undefined;
  lastModified: string | undefined;
  fetchedAt: number;
  /** When the request that got this copy was sent: a copy sent before a change may predate it. */
  sentAt: number;
  freshUntil: number;
  /** Per monitor, the execution that last used this copy: a monitor's next execution never reuses it unasked. */
  readers: Map<string, string>;
}

/** Remembered responses, least recently used dropped first once their bodies exceed `maxBytes` (a larger body is not kept). */
export class ResponseCache extends LRUCache<string, CacheEntry> {
  constructor(maxBytes: number) {
    // lru-cache counts sizes from 1 and needs a positive bound: an empty body counts as one byte.
    super({ maxSize: Math.max(1, maxBytes), sizeCalculation: (entry) => Math.max(1, entry.response.body.length) });
  }
}

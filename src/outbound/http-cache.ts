import type { OutboundResponse } from './http.js';

/** What a response says about caching it (RFC 9111, as much of it as a fetcher for monitors needs). */
export interface Freshness {
  /** `no-store`: keep neither the body nor its validators. */
  noStore: boolean;
  /** Until when the response may be reused without asking the server again (epoch ms); 0 when it must be revalidated. */
  freshUntil: number;
}

/** The longest a server may make us skip fetching: longer hints are cut to this. */
export const MAX_FRESHNESS_MS = 24 * 3600_000;

/** Reads `Cache-Control` (`no-store`, `no-cache`, `max-age`, minus `Age`) and `Expires` (relative to `Date`). */
export function freshnessOf(headers: Record<string, string>, now: number): Freshness {
  const directives = parseCacheControl(headers['cache-control'] ?? '');
  if (directives.has('no-store')) return { noStore: true, freshUntil: 0 };
  if (directives.has('no-cache')) return { noStore: false, freshUntil: 0 };
  let lifetime: number | undefined;
  const maxAge = Number(directives.get('max-age'));
  if (directives.has('max-age') && Number.isFinite(maxAge)) {
    lifetime = maxAge * 1000 - (Number(headers.age) * 1000 || 0);
  } else if (headers.expires !== undefined) {
    // Expires is compared with the server's own Date, so a skewed server clock does not matter.
    const expires = Date.parse(headers.expires);
    const date = Date.parse(headers.date ?? '');
    lifetime = Number.isNaN(expires) ? 0 : expires - (Number.isNaN(date) ? now : date);
  }
  if (lifetime === undefined || lifetime <= 0) return { noStore: false, freshUntil: 0 };
  return { noStore: false, freshUntil: now + Math.min(lifetime, MAX_FRESHNESS_MS) };
}

function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of value.split(',')) {
    const [name, raw = ''] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), raw.replace(/^"|"$/g, ''));
  }
  return directives;
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

/** Remembered responses, least recently used dropped first once their bodies exceed `maxBytes`. */
export class ResponseCache {
  private readonly entries = new Map<string, CacheEntry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The entry of a key, marked as recently used. */
  get(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Remembers an entry (a body larger than the whole cache is not kept). */
  set(key: string, entry: CacheEntry): void {
    this.delete(key);
    const size = entry.response.body.length;
    if (size > this.maxBytes) return;
    this.entries.set(key, entry);
    this.bytes += size;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.response.body.length;
    }
  }

  /** Forgets a key (e.g. after `no-store`). */
  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.response.body.length;
  }
}

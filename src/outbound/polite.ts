import { setTimeout as sleep } from 'node:timers/promises';
import { metrics } from '../metrics.js';
import { OutboundError } from './errors.js';
import { HostGates } from './host-gate.js';
import { freshnessOf, MAX_RETRY_AFTER_MS, ResponseCache, retryAfterMs, type CacheEntry } from './http-cache.js';
import type { OutboundClient, OutboundRequest, OutboundResponse } from './http.js';

export { HostBackoffError } from './host-gate.js';

/** How research fetching treats the sites it reads. */
export interface PoliteOptions {
  /** Requests in flight to one host at once (VIGIL_FETCH_HOST_CONCURRENCY). */
  hostConcurrency: number;
  /** Least time between two request starts to one host (VIGIL_FETCH_HOST_SPACING). */
  hostSpacingMs: number;
  /** Tries of one request that fails on the network, times out or answers 5xx/429/408 (VIGIL_FETCH_ATTEMPTS). */
  attempts: number;
  /** The first wait before a retry; it doubles, with jitter (VIGIL_FETCH_RETRY_DELAY). */
  retryDelayMs: number;
  /** How long a response may serve other monitors' executions without asking again (VIGIL_FETCH_REUSE_WINDOW). */
  reuseWindowMs: number;
  /** Bytes of remembered bodies kept for conditional GET and reuse. */
  cacheBytes: number;
  /** One attempt's deadline; default 15000. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Whom a request is for: an execution of a monitor, which must be done by `deadline` (epoch ms).
 * A `trigger` ("run now", requested at `requestedAt`) reads each source now: only a copy asked for
 * at or after that time answers it, never an older one however fresh or recently fetched.
 */
export interface FetchScope {
  monitorId: string;
  executionId: string;
  deadline: number;
  reason?: 'create' | 'schedule' | 'trigger';
  /** When a trigger was requested (epoch ms); the time the execution starts when absent. Ignored for other reasons. */
  requestedAt?: number;
}

/** The politeness layer of research fetching, shared by every execution of the process. */
export interface PoliteFetcher {
  /** The client one execution fetches through; `close()` on it does nothing. */
  forExecution(scope: FetchScope): OutboundClient;
}

const RETRYABLE_CODES = new Set(['timeout', 'connect_failed', 'dns_failed', 'http_error']);

interface Flight {
  promise: Promise<OutboundResponse>;
  controller: AbortController;
  waiting: number;
  sentAt: number;
}

/**
 * Wraps the outbound client with conditional GET, HTTP freshness, reuse of a response across the
 * monitors of one wave, coalescing of identical requests in flight, per-host limits and
 * `Retry-After`, and retries within the execution's time. Only GETs are cached or coalesced.
 */
export function createPoliteFetcher(inner: OutboundClient, options: PoliteOptions): PoliteFetcher {
  const polite = new Polite(inner, options);
  const now = options.now ?? Date.now;
  return {
    forExecution: (given) => {
      // Only a trigger asks for a copy newer than its request; scheduled and creation runs share a wave's copy.
      const scope = { ...given, requestedAt: given.reason === 'trigger' ? (given.requestedAt ?? now()) : undefined };
      return {
        request: (url, init = {}) => {
          const method = (init.method ?? 'GET').toUpperCase();
          if (method === 'GET' && init.body === undefined) return polite.get(url, init, scope);
          return polite.send(url, init, scope.deadline, init.signal ?? new AbortController().signal);
        },
        close: async () => {},
      };
    },
  };
}

class Polite {
  private readonly now: () => number;
  private readonly gates: HostGates;
  private readonly cache: ResponseCache;
  private readonly flights = new Map<string, Flight>();

  constructor(
    private readonly inner: OutboundClient,
    private readonly options: PoliteOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.gates = new HostGates({ concurrency: options.hostConcurrency, spacingMs: options.hostSpacingMs, now: this.now });
    this.cache = new ResponseCache(options.cacheBytes);
  }

  /** A GET with retries: network failures, timeouts, 5xx, 429 and 408 are tried again while the execution has time. */
  async get(url: string, init: OutboundRequest, scope: FetchScope): Promise<OutboundResponse> {
    const signal = init.signal ?? new AbortController().signal;
    for (let attempt = 1; ; attempt += 1) {
      let response: OutboundResponse | undefined;
      let error: unknown;
      try {
        response = await this.shared(url, init, scope, signal);
      } catch (err) {
        error = err;
      }
      const wait = attempt < this.options.attempts && !signal.aborted ? retryWait(response, error, attempt, this.options.retryDelayMs, this.now()) : undefined;
      if (wait === undefined || this.now() + wait >= scope.deadline) {
        if (error !== undefined) throw error as Error;
        return response as OutboundResponse;
      }
      // A referenced timer: a waiting retry is work in flight, which keeps a stopping process alive until it settles.
      await sleep(wait, undefined, { signal });
    }
  }

  /** One request through its host's gate; a `Retry-After` on 429/503 holds the host back. */
  async send(url: string, init: OutboundRequest, deadline: number, signal: AbortSignal): Promise<OutboundResponse> {
    const host = hostOf(url);
    const release = host === undefined ? () => {} : await this.gates.acquire(host, deadline, signal);
    try {
      // The execution's own signal ends a request that outlives it; that is the execution's timeout, not the source's.
      const response = await this.inner.request(url, { ...init, signal, timeoutMs: init.timeoutMs ?? this.options.timeoutMs }).catch((err: unknown) => {
        metrics.fetched(undefined);
        throw err;
      });
      metrics.fetched(response.status);
      if ((response.status === 429 || response.status === 503) && host !== undefined) {
        const at = this.now();
        const wait = retryAfterMs(response.headers['retry-after'], at);
        if (wait !== undefined) this.gates.backOff(host, at + Math.min(wait, MAX_RETRY_AFTER_MS));
      }
      return response;
    } finally {
      release();
    }
  }

  /** The response for an execution: reused, joined to an identical request in flight, or fetched. */
  private async shared(url: string, init: OutboundRequest, scope: FetchScope, signal: AbortSignal): Promise<OutboundResponse> {
    const key = cacheKey(url, init);
    const entry = this.cache.get(key);
    if (entry && reusable(entry, scope, this.now(), this.options.reuseWindowMs)) {
      entry.readers.set(scope.monitorId, scope.executionId);
      return entry.response;
    }
    let flight = this.flights.get(key);
    // A flight every caller left is being torn down, and one sent before a trigger may predate the
    // change it asks about: a newcomer then starts its own.
    if (!flight || flight.controller.signal.aborted || flight.sentAt < (scope.requestedAt ?? -Infinity)) {
      const controller = new AbortController();
      const sentAt = this.now();
      const started: Flight = {
        promise: this.revalidate(key, url, init, entry, scope.deadline, controller.signal, sentAt),
        controller,
        waiting: 0,
        sentAt,
      };
      void started.promise
        .catch(() => {})
        .finally(() => {
          if (this.flights.get(key) === started) this.flights.delete(key);
        });
      flight = started;
      this.flights.set(key, flight);
    }
    const response = await join(flight, signal);
    // Only the copy this execution actually read counts as read (not an older one beside a failure).
    const current = this.cache.get(key);
    if (current?.response === response) current.readers.set(scope.monitorId, scope.executionId);
    return response;
  }

  /** A GET that sends the remembered validators and remembers what it gets back. */
  private async revalidate(
    key: string,
    url: string,
    init: OutboundRequest,
    entry: CacheEntry | undefined,
    deadline: number,
    signal: AbortSignal,
    sentAt: number,
  ): Promise<OutboundResponse> {
    const headers = { ...init.headers };
    if (entry?.etag) headers['if-none-match'] = entry.etag;
    if (entry?.lastModified) headers['if-modified-since'] = entry.lastModified;
    const response = await this.send(url, { ...init, headers }, deadline, signal);
    return this.remember(key, response, entry, this.now(), sentAt);
  }

  private remember(key: string, response: OutboundResponse, entry: CacheEntry | undefined, at: number, sentAt: number): OutboundResponse {
    if (response.status === 304 && entry) {
      // Not modified: the remembered body is the answer, under the headers the 304 updated.
      const headers = { ...entry.response.headers, ...response.headers, 'x-vigil-cache': 'revalidated' };
      const refreshed: CacheEntry = {
        ...entry,
        response: { ...entry.response, headers },
        fetchedAt: at,
        sentAt,
        freshUntil: freshnessOf(headers, at).freshUntil,
        readers: new Map(),
      };
      this.cache.set(key, refreshed);
      return refreshed.response;
    }
    if (response.status !== 200) return response;
    const freshness = freshnessOf(response.headers, at);
    if (freshness.noStore) {
      this.cache.delete(key);
      return response;
    }
    this.cache.set(key, {
      response,
      etag: response.headers.etag,
      lastModified: response.headers['last-modified'],
      fetchedAt: at,
      sentAt,
      freshUntil: freshness.freshUntil,
      readers: new Map(),
    });
    return response;
  }
}

/** Whether a remembered response may answer this execution without asking the server. */
function reusable(entry: CacheEntry, scope: FetchScope, now: number, reuseWindowMs: number): boolean {
  // "Run now" is answered only by a copy asked for since it was requested (its own, or another monitor's).
  if (scope.requestedAt !== undefined && entry.sentAt < scope.requestedAt) return false;
  if (entry.freshUntil > now) return true;
  // Within the window a copy serves every monitor once: a monitor's next execution asks again.
  const reader = entry.readers.get(scope.monitorId);
  return now - entry.fetchedAt < reuseWindowMs && (reader === undefined || reader === scope.executionId);
}

/** Waits for a shared request; the request is abandoned only when every caller waiting for it has gone. */
function join(flight: Flight, signal: AbortSignal): Promise<OutboundResponse> {
  if (signal.aborted) return Promise.reject(signal.reason);
  flight.waiting += 1;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const leave = () => {
      flight.waiting -= 1;
      if (flight.waiting === 0) flight.controller.abort(signal.reason);
      reject(new OutboundError('aborted', '', { reason: 'the execution stopped' }));
    };
    signal.addEventListener('abort', leave, { once: true });
    flight.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', leave));
  });
}

/** How long to wait before trying again, or undefined when the failure is final (or there was none). */
function retryWait(response: OutboundResponse | undefined, error: unknown, attempt: number, baseMs: number, now: number): number | undefined {
  const backoff = () => baseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
  if (response) {
    // With Retry-After the host's gate holds the next try back until the time the server named.
    if ((response.status === 429 || response.status === 503) && retryAfterMs(response.headers['retry-after'], now) !== undefined) return 0;
    return response.status >= 500 || response.status === 429 || response.status === 408 ? backoff() : undefined;
  }
  return error instanceof OutboundError && RETRYABLE_CODES.has(error.code) ? backoff() : undefined;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined; // the client reports the invalid URL
  }
}

/** Responses are told apart by URL and the caller's own headers (e.g. Accept). */
function cacheKey(url: string, init: OutboundRequest): string {
  const headers = Object.entries(init.headers ?? {})
    .map(([k, v]) => `${k.toLowerCase()}:${v}`)
    .sort();
  return `${url}\n${headers.join('\n')}`;
}

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { createLeasePool } from '../engine/lease-pool.js';
import type { Loop } from '../engine/loop.js';
import type { OutboundClient } from '../outbound/http.js';
import { findAccountById, type Account } from '../store/accounts.repository.js';
import type { Store } from '../store/db.js';
import {
  claimDeliveries, failPendingDeliveries, recordAttempt, recordDelivered, releaseDelivery, type Delivery,
} from '../store/deliveries.repository.js';
import { findEndpoint, insertNotice, saveEndpoint, type Endpoint } from '../store/endpoints.repository.js';
import { parseRetryAfter, retryDelay } from './retry.js';
import { signatureHeaders } from './signing.js';

/** Requests in flight at once from one process, in all and to one URL (so a slow receiver cannot take every slot). */
const CONCURRENCY = 16;
const PER_URL = 4;
/** Deliveries claimed ahead in one query, so a busy outbox costs one claim per batch, not per message. */
const BATCH = 32;
/** Bytes of a receiver's answer that are kept (for the delivery's last error). */
const ANSWER_BYTES = 2048;

/** What sending webhooks needs. */
export interface DispatcherDeps {
  store: Store;
  http: OutboundClient;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  intervalMs: number;
  webhooks: Config['webhooks'];
}

/** One attempt's result, before it is recorded. */
interface AttemptResult { ok: boolean; status: number | null; error: string | null; retryAfterMs?: number }

/** A leased delivery with what sending it needs, looked up once per claimed batch. */
interface Claimed { delivery: Delivery; account: Account | undefined; endpoint: Endpoint; claimedAt: number }

/** Successes waiting to be recorded together: a flush every few milliseconds, not a commit per message. */
const FLUSH_MS = 20;
const FLUSH_SIZE = 64;

/**
 * Sends due webhook deliveries from the outbox, at least once each, with the same `webhook-id` on
 * every attempt, retrying failures with backoff until the retry window closes. An endpoint that
 * answers 410, or fails without a break for `disableAfterMs`, is disabled and the account told.
 *
 * Deliveries are claimed in batches, and successes recorded in batches. A crash between a send and
 * its record only means the message is sent again, under the same `webhook-id`, after the lease.
 */
export function createDispatcher(deps: DispatcherDeps): Loop {
  const leaseFor = deps.webhooks.timeoutMs * 2 + 5_000;
  const release = ({ delivery }: Claimed) => releaseDelivery(deps.store.db, delivery.id, deps.workerId);
  const successes = createSuccessRecorder(deps);
  // When this process disabled an endpoint: messages to it claimed before then are not sent (later
  // claims read the endpoint's state afresh, so a re-enabled endpoint is served again).
  const disabledHere = new Map<string, number>();
  // Claimed but not yet started, oldest claim first; each holds a lease like a running one.
  let ahead: Claimed[] = [];
  const pool = createLeasePool<Claimed>({
    name: 'webhooks',
    concurrency: CONCURRENCY,
    intervalMs: deps.intervalMs,
    log: deps.log,
    async claim(inFlight) {
      const counts = new Map<string, number>();
      for (const { delivery } of inFlight) counts.set(delivery.url, (counts.get(delivery.url) ?? 0) + 1);
      const free = ({ delivery }: Claimed) => (counts.get(delivery.url) ?? 0) < PER_URL;
      if (!ahead.some(free) && ahead.length < BATCH) ahead.push(...await claimBatch(deps, counts, BATCH - ahead.length, leaseFor));
      const next = ahead.find(free);
      if (next) ahead = ahead.filter((c) => c !== next);
      return next;
    },
    run: (claimed) => deliver(deps, claimed, successes, disabledHere),
    release,
    async releaseUnstarted() {
      const unstarted = ahead;
      ahead = [];
      for (const claimed of unstarted) await release(claimed);
    },
  });
  return {
    start: () => pool.start(),
    wake: () => pool.wake(),
    stop: async () => {
      await pool.stop();
      await successes.flush();
    },
  };
}

async function claimBatch(deps: DispatcherDeps, inFlight: Map<string, number>, limit: number, leaseFor: number): Promise<Claimed[]> {
  const now = deps.clock();
  const busyUrls = [...inFlight].filter(([, n]) => n >= PER_URL).map(([url]) => url);
  const deliveries = await claimDeliveries(deps.store.db, deps.store.dialect, {
    workerId: deps.workerId, now, leaseUntil: now + leaseFor, busyUrls, limit,
  });
  const accounts = new Map<string, Account | undefined>();
  const endpoints = new Map<string, Endpoint>();
  for (const d of deliveries) {
    if (!accounts.has(d.accountId)) accounts.set(d.accountId, await findAccountById(deps.store.db, d.accountId));
    const key = `${d.accountId} ${d.url}`;
    if (!endpoints.has(key)) endpoints.set(key, await findEndpoint(deps.store.db, d.accountId, d.url));
  }
  return deliveries.map((d) => ({
    delivery: d, account: accounts.get(d.accountId), endpoint: endpoints.get(`${d.accountId} ${d.url}`)!, claimedAt: now,
  }));
}

/** Buffers successful attempts and records them together. */
function createSuccessRecorder(deps: DispatcherDeps) {
  let pending: { id: string; status: number; at: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    flushing = flushing.then(async () => {
      if (batch.length === 0) return;
      await recordDelivered(deps.store.db, deps.workerId, batch)
        .catch((err) => deps.log.error({ err, count: batch.length }, 'webhooks: successes could not be recorded; they will be sent again'));
    });
    return flushing;
  };
  return {
    add(id: string, status: number) {
      pending.push({ id, status, at: deps.clock() });
      if (pending.length >= FLUSH_SIZE) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    flush,
  };
}

async function deliver(
  deps: DispatcherDeps, { delivery, account, endpoint, claimedAt }: Claimed,
  successes: ReturnType<typeof createSuccessRecorder>, disabledHere: Map<string, number>,
): Promise<void> {
  const key = `${delivery.accountId} ${delivery.url}`;
  if (endpoint.status === 'disabled' || claimedAt <= (disabledHere.get(key) ?? -Infinity)) {
    await recordAttempt(deps.store.db, delivery.id, deps.workerId, {
      status: 'failed', lastStatus: null, lastError: `endpoint disabled: ${endpoint.disabledReason ?? ''}`.trim(), at: deps.clock(),
    });
    return;
  }
  const result = account ? await attempt(deps, delivery, account) : { ok: false, status: null, error: 'the account no longer exists' };
  const now = deps.clock();
  // A healthy endpoint's row is rewritten only when it recovers or its last success is a minute old.
  const endpointStale = endpoint.failingSince !== null || endpoint.lastSuccessAt === null || now - endpoint.lastSuccessAt > 60_000;
  if (result.ok && !endpointStale) {
    successes.add(delivery.id, result.status as number);
    return;
  }
  const disabled = await record(deps, delivery, endpoint, result);
  if (disabled) disabledHere.set(key, now);
  if (result.ok) Object.assign(endpoint, { failingSince: null, lastSuccessAt: now });
}

async function attempt(deps: DispatcherDeps, delivery: Delivery, account: Account): Promise<AttemptResult> {
  const now = deps.clock();
  try {
    const response = await deps.http.request(delivery.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signatureHeaders(account, delivery.id, delivery.body, now) },
      body: delivery.body,
      timeoutMs: deps.webhooks.timeoutMs,
      followRedirects: false,
      maxBytes: ANSWER_BYTES,
      truncateBody: true,
    });
    const ok = response.status >= 200 && response.status < 300;
    const answer = response.body.toString('utf8').slice(0, 300);
    return {
      ok,
      status: response.status,
      error: ok ? null : `HTTP ${response.status}${answer ? `: ${answer}` : ''}`,
      retryAfterMs: response.status === 429 || response.status === 503
        ? parseRetryAfter(response.headers['retry-after'], now) : undefined,
    };
  } catch (err) {
    return { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Records an attempt on the delivery and the endpoint's health, in one transaction; true when the
 * endpoint was disabled by it.
 */
async function record(deps: DispatcherDeps, delivery: Delivery, endpoint: Endpoint, result: AttemptResult): Promise<boolean> {
  const now = deps.clock();
  const { retryWindowMs, disableAfterMs, retryDelayMs } = deps.webhooks;
  return deps.store.db.transaction().execute(async (tx) => {
    if (result.ok) {
      await recordAttempt(tx, delivery.id, deps.workerId, { status: 'delivered', lastStatus: result.status, lastError: null, at: now });
      await saveEndpoint(tx, delivery.accountId, { ...endpoint, failingSince: null, lastSuccessAt: now }, now);
      return false;
    }
    const failingSince = endpoint.failingSince ?? now;
    const disable = result.status === 410
      ? 'the endpoint answered 410 Gone'
      : now - failingSince >= disableAfterMs ? `the endpoint failed every delivery for ${Math.round((now - failingSince) / 3600_000)} h` : null;
    const expired = now - delivery.windowStart >= retryWindowMs;
    await recordAttempt(tx, delivery.id, deps.workerId, {
      status: disable || expired ? 'failed' : 'pending',
      nextAttemptAt: now + retryDelay(delivery.attempts + 1, retryDelayMs, result.retryAfterMs),
      lastStatus: result.status,
      lastError: expired && !disable ? `gave up after ${delivery.attempts + 1} attempts: ${result.error}` : result.error,
      at: now,
    });
    await saveEndpoint(tx, delivery.accountId, {
      ...endpoint, failingSince, status: disable ? 'disabled' : endpoint.status, disabledReason: disable ?? endpoint.disabledReason,
    }, now);
    if (disable) {
      await failPendingDeliveries(tx, delivery.accountId, delivery.url, `endpoint disabled: ${disable}`);
      await insertNotice(tx, delivery.accountId, {
        kind: 'webhook_endpoint_disabled',
        message: `Webhook endpoint ${delivery.url} was disabled: ${disable}. Re-enable it with POST /v1/webhooks/endpoints/enable; failed deliveries can be redelivered.`,
        detail: { url: delivery.url, last_status: result.status, last_error: result.error },
      }, now);
    }
    return disable !== null;
  });
}

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { createLeasePool } from '../engine/lease-pool.js';
import type { Loop } from '../engine/loop.js';
import type { OutboundClient } from '../outbound/http.js';
import { findAccountById } from '../store/accounts.repository.js';
import type { Store } from '../store/db.js';
import {
  claimDeliveries, failPendingDeliveries, recordAttempt, releaseDelivery, type Delivery,
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

/**
 * Sends due webhook deliveries from the outbox, at least once each, with the same `webhook-id` on
 * every attempt, retrying failures with backoff until the retry window closes. An endpoint that
 * answers 410, or fails without a break for `disableAfterMs`, is disabled and the account told.
 */
export function createDispatcher(deps: DispatcherDeps): Loop {
  const leaseFor = deps.webhooks.timeoutMs * 2 + 5_000;
  const release = (delivery: Delivery) => releaseDelivery(deps.store.db, delivery.id, deps.workerId);
  // Claimed but not yet started, oldest claim first; each holds a lease like a running one.
  let ahead: Delivery[] = [];
  return createLeasePool<Delivery>({
    name: 'webhooks',
    concurrency: CONCURRENCY,
    intervalMs: deps.intervalMs,
    log: deps.log,
    async claim(inFlight) {
      const counts = new Map<string, number>();
      for (const d of inFlight) counts.set(d.url, (counts.get(d.url) ?? 0) + 1);
      const free = (d: Delivery) => (counts.get(d.url) ?? 0) < PER_URL;
      if (!ahead.some(free) && ahead.length < BATCH) {
        const now = deps.clock();
        const busyUrls = [...counts].filter(([, n]) => n >= PER_URL).map(([url]) => url);
        ahead.push(...await claimDeliveries(deps.store.db, deps.store.dialect, {
          workerId: deps.workerId, now, leaseUntil: now + leaseFor, busyUrls, limit: BATCH - ahead.length,
        }));
      }
      const next = ahead.find(free);
      if (next) ahead = ahead.filter((d) => d !== next);
      return next;
    },
    run: (delivery) => deliver(deps, delivery),
    release,
    async releaseUnstarted() {
      const unstarted = ahead;
      ahead = [];
      for (const delivery of unstarted) await release(delivery);
    },
  });
}

async function deliver(deps: DispatcherDeps, delivery: Delivery): Promise<void> {
  const db = deps.store.db;
  const endpoint = await findEndpoint(db, delivery.accountId, delivery.url);
  if (endpoint.status === 'disabled') {
    await recordAttempt(db, delivery.id, deps.workerId, {
      status: 'failed', lastStatus: null, lastError: `endpoint disabled: ${endpoint.disabledReason ?? ''}`.trim(), at: deps.clock(),
    });
    return;
  }
  const result = await attempt(deps, delivery);
  await record(deps, delivery, endpoint, result);
}

async function attempt(deps: DispatcherDeps, delivery: Delivery): Promise<AttemptResult> {
  const account = await findAccountById(deps.store.db, delivery.accountId);
  if (!account) return { ok: false, status: null, error: 'the account no longer exists' };
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

/** Records the attempt on the delivery and the endpoint's health, in one transaction. */
async function record(deps: DispatcherDeps, delivery: Delivery, endpoint: Endpoint, result: AttemptResult): Promise<void> {
  const now = deps.clock();
  const { retryWindowMs, disableAfterMs, retryDelayMs } = deps.webhooks;
  // A healthy endpoint's row is rewritten only when it recovers or its last success is a minute old;
  // otherwise a success is one statement, with no transaction around it.
  const endpointStale = endpoint.failingSince !== null || endpoint.lastSuccessAt === null || now - endpoint.lastSuccessAt > 60_000;
  if (result.ok && !endpointStale) {
    await recordAttempt(deps.store.db, delivery.id, deps.workerId, { status: 'delivered', lastStatus: result.status, lastError: null, at: now });
    return;
  }
  await deps.store.db.transaction().execute(async (tx) => {
    if (result.ok) {
      await recordAttempt(tx, delivery.id, deps.workerId, { status: 'delivered', lastStatus: result.status, lastError: null, at: now });
      await saveEndpoint(tx, delivery.accountId, { ...endpoint, failingSince: null, lastSuccessAt: now }, now);
      return;
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
  });
}

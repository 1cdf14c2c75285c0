import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { OutboundClient } from '../outbound/http.js';
import type { Account } from '../store/accounts.repository.js';
import type { Store } from '../store/db.js';
import { failPendingDeliveries, recordAttempt, recordDelivered, type ClaimedDelivery } from '../store/deliveries.repository.js';
import { insertNotice, saveEndpoint, type Endpoint } from '../store/endpoints.repository.js';
import { retryAfterMs } from '../outbound/http-cache.js';
import { metrics } from '../metrics.js';
import { retryDelay } from './retry.js';
import { signatureHeaders } from './signing.js';

/** Bytes of a receiver's answer that are kept (for the delivery's last error). */
const ANSWER_BYTES = 2048;
/** Successes waiting to be recorded together: a flush every few milliseconds, not a commit per message. */
const FLUSH_MS = 20;
const FLUSH_SIZE = 128;
const MAX_WRITES = 2;

/** What one attempt needs. */
export interface AttemptDeps {
  store: Store;
  http: OutboundClient;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  webhooks: Config['webhooks'];
}

/** A leased delivery with what sending it needs, looked up once per claimed batch. */
export interface Claimed {
  delivery: ClaimedDelivery;
  account: Account | undefined;
  endpoint: Endpoint;
  claimedAt: number;
  leaseUntil: number;
  /** Claim order, so waiting deliveries start in the order the claim ranked them. */
  order: number;
}

/** One attempt's result, before it is recorded. */
interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  retryAfterMs?: number;
}

/** Buffers successful attempts and records them together. */
export type SuccessRecorder = ReturnType<typeof createSuccessRecorder>;

/**
 * Buffers successful attempts and records them in one statement every few milliseconds, at most two
 * statements at once (their rows are disjoint), so recording keeps up with sending on PostgreSQL
 * where each statement is a round trip; `flush` resolves once everything added before is recorded.
 */
export function createSuccessRecorder(deps: AttemptDeps) {
  let pending: { id: string; status: number; at: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const writing = new Set<Promise<void>>();
  const later = () => {
    timer ??= setTimeout(() => write(), FLUSH_MS);
  };
  function write(): void {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    if (writing.size >= MAX_WRITES) {
      later();
      return;
    }
    const batch = pending;
    pending = [];
    const done: Promise<void> = recordDelivered(deps.store.db, deps.workerId, batch)
      .catch((err: unknown) => deps.log.error({ err, count: batch.length }, 'webhooks: successes could not be recorded; they will be sent again'))
      .finally(() => {
        writing.delete(done);
        if (pending.length >= FLUSH_SIZE) write();
      });
    writing.add(done);
  }
  return {
    add(id: string, status: number) {
      pending.push({ id, status, at: deps.clock() });
      if (pending.length >= FLUSH_SIZE) write();
      else later();
    },
    async flush(): Promise<void> {
      while (pending.length > 0 || writing.size > 0) {
        write();
        await Promise.all(writing);
      }
    },
  };
}

/**
 * Sends one claimed delivery and records the outcome: a success into the batch (or, when the
 * endpoint's health needs writing, at once), a failure with its retry time, disabling the endpoint
 * on 410 or after failing for `disableAfterMs`. `disabledHere` holds when this process disabled an
 * endpoint, so messages to it claimed before then are not sent.
 */
export async function deliver(deps: AttemptDeps, claimed: Claimed, successes: SuccessRecorder, disabledHere: Map<string, number>): Promise<void> {
  const { delivery, account, endpoint, claimedAt } = claimed;
  const key = `${delivery.accountId} ${delivery.url}`;
  if (endpoint.status === 'disabled' || claimedAt <= (disabledHere.get(key) ?? -Infinity)) {
    await recordAttempt(deps.store.db, delivery.id, deps.workerId, {
      status: 'failed',
      lastStatus: null,
      lastError: `endpoint disabled: ${endpoint.disabledReason ?? ''}`.trim(),
      at: deps.clock(),
    });
    metrics.deliveryAttempted('skipped');
    return;
  }
  const result = account ? await attempt(deps, delivery, account) : { ok: false, status: null, error: 'the account no longer exists' };
  metrics.deliveryAttempted(result.ok ? 'delivered' : 'failed');
  const now = deps.clock();
  // A healthy endpoint's row is rewritten only when it recovers or its last success is a minute old.
  const endpointStale = endpoint.failingSince !== null || endpoint.lastSuccessAt === null || now - endpoint.lastSuccessAt > 60_000;
  if (result.ok && !endpointStale) {
    successes.add(delivery.id, result.status as number);
    return;
  }
  // Marked before the write, so the other messages of the batch (sharing this object) don't all rewrite it.
  if (result.ok) Object.assign(endpoint, { failingSince: null, lastSuccessAt: now });
  const disabled = await record(deps, delivery, endpoint, result);
  if (disabled) disabledHere.set(key, now);
}

async function attempt(deps: AttemptDeps, delivery: ClaimedDelivery, account: Account): Promise<AttemptResult> {
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
    const answer = ok ? '' : response.body.toString('utf8').slice(0, 300);
    return {
      ok,
      status: response.status,
      error: ok ? null : `HTTP ${response.status}${answer ? `: ${answer}` : ''}`,
      retryAfterMs: response.status === 429 || response.status === 503 ? retryAfterMs(response.headers['retry-after'], now) : undefined,
    };
  } catch (err) {
    return { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Records an attempt on the delivery and the endpoint's health, in one transaction; true when the
 * endpoint was disabled by it.
 */
async function record(deps: AttemptDeps, delivery: ClaimedDelivery, endpoint: Endpoint, result: AttemptResult): Promise<boolean> {
  const now = deps.clock();
  const { retryWindowMs, disableAfterMs, retryDelayMs } = deps.webhooks;
  return deps.store.db.transaction().execute(async (tx) => {
    if (result.ok) {
      await recordAttempt(tx, delivery.id, deps.workerId, { status: 'delivered', lastStatus: result.status, lastError: null, at: now });
      await saveEndpoint(tx, delivery.accountId, { ...endpoint, failingSince: null, lastSuccessAt: now }, now);
      return false;
    }
    const failingSince = endpoint.failingSince ?? now;
    const disable =
      result.status === 410
        ? 'the endpoint answered 410 Gone'
        : now - failingSince >= disableAfterMs
          ? `the endpoint failed every delivery for ${Math.round((now - failingSince) / 3600_000)} h`
          : null;
    const expired = now - delivery.windowStart >= retryWindowMs;
    await recordAttempt(tx, delivery.id, deps.workerId, {
      status: disable || expired ? 'failed' : 'pending',
      nextAttemptAt: now + retryDelay(delivery.attempts + 1, retryDelayMs, result.retryAfterMs),
      lastStatus: result.status,
      lastError: expired && !disable ? `gave up after ${delivery.attempts + 1} attempts: ${result.error}` : result.error,
      at: now,
    });
    await saveEndpoint(
      tx,
      delivery.accountId,
      {
        ...endpoint,
        failingSince,
        status: disable ? 'disabled' : endpoint.status,
        disabledReason: disable ?? endpoint.disabledReason,
      },
      now,
    );
    if (disable) {
      await failPendingDeliveries(tx, delivery.accountId, delivery.url, `endpoint disabled: ${disable}`);
      await insertNotice(
        tx,
        delivery.accountId,
        {
          kind: 'webhook_endpoint_disabled',
          message: `Webhook endpoint ${delivery.url} was disabled: ${disable}. Re-enable it with POST /v1/webhooks/endpoints/enable; failed deliveries can be redelivered.`,
          detail: { url: delivery.url, last_status: result.status, last_error: result.error },
        },
        now,
      );
    }
    return disable !== null;
  });
}

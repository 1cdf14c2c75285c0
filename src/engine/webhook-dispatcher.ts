import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { createSuccessRecorder, deliver, type Claimed } from '../delivery/attempt.js';
import type { OutboundClient } from '../outbound/http.js';
import type { Store } from '../store/db.js';
import { releaseDeliveries } from '../store/deliveries.repository.js';
import { createLoop, type Loop } from './loop.js';
import { accountQueueFor, ClaimAhead } from './webhook-claims.js';
import { Lanes } from './webhook-lanes.js';

/** Requests in flight at once from one process, in all and to one URL (so a slow receiver cannot take every slot). */
export const CONCURRENCY = 32;
export const PER_URL = 4;
/** Room left between a delivery's start and its lease's end beyond the request's own timeout. */
const LEASE_MARGIN_MS = 5_000;

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

/**
 * Sends due webhook deliveries from the outbox, at least once each, with the same `webhook-id` on
 * every attempt, retrying failures with backoff until the retry window closes (delivery/attempt.ts
 * sends and records one). Deliveries are claimed ahead of need (webhook-claims.ts) into per-URL
 * lanes (webhook-lanes.ts) that share the request slots: per URL, per account and in all.
 *
 * Every claimed delivery is either sent or given back: one is sent only while its lease outlasts
 * the request's timeout, and one that waited too long for a slot (its receiver is slow, or its
 * account is at its cap) is given back by the sweep that runs on each tick and each pump, so it can
 * be claimed again. Giving back never takes a request slot, and always lets the lanes go on.
 */
export function createDispatcher(deps: DispatcherDeps): Loop {
  const { timeoutMs, accountConcurrency } = deps.webhooks;
  const successes = createSuccessRecorder(deps);
  // When this process disabled an endpoint: messages to it claimed before then are not sent (later
  // claims read the endpoint's state afresh, so a re-enabled endpoint is served again).
  const disabledHere = new Map<string, number>();
  const lanes = new Lanes({
    total: CONCURRENCY, perUrl: PER_URL, perAccount: accountConcurrency, accountQueue: accountQueueFor(deps.store),
    sendWindowMs: timeoutMs,
  }, deps.clock);
  const running = new Set<Promise<void>>();
  const releasing = new Set<Promise<void>>();
  let stopping = false;
  const claimAhead = new ClaimAhead(
    { store: deps.store, clock: deps.clock, log: deps.log, workerId: deps.workerId, leaseMs: timeoutMs * 2 + LEASE_MARGIN_MS },
    { lanes, giveBack, claimed: () => pump(), stopping: () => stopping },
  );
  /** Too late to start: the lease could run out before the request's timeout. */
  const tooOld = (c: Claimed) => deps.clock() + timeoutMs + LEASE_MARGIN_MS > c.leaseUntil;

  /** Gives back what waited too long, starts what fits in the free slots, then claims more if there is room. */
  function pump(): void {
    if (stopping) return;
    giveBack(lanes.expired(tooOld).map((c) => c.delivery.id));
    // The sweep just took out every head too old to send, so whatever `next` gives may start.
    for (let claimed = lanes.next(); claimed; claimed = lanes.next()) {
      start(claimed);
      // Its lane and account now hold one fewer waiting: a claim that left them out may go again.
      claimAhead.changed(claimed.delivery.url, claimed.delivery.accountId);
    }
    claimAhead.refill();
  }

  function start(claimed: Claimed): void {
    const work = deliver(deps, claimed, successes, disabledHere)
      .catch((err) => deps.log.error({ err }, 'webhooks: a delivery could not be completed'))
      .finally(() => {
        running.delete(work);
        giveBack(lanes.finished(claimed).map((c) => c.delivery.id));
        claimAhead.changed(claimed.delivery.url, claimed.delivery.accountId);
        pump();
      });
    running.add(work);
  }

  /** Releases deliveries at once (one statement), so any process claims them again; their lease would expire anyway. */
  function giveBack(ids: string[]): void {
    if (ids.length === 0) return;
    const work = releaseDeliveries(deps.store.db, ids, deps.workerId)
      .catch((err) => deps.log.error({ err, count: ids.length }, 'webhooks: deliveries could not be released; their leases will expire'))
      .finally(() => releasing.delete(work));
    releasing.add(work);
  }

  const loop = createLoop('webhooks', async () => {
    claimAhead.wake();
    pump();
    await claimAhead.settled();
    return false;
  }, { intervalMs: deps.intervalMs, log: deps.log });
  let stopped: Promise<void> | undefined;
  return {
    start: () => {
      stopping = false;
      stopped = undefined;
      loop.start();
    },
    wake: () => loop.wake(),
    stop: () => (stopped ??= (async () => {
      stopping = true;
      await loop.stop();
      await claimAhead.settled();
      giveBack(lanes.takeAll().map((c) => c.delivery.id));
      // Requests end within their timeout; their outcomes are recorded before the store closes.
      while (running.size > 0) await Promise.allSettled([...running]);
      while (releasing.size > 0) await Promise.allSettled([...releasing]);
      await successes.flush();
    })()),
  };
}

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { createLoop, type Loop } from '../engine/loop.js';
import type { OutboundClient } from '../outbound/http.js';
import { findAccountById, type Account } from '../store/accounts.repository.js';
import type { Store } from '../store/db.js';
import { claimDeliveries, releaseDeliveries } from '../store/deliveries.repository.js';
import { findEndpoints, type Endpoint } from '../store/endpoints.repository.js';
import { createSuccessRecorder, deliver, type Claimed } from './attempt.js';

/** Requests in flight at once from one process, in all and to one URL (so a slow receiver cannot take every slot). */
const CONCURRENCY = 16;
const PER_URL = 4;
/** Deliveries claimed in one query, so a busy outbox costs one claim per batch, not per message. */
const BATCH = 128;
/**
 * Claims run side by side where the store allows it (PostgreSQL, SKIP LOCKED), so the round trips
 * of one overlap the other's; a claim starts when a full batch fits in what is kept ahead (waiting
 * or being claimed), one batch per claim plus one being sent.
 */
const PARALLEL_CLAIMS = 2;
/**
 * Deliveries that may wait for one URL: many for a fast receiver (so claims stay large), few for
 * one whose last answer was slow (so its messages are not held under lease for nothing).
 */
const QUEUE_PER_FAST_URL = 128;
const SLOW_ANSWER_MS = 250;

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

/** A URL's deliveries waiting for a slot (oldest claim first) and its requests in flight. */
interface Lane { waiting: Claimed[]; inFlight: number; lastAnswerMs: number }

/**
 * Sends due webhook deliveries from the outbox, at least once each, with the same `webhook-id` on
 * every attempt, retrying failures with backoff until the retry window closes. An endpoint that
 * answers 410, or fails without a break for `disableAfterMs`, is disabled and the account told.
 *
 * Deliveries are claimed in batches under a lease, ahead of need: the next batch is claimed while
 * the current one is sent, and a slot that frees up takes the next waiting delivery at once. A
 * delivery is only sent while its lease outlasts the request's timeout; one that waited too long
 * is given back. Successes are recorded in batches: a crash between a send and its record only
 * means the message is sent again, under the same `webhook-id`, after the lease.
 */
export function createDispatcher(deps: DispatcherDeps): Loop {
  const leaseFor = deps.webhooks.timeoutMs * 2 + 5_000;
  const successes = createSuccessRecorder(deps);
  // When this process disabled an endpoint: messages to it claimed before then are not sent (later
  // claims read the endpoint's state afresh, so a re-enabled endpoint is served again).
  const disabledHere = new Map<string, number>();
  const lanes = new Map<string, Lane>();
  const running = new Set<Promise<void>>();
  let waiting = 0;
  const claims = new Set<Promise<void>>();
  const maxClaims = deps.store.dialect.supportsSkipLocked ? PARALLEL_CLAIMS : 1;
  const ahead = BATCH * (maxClaims + 1);
  let asked = 0;
  // The last claim found every due delivery it could take: claim again on a tick or a hint, or when
  // a URL it had to leave out has room again.
  let drained = false;
  let leftOut = new Set<string>();
  let order = 0;
  let stopping = false;

  const lane = (url: string): Lane => {
    let found = lanes.get(url);
    if (!found) lanes.set(url, found = { waiting: [], inFlight: 0, lastAnswerMs: 0 });
    return found;
  };
  const queueCap = (l: Lane) => (l.lastAnswerMs > SLOW_ANSWER_MS ? PER_URL : QUEUE_PER_FAST_URL);
  const full = (l: Lane) => l.waiting.length + l.inFlight >= queueCap(l) + PER_URL;
  const roomAgain = (url: string, l: Lane) => {
    if (drained && leftOut.has(url) && !full(l)) drained = false;
  };

  /** Starts waiting deliveries while slots are free, oldest claim first among URLs with room. */
  function pump(): void {
    while (running.size < CONCURRENCY && !stopping) {
      let next: Lane | undefined;
      let nextUrl = '';
      for (const [url, l] of lanes) {
        if (l.waiting.length > 0 && l.inFlight < PER_URL && (!next || l.waiting[0].order < next.waiting[0].order)) {
          next = l;
          nextUrl = url;
        }
      }
      if (!next) break;
      const claimed = next.waiting.shift()!;
      waiting -= 1;
      roomAgain(nextUrl, next);
      if (deps.clock() + deps.webhooks.timeoutMs + 5_000 > claimed.leaseUntil) giveBack(claimed);
      else start(next, claimed);
    }
    if (!stopping && !drained) refill();
  }

  function start(l: Lane, claimed: Claimed): void {
    l.inFlight += 1;
    const began = performance.now();
    const work = deliver(deps, claimed, successes, disabledHere)
      .catch((err) => deps.log.error({ err }, 'webhooks: a delivery could not be completed'))
      .finally(() => {
        l.inFlight -= 1;
        l.lastAnswerMs = performance.now() - began;
        running.delete(work);
        roomAgain(claimed.delivery.url, l);
        // An idle lane is dropped, so URLs seen once do not pile up in a long-running process.
        if (l.inFlight === 0 && l.waiting.length === 0) lanes.delete(claimed.delivery.url);
        pump();
      });
    running.add(work);
  }

  /** Releases a delivery whose lease could run out during its request: it is claimed again later. */
  function giveBack({ delivery }: Claimed): void {
    const work = releaseDeliveries(deps.store.db, [delivery.id], deps.workerId)
      .catch((err) => deps.log.error({ err }, 'webhooks: a delivery could not be released; its lease will expire'))
      .finally(() => running.delete(work));
    running.add(work);
  }

  /** Starts claims while a batch fits in what is kept ahead; resolves when they end. */
  function refill(): Promise<void> {
    while (claims.size < maxClaims && ahead - waiting - asked >= BATCH) {
      const limit = BATCH;
      asked += limit;
      const claim: Promise<void> = claimBatch(limit)
        .catch((err) => {
          // The loop's next tick claims again.
          deps.log.error({ err }, 'webhooks: claiming deliveries failed');
          return false;
        })
        .then((got) => {
          asked -= limit;
          claims.delete(claim);
          if (got) pump();
        });
      claims.add(claim);
    }
    return Promise.all(claims).then(() => {});
  }

  /** Claims deliveries for URLs with room in their queue; true when some were claimed. */
  async function claimBatch(limit: number): Promise<boolean> {
    const now = deps.clock();
    const busyUrls = [...lanes].filter(([, l]) => full(l)).map(([url]) => url);
    const leaseUntil = now + leaseFor;
    const deliveries = await claimDeliveries(deps.store.db, deps.store.dialect, {
      workerId: deps.workerId, now, leaseUntil, busyUrls, limit,
    });
    drained = deliveries.length < limit;
    leftOut = new Set(busyUrls);
    if (deliveries.length === 0) return false;
    const { accounts, endpoints } = await lookUp(deps, deliveries);
    for (const delivery of deliveries) {
      const endpoint = endpoints.get(`${delivery.accountId} ${delivery.url}`)!;
      lane(delivery.url).waiting.push({
        delivery, account: accounts.get(delivery.accountId), endpoint, claimedAt: now, leaseUntil, order: order++,
      });
    }
    waiting += deliveries.length;
    if (stopping) await releaseWaiting();
    return true;
  }

  async function releaseWaiting(): Promise<void> {
    const ids = [...lanes.values()].flatMap((l) => l.waiting.splice(0).map(({ delivery }) => delivery.id));
    waiting = 0;
    await releaseDeliveries(deps.store.db, ids, deps.workerId)
      .catch((err) => deps.log.error({ err, count: ids.length }, 'webhooks: deliveries could not be released; their leases will expire'));
  }

  const loop = createLoop('webhooks', async () => {
    drained = false;
    await refill();
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
      await Promise.all(claims);
      await releaseWaiting();
      // Requests end within their timeout; their outcomes are recorded before the store closes.
      while (running.size > 0) await Promise.allSettled([...running]);
      await successes.flush();
    })()),
  };
}

/** The accounts and endpoints of a claimed batch, one query per account. */
async function lookUp(deps: DispatcherDeps, deliveries: { accountId: string; url: string }[]) {
  const urlsByAccount = new Map<string, Set<string>>();
  for (const d of deliveries) {
    const urls = urlsByAccount.get(d.accountId) ?? new Set<string>();
    urls.add(d.url);
    urlsByAccount.set(d.accountId, urls);
  }
  const accounts = new Map<string, Account | undefined>();
  const endpoints = new Map<string, Endpoint>();
  await Promise.all([...urlsByAccount].map(async ([accountId, urls]) => {
    const [account, found] = await Promise.all([
      findAccountById(deps.store.db, accountId), findEndpoints(deps.store.db, accountId, [...urls]),
    ]);
    accounts.set(accountId, account);
    for (const [url, endpoint] of found) endpoints.set(`${accountId} ${url}`, endpoint);
  }));
  return { accounts, endpoints };
}

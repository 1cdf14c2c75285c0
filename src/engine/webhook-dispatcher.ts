import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { createSuccessRecorder, deliver, type Claimed, type SuccessRecorder } from '../delivery/attempt.js';
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
  return new WebhookDispatcher(deps);
}

class WebhookDispatcher implements Loop {
  private readonly successes: SuccessRecorder;
  /**
   * When this process disabled an endpoint: messages to it claimed before then are not sent (later
   * claims read the endpoint's state afresh, so a re-enabled endpoint is served again).
   */
  private readonly disabledHere = new Map<string, number>();
  private readonly lanes: Lanes;
  private readonly claimAhead: ClaimAhead;
  private readonly running = new Set<Promise<void>>();
  private readonly releasing = new Set<Promise<void>>();
  private readonly loop: Loop;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    const { timeoutMs, accountConcurrency } = deps.webhooks;
    this.successes = createSuccessRecorder(deps);
    this.lanes = new Lanes(
      {
        total: CONCURRENCY,
        perUrl: PER_URL,
        perAccount: accountConcurrency,
        accountQueue: accountQueueFor(deps.store),
        sendWindowMs: timeoutMs,
      },
      deps.clock,
    );
    this.claimAhead = new ClaimAhead(
      { store: deps.store, clock: deps.clock, log: deps.log, workerId: deps.workerId, leaseMs: timeoutMs * 2 + LEASE_MARGIN_MS },
      { lanes: this.lanes, giveBack: (ids) => this.giveBack(ids), claimed: () => this.pump(), stopping: () => this.stopping },
    );
    this.loop = createLoop(
      'webhooks',
      async () => {
        this.claimAhead.wake();
        this.pump();
        await this.claimAhead.settled();
        return false;
      },
      { intervalMs: deps.intervalMs, log: deps.log },
    );
  }

  start(): void {
    this.stopping = false;
    this.stopped = undefined;
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming, gives back what waits, lets the requests in flight end and records them. */
  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      this.stopping = true;
      await this.loop.stop();
      await this.claimAhead.settled();
      this.giveBack(this.lanes.takeAll().map((c) => c.delivery.id));
      // Requests end within their timeout; their outcomes are recorded before the store closes.
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
      while (this.releasing.size > 0) await Promise.allSettled([...this.releasing]);
      await this.successes.flush();
    })());
  }

  /** Too late to start: the lease could run out before the request's timeout. */
  private tooOld(c: Claimed): boolean {
    return this.deps.clock() + this.deps.webhooks.timeoutMs + LEASE_MARGIN_MS > c.leaseUntil;
  }

  /** Gives back what waited too long, starts what fits in the free slots, then claims more if there is room. */
  private pump(): void {
    if (this.stopping) return;
    this.giveBack(this.lanes.expired((c) => this.tooOld(c)).map((c) => c.delivery.id));
    // The sweep just took out every head too old to send, so whatever `next` gives may start.
    for (let claimed = this.lanes.next(); claimed; claimed = this.lanes.next()) {
      this.send(claimed);
      // Its lane and account now hold one fewer waiting: a claim that left them out may go again.
      this.claimAhead.changed(claimed.delivery.url, claimed.delivery.accountId);
    }
    this.claimAhead.refill();
  }

  private send(claimed: Claimed): void {
    const work = deliver(this.deps, claimed, this.successes, this.disabledHere)
      .catch((err: unknown) => this.deps.log.error({ err }, 'webhooks: a delivery could not be completed'))
      .finally(() => {
        this.running.delete(work);
        this.giveBack(this.lanes.finished(claimed).map((c) => c.delivery.id));
        this.claimAhead.changed(claimed.delivery.url, claimed.delivery.accountId);
        this.pump();
      });
    this.running.add(work);
  }

  /** Releases deliveries at once (one statement), so any process claims them again; their lease would expire anyway. */
  private giveBack(ids: string[]): void {
    if (ids.length === 0) return;
    const work = releaseDeliveries(this.deps.store.db, ids, this.deps.workerId)
      .catch((err: unknown) => this.deps.log.error({ err, count: ids.length }, 'webhooks: deliveries could not be released; their leases will expire'))
      .finally(() => this.releasing.delete(work));
    this.releasing.add(work);
  }
}

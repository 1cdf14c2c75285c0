import type { FastifyBaseLogger } from 'fastify';
import type { Claimed } from '../delivery/attempt.js';
import { findAccountById, type Account } from '../store/accounts.repository.js';
import type { Store } from '../store/db.js';
import { claimDeliveries } from '../store/deliveries.repository.js';
import { findEndpoints, type Endpoint } from '../store/endpoints.repository.js';
import type { Busy, Lanes } from './webhook-lanes.js';

/** Deliveries claimed in one query, so a busy outbox costs one claim per batch, not per message. */
export const BATCH = 128;
/**
 * Claims run side by side where the store allows it (PostgreSQL, SKIP LOCKED), so the round trips
 * of one overlap the other's.
 */
const PARALLEL_CLAIMS = 2;
/** Accounts whose claimed deliveries may wait at once, at most, before the lanes stop taking more. */
const ACCOUNTS_QUEUED = 4;

/** What claiming needs. */
export interface ClaimDeps {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  /** How long a claim leases its deliveries. */
  leaseMs: number;
}

const parallelClaims = (store: Store) => (store.dialect.supportsSkipLocked ? PARALLEL_CLAIMS : 1);

/**
 * Claimed deliveries one account may hold waiting: a batch per claim under way plus one being sent,
 * so one account's backlog fills at most this share of what is kept ahead.
 */
export const accountQueueFor = (store: Store): number => BATCH * (parallelClaims(store) + 1);

/** Where claimed deliveries go: into the lanes, or back to the outbox. */
export interface ClaimSinks {
  lanes: Lanes;
  /** Gives deliveries back to the outbox, by id (more than the lanes take, or claimed while stopping). */
  giveBack(ids: string[]): void;
  /** Called after a claim put deliveries into the lanes. */
  claimed(): void;
  stopping(): boolean;
}

/**
 * The claim-ahead: keeps the lanes fed by claiming due deliveries in batches under a lease, while
 * the current ones are sent, leaving out URLs and accounts whose queues are full (so work behind
 * their backlog is found). It claims again at once while claims find work and there is room; after
 * one finds nothing it waits for `wake` (a tick or a hint), or for a URL or account it left out to
 * have room again (`changed`).
 *
 * A claim that leaves something out must read past that backlog, so it costs more; once one has
 * found nothing, claims that would leave something out wait for the next tick or hint, and only
 * claims with nothing to leave out go on (otherwise a busy backlog would cost a long, empty claim
 * every time its account fills up again).
 */
export class ClaimAhead {
  private readonly maxClaims: number;
  private readonly totalQueue: number;
  private readonly claims = new Set<Promise<void>>();
  private asked = 0;
  private drained = false;
  private leavingOutFoundNothing = false;
  /** What the claims since the last un-drain left out (several may run side by side). */
  private readonly leftOut = { urls: new Set<string>(), accounts: new Set<string>() };
  private order = 0;

  constructor(
    private readonly deps: ClaimDeps,
    private readonly sinks: ClaimSinks,
  ) {
    this.maxClaims = parallelClaims(deps.store);
    this.totalQueue = accountQueueFor(deps.store) * ACCOUNTS_QUEUED;
  }

  /** Starts claims while there is room; each ends by calling `claimed`. */
  refill(): void {
    const { lanes } = this.sinks;
    while (!this.drained && !this.sinks.stopping() && this.claims.size < this.maxClaims && this.totalQueue - lanes.waiting - this.asked >= BATCH) {
      const busy = lanes.busy(BATCH, this.asked);
      if (busy.urls.length > 0 || busy.accounts.length > 0) {
        // A claim that leaves something out never runs beside another (which may be bringing what
        // it leaves out), nor again after one found nothing.
        if (this.claims.size > 0) return;
        if (this.leavingOutFoundNothing) {
          this.drained = true;
          this.leaveOut(busy);
          return;
        }
      }
      this.asked += BATCH;
      const claim: Promise<void> = this.claimBatch(busy)
        .catch((err: unknown) => {
          // The loop's next tick claims again.
          this.deps.log.error({ err }, 'webhooks: claiming deliveries failed');
          this.drained = true;
        })
        .finally(() => {
          this.asked -= BATCH;
          this.claims.delete(claim);
          this.sinks.claimed();
        });
      this.claims.add(claim);
    }
  }

  /** A tick or a hint: claim again even if the last claim found nothing. */
  wake(): void {
    this.undrain();
    this.leavingOutFoundNothing = false;
  }

  /** A URL's or an account's load went down: if the last claim left it out, claim again. */
  changed(url: string, accountId: string): void {
    if (this.drained && (this.leftOut.urls.has(url) || this.leftOut.accounts.has(accountId)) && this.sinks.lanes.roomFor(url, accountId, BATCH, this.asked))
      this.undrain();
  }

  /** Resolves when the claims under way have ended. */
  async settled(): Promise<void> {
    while (this.claims.size > 0) await Promise.allSettled([...this.claims]);
  }

  private async claimBatch(busy: Busy): Promise<void> {
    const { deps, sinks } = this;
    const now = deps.clock();
    const leaseUntil = now + deps.leaseMs;
    const deliveries = await claimDeliveries(deps.store.db, deps.store.dialect, {
      workerId: deps.workerId,
      now,
      leaseUntil,
      busyUrls: busy.urls,
      busyAccounts: busy.accounts,
      urlRooms: busy.urlRooms,
      limit: BATCH,
    });
    // Claims that find work go on at once (the URLs they filled are left out next time); one that
    // finds nothing waits.
    if (deliveries.length === 0) {
      this.drained = true;
      this.leaveOut(busy);
      if (busy.urls.length > 0 || busy.accounts.length > 0) this.leavingOutFoundNothing = true;
      return;
    }
    this.undrain();
    const claimed: Claimed[] = [];
    try {
      const { accounts, endpoints } = await lookUp(deps.store, deliveries);
      for (const delivery of deliveries) {
        const endpoint = endpoints.get(`${delivery.accountId} ${delivery.url}`)!;
        claimed.push({ delivery, account: accounts.get(delivery.accountId), endpoint, claimedAt: now, leaseUntil, order: this.order++ });
      }
    } catch (err) {
      sinks.giveBack(deliveries.map((d) => d.id));
      throw err;
    }
    if (sinks.stopping()) {
      sinks.giveBack(deliveries.map((d) => d.id));
      return;
    }
    sinks.giveBack(sinks.lanes.add(claimed).map((c) => c.delivery.id));
  }

  private leaveOut(busy: Busy): void {
    for (const url of busy.urls) this.leftOut.urls.add(url);
    for (const id of busy.accounts) this.leftOut.accounts.add(id);
  }

  private undrain(): void {
    this.drained = false;
    this.leftOut.urls.clear();
    this.leftOut.accounts.clear();
  }
}

/** The accounts and endpoints of a claimed batch, one query per account. */
async function lookUp(store: Store, deliveries: { accountId: string; url: string }[]) {
  const urlsByAccount = new Map<string, Set<string>>();
  for (const d of deliveries) {
    const urls = urlsByAccount.get(d.accountId) ?? new Set<string>();
    urls.add(d.url);
    urlsByAccount.set(d.accountId, urls);
  }
  const accounts = new Map<string, Account | undefined>();
  const endpoints = new Map<string, Endpoint>();
  await Promise.all(
    [...urlsByAccount].map(async ([accountId, urls]) => {
      const [account, found] = await Promise.all([findAccountById(store.db, accountId), findEndpoints(store.db, accountId, [...urls])]);
      accounts.set(accountId, account);
      for (const [url, endpoint] of found) endpoints.set(`${accountId} ${url}`, endpoint);
    }),
  );
  return { accounts, endpoints };
}

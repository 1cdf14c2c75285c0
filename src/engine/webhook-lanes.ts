import type { Claimed } from '../delivery/attempt.js';

/** How much the lanes may hold and send at once. */
export interface LaneLimits {
  /** Requests in flight in all. */
  total: number;
  /** Requests in flight to one URL, whatever the account (so a slow receiver cannot take every slot). */
  perUrl: number;
  /** Requests in flight for one account (so one account's backlog leaves slots to the others). */
  perAccount: number;
  /** Claimed deliveries one account may hold waiting (so its backlog cannot fill the claims). */
  accountQueue: number;
  /** How long a claimed delivery may wait for a slot before it must be given back. */
  sendWindowMs: number;
}

/**
 * Deliveries that may wait for one URL: its lane's queue cap adapts to how long its deliveries wait
 * for a slot (its receiver's pace, and its account's share of the slots). A delivery that waited
 * more than a quarter of the send window halves the cap, down to the lane's request slots; one that
 * waited under an eighth raises it by as many, up to this many (a fast receiver's claims stay
 * large). So a lane holds no more under lease than it sends in good time; one that slows down gives
 * back what it holds beyond its cap at once. An unknown receiver is taken to be fast.
 */
const QUEUE_PER_FAST_URL = 256;
/** An idle lane is kept this long (it remembers its receiver's pace), then dropped. */
const IDLE_LANE_MS = 60_000;

/** One URL's deliveries waiting for a slot (oldest claim first), its requests in flight and its queue cap. */
interface Lane { url: string; waiting: Claimed[]; inFlight: number; cap: number; idleSince: number }

/** Per-account counts: deliveries waiting in any lane, and requests in flight. */
interface AccountLoad { waiting: number; inFlight: number }

/**
 * What a claim should leave out (taking more for them would overfill their queue), and how many a
 * URL with some room left may take.
 */
export interface Busy { urls: string[]; accounts: string[]; urlRooms: [string, number][] }

/** Claimed deliveries, queued per URL, and the choice of which to send next within the limits. */
export type Lanes = ReturnType<typeof createLanes>;

/**
 * In-memory lanes of claimed webhook deliveries: one queue per URL, request slots limited in all,
 * per URL and per account, and per-account queue caps. Every count is kept here, by the only code
 * that moves a delivery in or out, so counts cannot drift from the queues.
 */
export function createLanes(limits: LaneLimits, clock: () => number) {
  const lanes = new Map<string, Lane>();
  const accounts = new Map<string, AccountLoad>();
  let waiting = 0;
  let inFlight = 0;

  const lane = (url: string): Lane => {
    let found = lanes.get(url);
    if (!found) lanes.set(url, found = { url, waiting: [], inFlight: 0, cap: QUEUE_PER_FAST_URL, idleSince: clock() });
    return found;
  };
  const account = (id: string): AccountLoad => {
    let found = accounts.get(id);
    if (!found) accounts.set(id, found = { waiting: 0, inFlight: 0 });
    return found;
  };
  const queueCap = (l: Lane) => l.cap;
  /** Adapts a lane's queue cap to how long the delivery it starts waited for its slot. */
  const paced = (l: Lane, waitedMs: number) => {
    if (waitedMs > limits.sendWindowMs / 4) l.cap = Math.max(limits.perUrl, Math.floor(l.cap / 2));
    else if (waitedMs < limits.sendWindowMs / 8) l.cap = Math.min(QUEUE_PER_FAST_URL, l.cap + limits.perUrl);
  };
  /** Deliveries a lane may still take: its queue plus its request slots, less what it holds. */
  const laneRoom = (l: Lane) => queueCap(l) + limits.perUrl - l.waiting.length - l.inFlight;
  const accountRoom = (a: AccountLoad) => limits.accountQueue - a.waiting;
  /** Whether a claim of up to `batch` should leave a URL out: its lane has less room than half its cap, or a batch. */
  const urlBusy = (l: Lane, batch: number) => laneRoom(l) < Math.min(batch, Math.ceil((queueCap(l) + limits.perUrl) / 2));
  /** Whether a claim should leave an account out: a batch on top of the claims under way might overfill its queue. */
  const accountBusy = (a: AccountLoad, batch: number, asked: number) => accountRoom(a) - asked < batch;

  function remove(l: Lane, index: number): Claimed {
    const [claimed] = l.waiting.splice(index, 1);
    waiting -= 1;
    account(claimed.delivery.accountId).waiting -= 1;
    return claimed;
  }

  /** Whether the head of a lane may start now. */
  const startable = (l: Lane) => l.waiting.length > 0 && l.inFlight < limits.perUrl
    && account(l.waiting[0].delivery.accountId).inFlight < limits.perAccount;

  return {
    /** Deliveries waiting for a slot. */
    get waiting() { return waiting; },
    /** Requests in flight. */
    get inFlight() { return inFlight; },

    /** Queues claimed deliveries; returns those beyond their lane's or account's room, to be given back. */
    add(claimed: Claimed[]): Claimed[] {
      const excess: Claimed[] = [];
      for (const c of claimed) {
        const l = lane(c.delivery.url);
        const a = account(c.delivery.accountId);
        if (laneRoom(l) <= 0 || accountRoom(a) <= 0) { excess.push(c); continue; }
        l.waiting.push(c);
        a.waiting += 1;
        waiting += 1;
      }
      return excess;
    },

    /**
     * Takes the next delivery to send, or none while every slot is taken: among lane heads that fit
     * the per-URL and per-account limits, the one whose account has the fewest requests in flight,
     * then the oldest claim (so accounts share slots evenly and each lane keeps its order).
     */
    next(): Claimed | undefined {
      if (inFlight >= limits.total) return undefined;
      let best: Lane | undefined;
      let bestLoad = Infinity;
      for (const l of lanes.values()) {
        if (!startable(l)) continue;
        const load = account(l.waiting[0].delivery.accountId).inFlight;
        if (!best || load < bestLoad || (load === bestLoad && l.waiting[0].order < best.waiting[0].order)) {
          best = l;
          bestLoad = load;
        }
      }
      if (!best) return undefined;
      const claimed = remove(best, 0);
      paced(best, clock() - claimed.claimedAt);
      best.inFlight += 1;
      account(claimed.delivery.accountId).inFlight += 1;
      inFlight += 1;
      return claimed;
    },

    /**
     * Records that a started delivery ended; returns what its lane now holds beyond its queue cap
     * (it slowed down), to be given back rather than kept under lease for nothing.
     */
    finished(claimed: Claimed): Claimed[] {
      const l = lane(claimed.delivery.url);
      l.inFlight -= 1;
      if (l.inFlight === 0 && l.waiting.length === 0) l.idleSince = clock();
      account(claimed.delivery.accountId).inFlight -= 1;
      inFlight -= 1;
      const over = l.waiting.length - queueCap(l);
      const tail: Claimed[] = [];
      for (let i = 0; i < over; i++) tail.push(remove(l, l.waiting.length - 1));
      return tail;
    },

    /** Takes out every waiting delivery `tooOld` says can no longer be sent safely; drops long-idle lanes. */
    expired(tooOld: (c: Claimed) => boolean): Claimed[] {
      const out: Claimed[] = [];
      const now = clock();
      for (const [url, l] of lanes) {
        // A lane's queue is in claim order, so only its head can be the oldest.
        while (l.waiting.length > 0 && tooOld(l.waiting[0])) out.push(remove(l, 0));
        if (l.inFlight === 0 && l.waiting.length === 0 && now - l.idleSince > IDLE_LANE_MS) lanes.delete(url);
      }
      for (const [id, a] of accounts) if (a.waiting === 0 && a.inFlight === 0) accounts.delete(id);
      return out;
    },

    /** Takes out every waiting delivery (at stop). */
    takeAll(): Claimed[] {
      const out: Claimed[] = [];
      for (const l of lanes.values()) while (l.waiting.length > 0) out.push(remove(l, 0));
      return out;
    },

    /** The URLs and accounts a claim of up to `batch` more, on top of `asked` under way, should leave out. */
    busy(batch: number, asked: number): Busy {
      const urls: string[] = [];
      const urlRooms: [string, number][] = [];
      for (const l of lanes.values()) {
        if (urlBusy(l, batch)) urls.push(l.url);
        else if (laneRoom(l) < batch) urlRooms.push([l.url, laneRoom(l)]);
      }
      const busyAccounts: string[] = [];
      for (const [id, a] of accounts) if (accountBusy(a, batch, asked)) busyAccounts.push(id);
      return { urls, accounts: busyAccounts, urlRooms };
    },

    /** Whether a URL and an account that a claim left out both have room for one now. */
    roomFor(url: string, accountId: string, batch: number, asked: number): boolean {
      const l = lanes.get(url);
      const a = accounts.get(accountId);
      return !(l && urlBusy(l, batch)) && !(a && accountBusy(a, batch, asked));
    },
  };
}

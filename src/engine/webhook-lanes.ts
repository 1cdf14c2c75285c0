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
interface Lane {
  url: string;
  waiting: Claimed[];
  inFlight: number;
  cap: number;
  idleSince: number;
}

/** Per-account counts: deliveries waiting in any lane, and requests in flight. */
interface AccountLoad {
  waiting: number;
  inFlight: number;
}

/**
 * What a claim should leave out (taking more for them would overfill their queue), and how many a
 * URL with some room left may take.
 */
export interface Busy {
  urls: string[];
  accounts: string[];
  urlRooms: [string, number][];
}

/**
 * In-memory lanes of claimed webhook deliveries: one queue per URL, request slots limited in all,
 * per URL and per account, and per-account queue caps. Every count is kept here, by the only code
 * that moves a delivery in or out, so counts cannot drift from the queues.
 */
export class Lanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly accounts = new Map<string, AccountLoad>();
  private waitingCount = 0;
  private inFlightCount = 0;

  constructor(
    private readonly limits: LaneLimits,
    private readonly clock: () => number,
  ) {}

  /** Deliveries waiting for a slot. */
  get waiting(): number {
    return this.waitingCount;
  }
  /** Requests in flight. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Queues claimed deliveries; returns those beyond their lane's or account's room, to be given back. */
  add(claimed: Claimed[]): Claimed[] {
    const excess: Claimed[] = [];
    for (const c of claimed) {
      const l = this.lane(c.delivery.url);
      const a = this.account(c.delivery.accountId);
      if (this.laneRoom(l) <= 0 || this.accountRoom(a) <= 0) {
        excess.push(c);
        continue;
      }
      l.waiting.push(c);
      a.waiting += 1;
      this.waitingCount += 1;
    }
    return excess;
  }

  /**
   * Takes the next delivery to send, or none while every slot is taken: among lane heads that fit
   * the per-URL and per-account limits, the one whose account has the fewest requests in flight,
   * then the oldest claim (so accounts share slots evenly and each lane keeps its order).
   */
  next(): Claimed | undefined {
    if (this.inFlightCount >= this.limits.total) return undefined;
    let best: Lane | undefined;
    let bestLoad = Infinity;
    for (const l of this.lanes.values()) {
      if (!this.startable(l)) continue;
      const load = this.account(l.waiting[0].delivery.accountId).inFlight;
      if (!best || load < bestLoad || (load === bestLoad && l.waiting[0].order < best.waiting[0].order)) {
        best = l;
        bestLoad = load;
      }
    }
    if (!best) return undefined;
    const claimed = this.remove(best, 0);
    this.paced(best, this.clock() - claimed.claimedAt);
    best.inFlight += 1;
    this.account(claimed.delivery.accountId).inFlight += 1;
    this.inFlightCount += 1;
    return claimed;
  }

  /**
   * Records that a started delivery ended; returns what its lane now holds beyond its queue cap
   * (it slowed down), to be given back rather than kept under lease for nothing.
   */
  finished(claimed: Claimed): Claimed[] {
    const l = this.lane(claimed.delivery.url);
    l.inFlight -= 1;
    if (l.inFlight === 0 && l.waiting.length === 0) l.idleSince = this.clock();
    this.account(claimed.delivery.accountId).inFlight -= 1;
    this.inFlightCount -= 1;
    const tail: Claimed[] = [];
    for (let over = l.waiting.length - l.cap; over > 0; over--) tail.push(this.remove(l, l.waiting.length - 1));
    return tail;
  }

  /** Takes out every waiting delivery `tooOld` says can no longer be sent safely; drops long-idle lanes. */
  expired(tooOld: (c: Claimed) => boolean): Claimed[] {
    const out: Claimed[] = [];
    const now = this.clock();
    for (const [url, l] of this.lanes) {
      // A lane's queue is in claim order, so only its head can be the oldest.
      while (l.waiting.length > 0 && tooOld(l.waiting[0])) out.push(this.remove(l, 0));
      if (l.inFlight === 0 && l.waiting.length === 0 && now - l.idleSince > IDLE_LANE_MS) this.lanes.delete(url);
    }
    for (const [id, a] of this.accounts) if (a.waiting === 0 && a.inFlight === 0) this.accounts.delete(id);
    return out;
  }

  /** Takes out every waiting delivery (at stop). */
  takeAll(): Claimed[] {
    const out: Claimed[] = [];
    for (const l of this.lanes.values()) while (l.waiting.length > 0) out.push(this.remove(l, 0));
    return out;
  }

  /** The URLs and accounts a claim of up to `batch` more, on top of `asked` under way, should leave out. */
  busy(batch: number, asked: number): Busy {
    const urls: string[] = [];
    const urlRooms: [string, number][] = [];
    for (const l of this.lanes.values()) {
      if (this.urlBusy(l, batch)) urls.push(l.url);
      else if (this.laneRoom(l) < batch) urlRooms.push([l.url, this.laneRoom(l)]);
    }
    const accounts: string[] = [];
    for (const [id, a] of this.accounts) if (this.accountBusy(a, batch, asked)) accounts.push(id);
    return { urls, accounts, urlRooms };
  }

  /** Whether a URL and an account that a claim left out both have room for one now. */
  roomFor(url: string, accountId: string, batch: number, asked: number): boolean {
    const l = this.lanes.get(url);
    const a = this.accounts.get(accountId);
    return !(l && this.urlBusy(l, batch)) && !(a && this.accountBusy(a, batch, asked));
  }

  private lane(url: string): Lane {
    let found = this.lanes.get(url);
    if (!found) this.lanes.set(url, (found = { url, waiting: [], inFlight: 0, cap: QUEUE_PER_FAST_URL, idleSince: this.clock() }));
    return found;
  }

  private account(id: string): AccountLoad {
    let found = this.accounts.get(id);
    if (!found) this.accounts.set(id, (found = { waiting: 0, inFlight: 0 }));
    return found;
  }

  /** Adapts a lane's queue cap to how long the delivery it starts waited for its slot. */
  private paced(l: Lane, waitedMs: number): void {
    const { perUrl, sendWindowMs } = this.limits;
    if (waitedMs > sendWindowMs / 4) l.cap = Math.max(perUrl, Math.floor(l.cap / 2));
    else if (waitedMs < sendWindowMs / 8) l.cap = Math.min(QUEUE_PER_FAST_URL, l.cap + perUrl);
  }

  /** Deliveries a lane may still take: its queue plus its request slots, less what it holds. */
  private laneRoom(l: Lane): number {
    return l.cap + this.limits.perUrl - l.waiting.length - l.inFlight;
  }

  private accountRoom(a: AccountLoad): number {
    return this.limits.accountQueue - a.waiting;
  }

  /** Whether a claim of up to `batch` should leave a URL out: its lane has less room than half its cap, or a batch. */
  private urlBusy(l: Lane, batch: number): boolean {
    return this.laneRoom(l) < Math.min(batch, Math.ceil((l.cap + this.limits.perUrl) / 2));
  }

  /** Whether a claim should leave an account out: a batch on top of the claims under way might overfill its queue. */
  private accountBusy(a: AccountLoad, batch: number, asked: number): boolean {
    return this.accountRoom(a) - asked < batch;
  }

  /** Whether the head of a lane may start now. */
  private startable(l: Lane): boolean {
    return l.waiting.length > 0 && l.inFlight < this.limits.perUrl && this.account(l.waiting[0].delivery.accountId).inFlight < this.limits.perAccount;
  }

  private remove(l: Lane, index: number): Claimed {
    const [claimed] = l.waiting.splice(index, 1);
    this.waitingCount -= 1;
    this.account(claimed.delivery.accountId).waiting -= 1;
    return claimed;
  }
}

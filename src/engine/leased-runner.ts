// The one leased runner (DESIGN.md, engine/). Every kind of background work that runs for a while
// (monitor executions, task runs, and next FindAll runs and evaluations) is claimed with a short
// lease, kept by heartbeats while this process lives, stopped by a timer at its timeout, stopped at
// once when its lease is lost, and committed in one transaction only while the lease is still held.
//
// A new kind of leased work plugs in by writing a `LeasedKind`: its claim, renew and release
// (repository functions that check `locked_by`), what to run (`perform`, which must honour
// `job.signal`), what a failure looks like (`failed`) and what to commit (`commit`, whose first
// write is the lease-checked update of its own row, followed by its outbox rows). Then
// `createLeasedRunner(kind, deps)` is the background loop that server.ts starts and stops. Two
// optional capabilities make short work cheap: `claimMany` (a batch per claim) and `groupCommit`
// (results finishing together share one transaction, src/engine/group-commit.ts).
//
// Long work with many steps (a FindAll run) commits progress as it goes, through `job.step(write)`:
// each step is its own small transaction that first runs the kind's `hold` (the lease-checked lock
// of the item's row, returning the item as it is now), then the step's writes and outbox rows. A
// step after the lease was lost writes nothing and aborts the work, exactly as a final commit
// would; so whatever a crashed worker committed is kept, and the next lease continues from it.
import type { FastifyBaseLogger } from 'fastify';
import type { Store, Tx } from '../store/db.js';
import { createGroupCommitter, type GroupCommitter } from './group-commit.js';
import { createLeasePool } from './lease-pool.js';
import type { Loop } from './loop.js';
import { createLeaseKeeper, LeaseLostError, type Held, type LeaseSettings } from './lease-keeper.js';

/** After this many leases of one item (each ended by a dead worker), it fails instead of running again. */
export const MAX_ATTEMPTS = 5;

/**
 * How long aborted work gets to let go of its requests before the runner goes on without it. The
 * next run of the same work must not overlap this one's traffic, and a stop must fit in 10 s.
 */
export const WIND_DOWN_MS = 2_000;

/** What one intermediate commit returns: its value, and how many outbox rows it wrote (they wake the dispatchers). */
export interface StepResult<V> {
  value: V;
  outbox: number;
}

/** What one piece of leased work is given while it runs; `H` is what the kind's `hold` returns. */
export interface Job<H = never> {
  /** Aborts at the timeout, when the process stops, or when the lease is lost. */
  readonly signal: AbortSignal;
  /** When the work runs out of time (epoch ms, real time). */
  readonly deadline: number;
  /**
   * Commits one step of progress in its own transaction while this worker holds the lease (see the
   * comment at the top). Throws the abort reason once the work is aborted, and a LeaseLostError
   * (aborting the work) when the lease is gone; nothing is written then.
   */
  step<V>(write: (tx: Tx, held: H, now: number) => Promise<StepResult<V>>): Promise<V>;
}

/** What a kind of leased work supplies; the runner does the leasing, heartbeats, timeout and commit. */
export interface LeasedKind<T, R, H = never> {
  /** The loop's name in logs. */
  readonly name: string;
  /** What one item is called in messages ("execution", "run"). */
  readonly noun: string;
  id(item: T): string;
  /** How many times the item was leased, this lease included. */
  attempts(item: T): number;
  /** Leases the next runnable item until `leaseUntil` (store clock); undefined when none is. */
  claim(now: number, leaseUntil: number): Promise<T | undefined>;
  /**
   * Leases up to `max` runnable items in one go (fewer when fewer are runnable). A kind that has it
   * is claimed in batches: one statement for many items instead of one round each.
   */
  claimMany?(now: number, leaseUntil: number, max: number): Promise<T[]>;
  /** With claimMany: how long after work ends to claim again (src/engine/lease-pool.ts `refillMs`). */
  readonly refillMs?: number;
  /** Extends the leases this worker still holds among `ids`; returns those ids. */
  renew(ids: string[], now: number, leaseUntil: number): Promise<string[]>;
  /** Gives an item back to the queue (on stop), if this worker still holds it. */
  release(item: T): Promise<void>;
  /** Does the work; undefined means there is nothing to commit (e.g. its monitor was deleted). */
  perform(item: T, job: Job<H>): Promise<R | undefined>;
  /** The result that records a failure with this message; `cause` is the error (e.g. a WorkTimeoutError). */
  failed(item: T, message: string, cause?: unknown): R;
  /**
   * Only for kinds that commit steps (`job.step`): in `tx`, locks the item's row if this worker
   * still holds its lease and returns the item's current state; undefined when it does not.
   */
  hold?(tx: Tx, item: T): Promise<H | undefined>;
  /**
   * Writes the result in `tx` if this worker still holds the lease, checking that first: false when
   * it does not (the runner rolls back), else how many outbox rows (webhook deliveries) it wrote.
   */
  commit(tx: Tx, item: T, result: R, now: number): Promise<false | number>;
  /**
   * Set when `commit` returns false before any write of its own: then results finishing together
   * commit in one transaction (src/engine/group-commit.ts), ordered by `commitOrder`.
   */
  readonly groupCommit?: boolean;
  commitOrder?(item: T): string;
  /**
   * The hint topic of the log its commit appends to (src/delivery/log-fanout.ts `logTopic`), if any:
   * notified after the commit and after each `job.step`, so live streams in every process read the
   * new entries at once.
   */
  logTopic?(item: T): string;
}

/** What a runner needs besides its kind. */
export interface RunnerSettings {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  timeoutMs: number;
  lease: LeaseSettings;
  concurrency: number;
  intervalMs: number;
}

/** The work timed out; its failure is committed. */
export class WorkTimeoutError extends Error {}
/** The process stops; the work is given back. */
export class StoppedError extends Error {}

const ABANDONED = Symbol('abandoned');

/** Claims, runs and commits items of one kind, up to `concurrency` at once. */
export function createLeasedRunner<T, R, H = never>(kind: LeasedKind<T, R, H>, deps: RunnerSettings): Loop {
  // Past its timeout and wind-down a run commits regardless, so renewing beyond this means it is stuck.
  const keeper = createLeaseKeeper<T>(kind, { ...deps, maxHoldMs: deps.timeoutMs + WIND_DOWN_MS + deps.lease.leaseMs });
  const grouped = kind.groupCommit ? createGroupCommitter(kind, deps) : undefined;
  const claimMany = kind.claimMany?.bind(kind);
  const pool = createLeasePool<{ item: T; sentAt: number }>({
    name: kind.name,
    concurrency: deps.concurrency,
    intervalMs: deps.intervalMs,
    log: deps.log,
    claim: async () => {
      // The lease counts from before the claim was sent: the local watchdog must never trust it longer than the store does.
      const sentAt = Date.now();
      const now = deps.clock();
      const item = await kind.claim(now, now + deps.lease.leaseMs);
      return item === undefined ? undefined : { item, sentAt };
    },
    claimMany:
      claimMany &&
      (async (_inFlight, max) => {
        const sentAt = Date.now();
        const now = deps.clock();
        return (await claimMany(now, now + deps.lease.leaseMs, max)).map((item) => ({ item, sentAt }));
      }),
    refillMs: kind.refillMs,
    run: ({ item, sentAt }, stop) => runOne(kind, deps, keeper.hold(item, kind.id(item), sentAt), stop, grouped),
  });
  return {
    start: () => {
      keeper.start();
      pool.start();
    },
    wake: () => pool.wake(),
    stop: async () => {
      await pool.stop();
      keeper.stop();
    },
  };
}

async function runOne<T, R, H>(
  kind: LeasedKind<T, R, H>,
  deps: RunnerSettings,
  held: Held<T>,
  stop: AbortSignal,
  grouped: GroupCommitter<T, R> | undefined,
): Promise<void> {
  const { item, controller } = held;
  const signal = controller.signal;
  const timer = setTimeout(() => controller.abort(new WorkTimeoutError(`${kind.noun} timed out after ${deps.timeoutMs / 1000}s`)), deps.timeoutMs);
  const onStop = () => controller.abort(new StoppedError(`${kind.noun} stopped: the process is stopping`));
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    const result = await outcomeOf(kind, deps, held);
    clearTimeout(timer);
    if (signal.reason instanceof StoppedError) {
      await kind.release(item);
      return;
    }
    if (signal.reason instanceof LeaseLostError) {
      deps.log.warn({ id: held.id, reason: signal.reason.message }, `${kind.noun} lease lost: its work was stopped and nothing was committed`);
      return;
    }
    if (result === undefined) return;
    held.committing = true;
    await commit(kind, deps, item, result, grouped);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
    held.drop();
  }
}

async function outcomeOf<T, R, H>(kind: LeasedKind<T, R, H>, deps: RunnerSettings, held: Held<T>): Promise<R | undefined> {
  const {
    item,
    controller: { signal },
  } = held;
  if (kind.attempts(item) > MAX_ATTEMPTS) {
    return kind.failed(item, `${kind.noun} abandoned after ${MAX_ATTEMPTS} attempts: the worker running it stopped each time`);
  }
  const work = kind
    .perform(item, { signal, deadline: Date.now() + deps.timeoutMs, step: stepper(kind, deps, held) })
    .catch((err: unknown) => kind.failed(item, err instanceof Error ? err.message : String(err), err));
  const settled = await windDown(work, signal);
  if (signal.reason instanceof WorkTimeoutError) return kind.failed(item, signal.reason.message, signal.reason);
  return settled === ABANDONED ? undefined : settled;
}

/** `job.step` for one held item: a lease-checked transaction (kind.hold first), then the step's writes. */
function stepper<T, R, H>(kind: LeasedKind<T, R, H>, deps: RunnerSettings, held: Held<T>): Job<H>['step'] {
  return async (write) => {
    const { signal } = held.controller;
    if (signal.aborted) throw signal.reason;
    const hold = kind.hold;
    if (!hold) throw new Error(`${kind.noun} work has no lease check (hold): it cannot commit steps`);
    try {
      const done = await deps.store.db.transaction().execute(async (tx) => {
        const state = await hold(tx, held.item);
        if (state === undefined) throw new LeaseLostError(`another worker holds ${kind.noun} ${held.id} now`);
        return write(tx, state, deps.clock());
      });
      if (done.outbox > 0) deps.store.workHints.notify();
      // A step appends to the item's log as a final commit does: live streams read it at once.
      const topic = kind.logTopic?.(held.item);
      if (topic !== undefined) deps.store.logHints.notify(topic);
      return done.value;
    } catch (err) {
      if (err instanceof LeaseLostError && !signal.aborted) held.controller.abort(err);
      throw err;
    }
  };
}

/** The work's result, or ABANDONED when it was aborted and did not settle within WIND_DOWN_MS. */
function windDown<R>(work: Promise<R>, signal: AbortSignal): Promise<R | typeof ABANDONED> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => resolve(ABANDONED), WIND_DOWN_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void work.then((value) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

/**
 * Commits a result in one transaction (its own, or its group's) if the lease is still held; its
 * outbox rows wake the dispatchers.
 */
async function commit<T, R, H>(kind: LeasedKind<T, R, H>, deps: RunnerSettings, item: T, result: R, grouped: GroupCommitter<T, R> | undefined): Promise<void> {
  try {
    const outbox = grouped
      ? await grouped.commit(item, result)
      : await deps.store.db.transaction().execute(async (tx) => {
          const written = await kind.commit(tx, item, result, deps.clock());
          if (written === false) throw new LeaseLostError(`another worker holds ${kind.noun} ${kind.id(item)} now`);
          return written;
        });
    if (outbox === false) throw new LeaseLostError(`another worker holds ${kind.noun} ${kind.id(item)} now`);
    if (outbox > 0) deps.store.workHints.notify();
    const topic = kind.logTopic?.(item);
    if (topic !== undefined) deps.store.logHints.notify(topic);
  } catch (err) {
    if (!(err instanceof LeaseLostError)) throw err;
    deps.log.warn({ id: kind.id(item), reason: err.message }, `${kind.noun} lease lost: its work was stopped and nothing was committed`);
  }
}

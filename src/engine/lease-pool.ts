import { setMaxListeners } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { createLoop, type Loop } from './loop.js';

/** Grace given to in-flight work at stop before it is aborted and given back (the whole stop must fit in 10 s). */
export const STOP_GRACE_MS = 4_000;

/** How a pool leases and runs one kind of work. */
export interface LeasePoolOptions<T> {
  name: string;
  concurrency: number;
  intervalMs: number;
  log: FastifyBaseLogger;
  /** Leases the next item, knowing what this process already runs; undefined when none is due. */
  claim(inFlight: readonly T[]): Promise<T | undefined>;
  /**
   * Leases up to `max` items at once, for kinds that can claim in one statement; when given, the
   * pool uses it instead of `claim`. Fewer than `max` must mean that no more is runnable now: the
   * pool then waits for a wake-up or its interval rather than claiming again as each item ends.
   */
  claimMany?(inFlight: readonly T[], max: number): Promise<T[]>;
  /** Runs a leased item to its end; `stop` aborts when the stop grace has run out, and the item must then be given back. */
  run(item: T, stop: AbortSignal): Promise<void>;
  /**
   * With claimMany: after work ends, claim again this many ms later, also after a short batch (its
   * shortness may come from per-account caps that the ended work frees), so that ends close
   * together refill their slots with one claim. Without it an end claims at once, unless drained.
   */
  refillMs?: number;
  /** Gives back items claimed ahead and not started, when the pool stops. */
  releaseUnstarted?(): Promise<void>;
  graceMs?: number;
}

/**
 * Leases work from the store and runs up to `concurrency` items at once. Leases live in the store,
 * so a process that dies leaves them to expire and any process picks the work up again; a process
 * that stops claims nothing more, lets its work finish for a grace period, then aborts the rest,
 * which gives its items back.
 */
export function createLeasePool<T>(options: LeasePoolOptions<T>): Loop {
  const inFlight = new Map<T, Promise<void>>();
  const stopController = new AbortController();
  // Every item in flight listens for the stop.
  setMaxListeners(0, stopController.signal);
  let stopping = false;
  // The last batch claim found the queue empty: items ending free no work for their slots.
  let drained = false;
  let refill: NodeJS.Timeout | undefined;

  function ended(): void {
    if (options.refillMs === undefined) {
      if (!drained) loop.wake();
      return;
    }
    refill ??= setTimeout(() => {
      refill = undefined;
      loop.wake();
    }, options.refillMs);
  }

  async function tick(): Promise<boolean> {
    // `stopping` is checked between claims: a stop under a deep backlog must not wait for a round of claims.
    while (inFlight.size < options.concurrency && !stopping) {
      const room = options.concurrency - inFlight.size;
      const items = await claimUpTo(room);
      for (const item of items) start(item);
      // Fewer than asked means the queue is drained for now.
      drained = options.claimMany !== undefined && items.length < room;
      if (items.length < (options.claimMany ? room : 1)) break;
      // A claim on SQLite settles without returning to the event loop: between claims, let signals
      // (SIGTERM), requests and heartbeats in, or a round of slow claims would hold them all off.
      await yieldToEventLoop();
    }
    return false;
  }

  async function claimUpTo(room: number): Promise<T[]> {
    if (options.claimMany) return options.claimMany([...inFlight.keys()], room);
    const item = await options.claim([...inFlight.keys()]);
    return item === undefined ? [] : [item];
  }

  function start(item: T): void {
    const work = options
      .run(item, stopController.signal)
      .catch((err: unknown) => options.log.error({ err, pool: options.name }, `${options.name}: work could not be completed`))
      .finally(() => {
        inFlight.delete(item);
        ended();
      });
    inFlight.set(item, work);
  }

  const loop = createLoop(options.name, tick, { intervalMs: options.intervalMs, log: options.log });
  let stopped: Promise<void> | undefined;
  return {
    start: () => {
      if (!stopping) loop.start();
    },
    wake: () => loop.wake(),
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        clearTimeout(refill);
        await loop.stop();
        await options.releaseUnstarted?.();
        await finishOrAbort([...inFlight.values()], stopController, options.graceMs ?? STOP_GRACE_MS);
      })()),
  };
}

/** Lets the work in flight finish for `graceMs`, then aborts what is left (which gives its items back) and waits for it. */
async function finishOrAbort(inFlight: Promise<void>[], stopController: AbortController, graceMs: number): Promise<void> {
  const drained = Promise.allSettled(inFlight);
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([drained, grace]);
  clearTimeout(timer);
  stopController.abort();
  await drained;
}

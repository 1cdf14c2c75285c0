import type { FastifyBaseLogger } from 'fastify';
import { createLoop, type Loop } from './loop.js';

/** Grace given to in-flight work at stop before it is abandoned and released. */
const STOP_GRACE_MS = 10_000;

/** How a pool leases, runs and gives back one kind of work. */
export interface LeasePoolOptions<T> {
  name: string;
  concurrency: number;
  intervalMs: number;
  log: FastifyBaseLogger;
  /** Leases the next item, knowing what this process already runs; undefined when none is due. */
  claim(inFlight: readonly T[]): Promise<T | undefined>;
  /** Runs a leased item to its end; `stop` aborts when the process stops. */
  run(item: T, stop: AbortSignal): Promise<void>;
  /** Gives back an item that did not finish before the stop grace ran out. */
  release(item: T): Promise<void>;
  /** Gives back items claimed ahead and not started, when the pool stops. */
  releaseUnstarted?(): Promise<void>;
}

/**
 * Leases work from the store and runs up to `concurrency` items at once. Leases live in the store,
 * so a process that dies leaves them to expire and any process picks the work up again; a process
 * that stops lets its work finish for a grace period and releases the rest at once.
 */
export function createLeasePool<T>(options: LeasePoolOptions<T>): Loop {
  const inFlight = new Map<T, Promise<void>>();
  const stopController = new AbortController();

  async function tick(): Promise<boolean> {
    while (inFlight.size < options.concurrency && !stopController.signal.aborted) {
      const item = await options.claim([...inFlight.keys()]);
      if (item === undefined) break;
      start(item);
    }
    return false;
  }

  function start(item: T): void {
    const work = options.run(item, stopController.signal)
      .catch((err) => options.log.error({ err, pool: options.name }, `${options.name}: work could not be completed`))
      .finally(() => {
        inFlight.delete(item);
        loop.wake();
      });
    inFlight.set(item, work);
  }

  const loop = createLoop(options.name, tick, { intervalMs: options.intervalMs, log: options.log });
  let stopping: Promise<void> | undefined;
  return {
    start: () => loop.start(),
    wake: () => loop.wake(),
    stop: () => (stopping ??= (async () => {
      await loop.stop();
      await options.releaseUnstarted?.();
      const drained = Promise.allSettled(inFlight.values());
      const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
      await Promise.race([drained, grace]);
      const abandoned = [...inFlight.keys()];
      stopController.abort();
      await drained;
      for (const item of abandoned) await options.release(item);
    })()),
  };
}

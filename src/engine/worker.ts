import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/db.js';
import { claimExecution, releaseExecution, type Execution } from '../store/executions.repository.js';
import { runExecution, type RunnerDeps } from './execution-runner.js';
import { createLoop, type Loop } from './loop.js';

/**
 * How long an execution's lease lasts: its timeout plus a margin for the commit (as long as the
 * timeout, at most 30 s), so a slow commit is never overtaken by a second run of the same work.
 */
export function leaseMs(timeoutMs: number): number {
  return timeoutMs + Math.min(timeoutMs, 30_000);
}

/** Grace given to in-flight executions at stop before they are abandoned and released. */
const STOP_GRACE_MS = 10_000;

/** A worker id unique to this process: host, pid and a random part. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Leases queued executions from the store and runs up to `concurrency` at once. Leases outlive the
 * execution timeout by a margin; a worker that dies leaves its leases to expire, and then any
 * worker picks the executions up again.
 */
export function createWorker(deps: Omit<RunnerDeps, 'workerId'> & {
  store: Store; workerId: string; concurrency: number; intervalMs: number; log: FastifyBaseLogger;
}): Loop {
  const inFlight = new Map<Execution, Promise<void>>();
  const stopController = new AbortController();

  async function tick(): Promise<boolean> {
    while (inFlight.size < deps.concurrency && !stopController.signal.aborted) {
      const now = deps.clock();
      const execution = await claimExecution(deps.store.db, deps.store.dialect, deps.workerId, now, now + leaseMs(deps.timeoutMs));
      if (!execution) break;
      start(execution);
    }
    return false;
  }

  function start(execution: Execution): void {
    const work = runExecution(deps, execution, stopController.signal)
      .catch((err) => deps.log.error({ err, executionId: execution.id }, 'execution could not be committed'))
      .finally(() => {
        inFlight.delete(execution);
        loop.wake();
      });
    inFlight.set(execution, work);
  }

  const loop = createLoop('worker', tick, { intervalMs: deps.intervalMs, log: deps.log });
  let stopping: Promise<void> | undefined;
  return {
    start: () => loop.start(),
    wake: () => loop.wake(),
    stop: () => (stopping ??= (async () => {
      await loop.stop();
      const drained = Promise.allSettled(inFlight.values());
      const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
      await Promise.race([drained, grace]);
      const abandoned = [...inFlight.keys()];
      stopController.abort();
      await drained;
      // Give unfinished work back at once rather than waiting for the lease to expire.
      for (const execution of abandoned) await releaseExecution(deps.store.db, execution, deps.workerId);
    })()),
  };
}

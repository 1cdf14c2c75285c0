import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/db.js';
import { metrics } from '../metrics.js';
import { claimExecution, releaseExecution, type Execution } from '../store/executions.repository.js';
import { runExecution, type RunnerDeps } from './execution-runner.js';
import { createLeasePool } from './lease-pool.js';
import type { Loop } from './loop.js';

/**
 * How long an execution's lease lasts: its timeout plus a margin for the commit (as long as the
 * timeout, at most 30 s), so a slow commit is never overtaken by a second run of the same work.
 */
export function leaseMs(timeoutMs: number): number {
  return timeoutMs + Math.min(timeoutMs, 30_000);
}

/** A worker id unique to this process: host, pid and a random part. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Leases queued executions and runs up to `concurrency` of them at once. */
export function createWorker(deps: RunnerDeps & {
  store: Store; concurrency: number; intervalMs: number; log: FastifyBaseLogger; perAccountInFlight?: number;
}): Loop {
  // The claim's fair rotation over accounts, and each account's cap on executions in flight.
  const fairness = { perAccount: deps.perAccountInFlight ?? Number.MAX_SAFE_INTEGER };
  return createLeasePool<Execution>({
    name: 'worker',
    concurrency: deps.concurrency,
    intervalMs: deps.intervalMs,
    log: deps.log,
    claim: async () => {
      const now = deps.clock();
      const claimed = await claimExecution(deps.store.db, deps.store.dialect, deps.workerId, now, now + leaseMs(deps.timeoutMs), fairness);
      metrics.executionStarted(claimed, now);
      return claimed;
    },
    run: (execution, stop) => runExecution(deps, execution, stop),
    release: (execution) => releaseExecution(deps.store.db, execution, deps.workerId),
  });
}

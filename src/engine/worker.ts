import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { executionWork, type RunnerDeps } from './execution-runner.js';
import { createLeasedRunner, type RunnerSettings } from './leased-runner.js';
import type { Loop } from './loop.js';

/** A worker id unique to this process: host, pid and a random part. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Leases queued executions and runs up to `concurrency` of them at once (src/engine/leased-runner.ts). */
export function createWorker(deps: RunnerDeps & RunnerSettings): Loop {
  return createLeasedRunner(executionWork(deps), deps);
}

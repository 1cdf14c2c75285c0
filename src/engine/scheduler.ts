import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { ID } from '../domain/ids.js';
import type { Store } from '../store/db.js';
import { queueScheduledExecution } from '../store/executions.repository.js';
import { findDueMonitors } from '../store/monitors.repository.js';
import { createLoop, type Loop } from './loop.js';

const BATCH = 100;

/**
 * The next due time after `now` on a monitor's grid (`due + k·period`). Missed slots (the server
 * was down) are skipped: one catch-up execution runs, not a burst of them.
 */
export function nextDueTime(due: number, periodMs: number, now: number): number {
  const periods = Math.max(1, Math.floor((now - due) / periodMs) + 1);
  return due + periods * periodMs;
}

/**
 * Turns due schedule slots into queued executions. Advancing the monitor's next due time and
 * queueing the slot's execution happen in one transaction, guarded by the old due time and by a
 * unique (monitor, slot) key, so a slot is queued exactly once however many schedulers run and
 * whenever a process dies. A monitor whose previous execution is still queued or running is not
 * due (coalescing): under overload lag grows, but the queue holds at most one execution per monitor.
 */
export function createScheduler(deps: {
  store: Store; clock: () => number; intervalMs: number; log: FastifyBaseLogger; onQueued: () => void;
}): Loop {
  async function tick(): Promise<boolean> {
    const now = deps.clock();
    const due = await findDueMonitors(deps.store.db, now, BATCH);
    let queued = 0;
    for (const monitor of due) {
      // SQLite answers synchronously, so without a turn of the event loop a backlog of 100,000 due
      // monitors would be queued in one unbroken chain of promises, starving the API and timers.
      await nextTurn();
      const slot = monitor.nextRunAt as number;
      const next = nextDueTime(slot, monitor.frequencySeconds * 1000, now);
      const won = await deps.store.db.transaction().execute((tx) => queueScheduledExecution(tx, {
        id: ID.execution(), monitorId: monitor.id, accountId: monitor.accountId, slot, next, createdAt: now,
      }));
      if (won) queued += 1;
    }
    if (queued > 0) deps.onQueued();
    return due.length === BATCH;
  }
  return createLoop('scheduler', tick, { intervalMs: deps.intervalMs, log: deps.log });
}

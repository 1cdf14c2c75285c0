import type { FastifyBaseLogger } from 'fastify';
import { ID } from '../domain/ids.js';
import type { Store } from '../store/db.js';
import { queueScheduledExecutions, type DueSlot } from '../store/executions.repository.js';
import { findDueMonitors } from '../store/monitors.repository.js';
import { createLoop, type Loop } from './loop.js';

/** Due monitors queued per transaction: one commit for many slots, and the writer is held for a few ms at most. */
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
 * Turns due schedule slots into queued executions. Advancing a monitor's next due time and
 * queueing the slot's execution happen in one transaction, guarded by the old due time and by a
 * unique (monitor, slot) key, so a slot is queued exactly once however many schedulers run and
 * whenever a process dies; each transaction queues a batch of due monitors. A monitor whose
 * previous execution is still queued or running is not due (coalescing): under overload lag
 * grows, but the queue holds at most one execution per monitor.
 */
export function createScheduler(deps: { store: Store; clock: () => number; intervalMs: number; log: FastifyBaseLogger; onQueued: () => void }): Loop {
  async function tick(): Promise<boolean> {
    const now = deps.clock();
    const due = await findDueMonitors(deps.store.db, now, BATCH);
    if (due.length === 0) return false;
    const slots: DueSlot[] = due.map((monitor) => ({
      id: ID.execution(),
      monitorId: monitor.id,
      accountId: monitor.accountId,
      slot: monitor.nextRunAt,
      next: nextDueTime(monitor.nextRunAt, monitor.frequencySeconds * 1000, now),
    }));
    const queued = await deps.store.db.transaction().execute((tx) => queueScheduledExecutions(tx, slots, now));
    if (queued > 0) deps.onQueued();
    // A full batch means more may be due: the loop yields a turn of the event loop before the next
    // (SQLite answers synchronously; a backlog of 100,000 must not starve the API and timers).
    return due.length === BATCH;
  }
  return createLoop('scheduler', tick, { intervalMs: deps.intervalMs, log: deps.log });
}

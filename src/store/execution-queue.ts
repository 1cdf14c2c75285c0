// The queue's writes: what puts executions into it (creation, triggers, due schedule slots) and
// what drops them. Re-exported by executions.repository.ts, where the claims and commits live.
import type { Queryable } from './db.js';
import { prepared } from './prepared.js';

export type ExecutionReason = 'create' | 'schedule' | 'trigger';

/**
 * Queues an execution; it is run by whichever worker leases it first. A schedule slot is queued at
 * most once. A creation execution becomes its monitor's pending one, so no slot is queued beside it.
 */
export async function insertExecution(
  db: Queryable,
  e: { id: string; monitorId: string; accountId: string; reason: ExecutionReason; scheduledFor: number | null; createdAt: number },
): Promise<void> {
  await db
    .insertInto('executions')
    .values({
      id: e.id,
      monitor_id: e.monitorId,
      account_id: e.accountId,
      reason: e.reason,
      scheduled_for: e.scheduledFor,
      status: 'queued',
      created_at: e.createdAt,
      attempts: 0,
    })
    .onConflict((oc) => oc.columns(['monitor_id', 'scheduled_for']).doNothing())
    .execute();
  if (e.reason === 'create') {
    await db.updateTable('monitors').set({ pending_execution_id: e.id }).where('id', '=', e.monitorId).execute();
  }
}

/** A due schedule slot of a monitor: the execution to queue for it and the monitor's next due time. */
export interface DueSlot {
  id: string;
  monitorId: string;
  accountId: string;
  slot: number;
  next: number;
}

/**
 * Queues the executions of due schedule slots and moves each monitor's next due time to `next`,
 * only if its due time is still `slot` (no other scheduler won it) and it has no pending execution:
 * a slot that comes due while one is queued or running is coalesced into it, and the monitor, left
 * due, gets one catch-up execution when it finishes. Monitors are updated in id order, the order
 * every other transaction locks several of them in. Returns how many were queued.
 */
export async function queueScheduledExecutions(tx: Queryable, slots: DueSlot[], createdAt: number): Promise<number> {
  let queued = 0;
  for (const e of [...slots].sort((a, b) => (a.monitorId < b.monitorId ? -1 : a.monitorId > b.monitorId ? 1 : 0))) {
    const won = await claimSlotStatement(tx, { id: e.monitorId, slot: e.slot, next: e.next, executionId: e.id });
    if (Number(won.numAffectedRows) !== 1) continue;
    await insertScheduledStatement(tx, { id: e.id, monitorId: e.monitorId, accountId: e.accountId, slot: e.slot, createdAt });
    queued += 1;
  }
  return queued;
}

const claimSlotStatement = prepared<{ id: string; slot: number; next: number; executionId: string }>(['id', 'slot', 'next', 'executionId'], (db, v) =>
  db
    .updateTable('monitors')
    .set({ next_run_at: v.next, pending_execution_id: v.executionId })
    .where('id', '=', v.id)
    .where('next_run_at', '=', v.slot)
    .where('pending_execution_id', 'is', null),
);

const insertScheduledStatement = prepared<{ id: string; monitorId: string; accountId: string; slot: number; createdAt: number }>(
  ['id', 'monitorId', 'accountId', 'slot', 'createdAt'],
  (db, v) =>
    db
      .insertInto('executions')
      .values({
        id: v.id,
        monitor_id: v.monitorId,
        account_id: v.accountId,
        reason: 'schedule',
        scheduled_for: v.slot,
        status: 'queued',
        created_at: v.createdAt,
        attempts: 0,
      })
      .onConflict((oc) => oc.columns(['monitor_id', 'scheduled_for']).doNothing()),
);

/** Drops a monitor's queued executions that no worker has started (the monitor was cancelled). */
export async function dropQueuedExecutions(db: Queryable, monitorId: string): Promise<void> {
  await db.deleteFrom('executions').where('monitor_id', '=', monitorId).where('status', '=', 'queued').execute();
  await db.updateTable('monitors').set({ pending_execution_id: null }).where('id', '=', monitorId).execute();
}

import type { FindAllCandidate, FindAllRun } from '../domain/findall.js';
import { candidateRecord, findAllRunRecord } from '../domain/wire.js';
import { findAllDeliveries } from '../delivery/findall-webhooks.js';
import type { Tx } from '../store/db.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { appendFindAllEvent } from '../store/findall-events.repository.js';

/** The run webhook type a terminal status implies (api.md §6.7). */
const RUN_WEBHOOK: Record<string, string> = { completed: 'findall.run.completed', cancelled: 'findall.run.cancelled', failed: 'findall.run.failed' };

/**
 * Appends a `findall.status` event with the run as it now is, in the transaction that changed it;
 * with `announce`, the terminal status's webhook message too. Returns the outbox rows written.
 */
export async function recordStatus(tx: Tx, run: FindAllRun, now: number, announce = false): Promise<number> {
  const data = findAllRunRecord(run);
  await appendFindAllEvent(tx, run.id, 'findall.status', data, now);
  const type = RUN_WEBHOOK[run.status];
  if (!announce || !type) return 0;
  const deliveries = findAllDeliveries(run, type, data, now);
  await insertDeliveries(tx, deliveries);
  return deliveries.length;
}

/** Appends a `findall.candidate.<what>` event and its webhook message, in the step's transaction. */
export async function recordCandidate(tx: Tx, run: FindAllRun, what: string, candidate: FindAllCandidate, now: number): Promise<number> {
  const type = `findall.candidate.${what}`;
  const data = candidateRecord(candidate);
  await appendFindAllEvent(tx, run.id, type, data, now);
  const deliveries = findAllDeliveries(run, type, data, now);
  await insertDeliveries(tx, deliveries);
  return deliveries.length;
}

/** Appends a `findall.schema.updated` event (after extend or enrich). */
export async function recordSchema(tx: Tx, run: FindAllRun, schema: unknown, now: number): Promise<void> {
  await appendFindAllEvent(tx, run.id, 'findall.schema.updated', schema, now);
}

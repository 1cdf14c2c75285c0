import type { FindAllSpec } from '../domain/findall-spec.js';
import type { EnrichInput, FindAllGenerator, FindAllRun, FindAllStatus, FindAllWork, TerminationReason } from '../domain/findall.js';
import type { Db, Queryable } from './db.js';
import type { DialectInfo } from './dialect.js';
import type { FindAllRunTable } from './findall-tables.js';

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** The one row → domain mapper for FindAll runs. */
function toFindAllRun(row: FindAllRunTable): FindAllRun {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status as FindAllStatus,
    generator: row.generator as FindAllGenerator,
    spec: JSON.parse(row.spec) as FindAllSpec,
    matchLimit: Number(row.match_limit),
    enrichments: JSON.parse(row.enrichments) as EnrichInput[],
    metadata: parse(row.metadata),
    webhook: parse(row.webhook),
    terminationReason: row.termination_reason as TerminationReason | null,
    error: row.error,
    warnings: parse<string[]>(row.warnings) ?? [],
    generatedCount: Number(row.generated_count),
    matchedCount: Number(row.matched_count),
    work: row.work as FindAllWork | null,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
  };
}

/** Inserts a new run (queued, with work to do). */
export async function insertFindAllRun(db: Queryable, run: FindAllRun): Promise<void> {
  await db
    .insertInto('findall_runs')
    .values({
      id: run.id,
      account_id: run.accountId,
      status: run.status,
      generator: run.generator,
      spec: JSON.stringify(run.spec),
      match_limit: run.matchLimit,
      enrichments: JSON.stringify(run.enrichments),
      metadata: run.metadata ? JSON.stringify(run.metadata) : null,
      webhook: run.webhook ? JSON.stringify(run.webhook) : null,
      termination_reason: null,
      error: null,
      warnings: run.warnings.length > 0 ? JSON.stringify(run.warnings) : null,
      generated_count: 0,
      matched_count: 0,
      work: run.work,
      attempts: 0,
      locked_by: null,
      locked_until: null,
      created_at: run.createdAt,
      modified_at: run.modifiedAt,
    })
    .execute();
}

/** The account's run, if it has one by that id. */
export async function findFindAllRun(db: Queryable, accountId: string, id: string): Promise<FindAllRun | undefined> {
  const row = await db.selectFrom('findall_runs').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return row && toFindAllRun(row);
}

/**
 * Locks the account's run for a change made by a request (cancel, extend, enrich) and returns it;
 * the lock (a no-op update) also orders the run's log appends (see appendFindAllEvent).
 */
export async function lockFindAllRun(tx: Queryable, accountId: string, id: string): Promise<FindAllRun | undefined> {
  const row = await tx
    .updateTable('findall_runs')
    .set((eb) => ({ modified_at: eb.ref('modified_at') })) // a column no key holds (events.repository.ts, lockMonitorStatement)
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .returningAll()
    .executeTakeFirst();
  return row && toFindAllRun(row);
}

/**
 * Leases the oldest run with work whose lease is free or ran out (its worker died). The claim walks
 * the `findall_runs_open` partial index; on PostgreSQL with SKIP LOCKED.
 */
export async function claimFindAllRun(db: Db, dialect: DialectInfo, q: { workerId: string; now: number; leaseUntil: number }): Promise<FindAllRun | undefined> {
  return db.transaction().execute(async (tx) => {
    let candidate = tx
      .selectFrom('findall_runs')
      .select('id')
      .where('work', 'is not', null)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', q.now)]))
      .orderBy('created_at')
      .orderBy('id')
      .limit(1);
    if (dialect.supportsSkipLocked) candidate = candidate.forUpdate().skipLocked();
    const picked = await candidate.executeTakeFirst();
    if (!picked) return undefined;
    const row = await tx
      .updateTable('findall_runs')
      .set((eb) => ({ locked_by: q.workerId, locked_until: q.leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', picked.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFindAllRun(row);
  });
}

/**
 * The lease check of one step of a run's work: locks the run's row if this worker still holds its
 * lease and returns the run as it is now (a cancel or an enrich may have changed it); undefined
 * when the lease is gone, and then the step writes nothing.
 */
export async function holdFindAllRun(tx: Queryable, id: string, workerId: string): Promise<FindAllRun | undefined> {
  const row = await tx
    .updateTable('findall_runs')
    .set({ locked_by: workerId })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('work', 'is not', null)
    .returningAll()
    .executeTakeFirst();
  return row && toFindAllRun(row);
}

/** What a step or a request changes on a run. */
export interface RunPatch {
  status?: FindAllStatus;
  matchLimit?: number;
  enrichments?: EnrichInput[];
  terminationReason?: TerminationReason | null;
  error?: string | null;
  warnings?: string[];
  generatedCount?: number;
  matchedCount?: number;
  work?: FindAllWork | null;
}

/** Applies a patch to a run the caller has locked (holdFindAllRun or lockFindAllRun); returns the run after it. */
export async function updateFindAllRun(tx: Queryable, id: string, patch: RunPatch, now: number): Promise<FindAllRun> {
  // Whoever sets a run's work (a final commit, extend, enrich) leaves it unleased, for the next claim.
  const release = patch.work !== undefined;
  const row = await tx
    .updateTable('findall_runs')
    .set({
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.matchLimit !== undefined && { match_limit: patch.matchLimit }),
      ...(patch.enrichments !== undefined && { enrichments: JSON.stringify(patch.enrichments) }),
      ...(patch.terminationReason !== undefined && { termination_reason: patch.terminationReason }),
      ...(patch.error !== undefined && { error: patch.error }),
      ...(patch.warnings !== undefined && { warnings: patch.warnings.length > 0 ? JSON.stringify(patch.warnings) : null }),
      ...(patch.generatedCount !== undefined && { generated_count: patch.generatedCount }),
      ...(patch.matchedCount !== undefined && { matched_count: patch.matchedCount }),
      ...(patch.work !== undefined && { work: patch.work }),
      ...(release && { locked_by: null, locked_until: null }),
      modified_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toFindAllRun(row);
}

/** Extends the leases this worker still holds among `ids`; returns those ids. */
export async function renewFindAllLeases(db: Queryable, ids: string[], workerId: string, leaseUntil: number): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('findall_runs')
    .set({ locked_until: leaseUntil })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .where('work', 'is not', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Gives a leased run back (on stop), if this worker still holds it: its work stays for the next claim. */
export async function releaseFindAllRun(db: Queryable, id: string, workerId: string): Promise<void> {
  await db.updateTable('findall_runs').set({ locked_by: null, locked_until: null }).where('id', '=', id).where('locked_by', '=', workerId).execute();
}

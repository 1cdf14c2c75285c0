import type { FieldBasis } from '../domain/event.js';
import type { FindAllCandidate, MatchStatus } from '../domain/findall.js';
import type { Queryable } from './db.js';
import type { FindAllCandidateTable } from './findall-tables.js';

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** The one row → domain mapper for candidates. */
function toCandidate(row: FindAllCandidateTable): FindAllCandidate {
  return {
    id: row.id,
    runId: row.run_id,
    ordinal: Number(row.ordinal),
    key: row.seed_key,
    name: row.name,
    url: row.url,
    description: row.description,
    matchStatus: row.match_status as MatchStatus,
    output: parse(row.output),
    basis: parse(row.basis),
    enrichmentsDone: Number(row.enrichments_done),
  };
}

/** Stores a generated candidate (in the step's transaction). */
export async function insertCandidate(db: Queryable, c: FindAllCandidate, now: number): Promise<void> {
  await db
    .insertInto('findall_candidates')
    .values({
      id: c.id,
      run_id: c.runId,
      ordinal: c.ordinal,
      seed_key: c.key,
      name: c.name,
      url: c.url,
      description: c.description,
      match_status: c.matchStatus,
      output: c.output ? JSON.stringify(c.output) : null,
      basis: c.basis ? JSON.stringify(c.basis) : null,
      enrichments_done: c.enrichmentsDone,
      created_at: now,
      modified_at: now,
    })
    .execute();
}

/** Records a judgement or an enrichment of a candidate. */
export async function updateCandidate(
  db: Queryable,
  id: string,
  patch: { matchStatus?: MatchStatus; output?: Record<string, unknown>; basis?: FieldBasis[]; enrichmentsDone?: number },
  now: number,
): Promise<void> {
  await db
    .updateTable('findall_candidates')
    .set({
      ...(patch.matchStatus !== undefined && { match_status: patch.matchStatus }),
      ...(patch.output !== undefined && { output: JSON.stringify(patch.output) }),
      ...(patch.basis !== undefined && { basis: JSON.stringify(patch.basis) }),
      ...(patch.enrichmentsDone !== undefined && { enrichments_done: patch.enrichmentsDone }),
      modified_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/** Every candidate of a run, in generation order. */
export async function listCandidates(db: Queryable, runId: string): Promise<FindAllCandidate[]> {
  const rows = await db.selectFrom('findall_candidates').selectAll().where('run_id', '=', runId).orderBy('ordinal').execute();
  return rows.map(toCandidate);
}

/** The keys of the seeds a run already stored: a resumed generation skips them. */
export async function candidateKeys(db: Queryable, runId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('findall_candidates').select('seed_key').where('run_id', '=', runId).execute();
  return new Set(rows.map((r) => r.seed_key));
}

/** A run's candidates in one status, in generation order. */
export async function candidatesIn(db: Queryable, runId: string, status: MatchStatus): Promise<FindAllCandidate[]> {
  const rows = await db
    .selectFrom('findall_candidates')
    .selectAll()
    .where('run_id', '=', runId)
    .where('match_status', '=', status)
    .orderBy('ordinal')
    .execute();
  return rows.map(toCandidate);
}

import { logTopic } from '../delivery/log-fanout.js';
import { FINDALL_LOG } from '../delivery/log-sources.js';
import { AppError, invalid, validationError } from '../errors.js';
import { ID } from '../domain/ids.js';
import type { FindAllGenerator, FindAllRun } from '../domain/findall.js';
import { schemaRecord } from '../domain/wire.js';
import { checkCreateFindAll, checkEnrich, enrichRefusal, extendRefusal, FINDALL_LIMITS } from '../domain/findall-rules.js';
import type { CreateFindAllBody, EnrichBody, EntitySearchBody } from '../domain/findall-schemas.js';
import { recordSchema, recordStatus } from '../engine/findall-events.js';
import type { FindAllResearch, IngestedSchema, ResearchContext } from '../research/findall/seam.js';
import type { Store, Tx } from '../store/db.js';
import { findFindAllRun, insertFindAllRun, lockFindAllRun, updateFindAllRun } from '../store/findall-runs.repository.js';

/** What FindAll commands need: the store, a clock, a wake-up for workers, and the research seam. */
export interface FindAllCommandDeps {
  store: Store;
  clock: () => number;
  wake: () => void;
  research: FindAllResearch;
  /** A research context for entity search, on processes that can read the web (the worker role); none otherwise. */
  searchContext?: (signal: AbortSignal) => ResearchContext;
}

/** The account's run, or a 404 as if it did not exist. */
export async function requireFindAllRun(deps: Pick<FindAllCommandDeps, 'store'>, accountId: string, id: string): Promise<FindAllRun> {
  const run = await findFindAllRun(deps.store.db, accountId, id);
  if (!run) throw new AppError('FINDALL_NOT_FOUND');
  return run;
}

/** Validates a create request and queues the run (200 `queued`) with its first status event; a rejected request writes nothing. */
export async function createFindAllRun(deps: FindAllCommandDeps, accountId: string, body: CreateFindAllBody): Promise<FindAllRun> {
  const problems = checkCreateFindAll(body);
  if (problems.length > 0) throw validationError(problems);
  const now = deps.clock();
  const run: FindAllRun = {
    id: ID.findAll(),
    accountId,
    status: 'queued',
    generator: body.generator as FindAllGenerator,
    spec: {
      objective: body.objective,
      entity_type: body.entity_type,
      match_conditions: body.match_conditions.map(({ name, description }) => ({ name, description })),
      exclude_list: (body.exclude_list ?? []).map(({ name, url }) => ({ name, url })),
      sources: body.sources ?? [],
    },
    matchLimit: body.match_limit,
    enrichments: [],
    metadata: (body.metadata as FindAllRun['metadata']) ?? null,
    webhook: body.webhook ?? null,
    terminationReason: null,
    error: null,
    warnings: [],
    generatedCount: 0,
    matchedCount: 0,
    work: 'run',
    attempts: 0,
    createdAt: now,
    modifiedAt: now,
  };
  await deps.store.db.transaction().execute(async (tx) => {
    await insertFindAllRun(tx, run);
    await recordStatus(tx, run, now);
  });
  appended(deps, run.id);
  deps.wake();
  return run;
}

/** Tells live streams (in every process) that the run's log was appended to and committed. */
function appended(deps: FindAllCommandDeps, runId: string): void {
  deps.store.logHints.notify(logTopic(FINDALL_LOG, runId));
}

/**
 * A change to one of the account's runs, made under the run's lock; 404 when it has none by that id.
 * Every change appends to the run's log (or writes nothing), so its commit is announced to streams.
 */
async function change<T>(deps: FindAllCommandDeps, accountId: string, id: string, apply: (run: FindAllRun, tx: Tx, now: number) => Promise<T>): Promise<T> {
  const result = await deps.store.db.transaction().execute(async (tx) => {
    const run = await lockFindAllRun(tx, accountId, id);
    if (!run) throw new AppError('FINDALL_NOT_FOUND');
    return apply(run, tx, deps.clock());
  });
  appended(deps, id);
  return result;
}

/**
 * Cancels a run (api.md §6.4): a queued run is cancelled at once; a running one becomes `cancelling`
 * and its worker ends it `cancelled` after its in-flight step, keeping every result so far. A
 * terminated run is a 409; a preview run cannot be cancelled (422).
 */
export async function cancelFindAllRun(deps: FindAllCommandDeps, accountId: string, id: string): Promise<void> {
  const outbox = await change(deps, accountId, id, async (run, tx, now) => {
    if (run.generator === 'preview')
      throw invalid(['path', 'findall_id'], 'a preview run cannot be cancelled; it ends by itself after about 10 candidates', 'preview');
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') throw new AppError('FINDALL_TERMINATED');
    if (run.status === 'cancelling') return 0;
    // A queued run has done nothing: it ends now, and a worker that just claimed it loses its lease (work is gone).
    const patch =
      run.status === 'queued' ? { status: 'cancelled' as const, terminationReason: 'user_cancelled' as const, work: null } : { status: 'cancelling' as const };
    const next = await updateFindAllRun(tx, run.id, patch, now);
    return recordStatus(tx, next, now, next.status === 'cancelled');
  });
  if (outbox > 0) deps.wake();
}

/** Raises a `match_limit_met` run's limit by `additional` and respawns it (back to running). */
export async function extendFindAllRun(deps: FindAllCommandDeps, accountId: string, id: string, additional: number) {
  const schema = await change(deps, accountId, id, async (run, tx, now) => {
    const refusal = extendRefusal(run, additional);
    if (refusal) throw validationError([refusal]);
    const next = await updateFindAllRun(
      tx,
      run.id,
      {
        matchLimit: run.matchLimit + additional,
        status: 'running',
        terminationReason: null,
        work: 'run',
      },
      now,
    );
    await recordSchema(tx, next, schemaRecord(next), now);
    await recordStatus(tx, next, now);
    return schemaRecord(next);
  });
  deps.wake();
  return schema;
}

/** Adds an enrichment; the run's worker (or a new lease, for a finished run) runs it on every matched candidate. */
export async function enrichFindAllRun(deps: FindAllCommandDeps, accountId: string, id: string, body: EnrichBody) {
  const checked = checkEnrich(body);
  const schema = await change(deps, accountId, id, async (run, tx, now) => {
    const refusal = enrichRefusal(run);
    if (refusal) throw validationError([refusal]);
    if ('problems' in checked) throw validationError(checked.problems);
    // A run being worked on picks the enrichment up itself; touching its work would drop its worker's lease.
    const next = await updateFindAllRun(
      tx,
      run.id,
      {
        enrichments: [...run.enrichments, checked.enrichment],
        ...(run.work === null ? { work: 'enrich' as const } : {}),
      },
      now,
    );
    await recordSchema(tx, next, schemaRecord(next), now);
    if (run.work === null) await recordStatus(tx, next, now);
    return schemaRecord(next);
  });
  deps.wake();
  return schema;
}

/** `POST …/ingest`: the objective's entity type and match conditions, as research reads them. */
export async function ingestObjective(deps: FindAllCommandDeps, objective: string): Promise<IngestedSchema> {
  if (objective.trim() === '') throw invalid(['body', 'objective'], 'must not be empty', 'missing');
  try {
    return await deps.research.ingest(objective);
  } catch (err) {
    throw invalid(['body', 'objective'], `could not be read into a schema: ${(err as Error).message}`, 'ingest');
  }
}

const ENTITY_TYPES: Record<string, string> = { people: 'people', companies: 'companies', company: 'companies' };

/** Entity search: candidates generated for an objective, best effort, without evaluation. */
export async function searchEntities(deps: FindAllCommandDeps, body: EntitySearchBody, signal: AbortSignal) {
  const entityType = ENTITY_TYPES[body.entity_type];
  const limit = body.match_limit ?? 100;
  if (!entityType) throw invalid(['body', 'entity_type'], `must be one of: people, companies; got ${JSON.stringify(body.entity_type)}`, 'enum');
  if (limit < FINDALL_LIMITS.minMatchLimit || limit > FINDALL_LIMITS.maxMatchLimit) {
    throw invalid(['body', 'match_limit'], `must be from ${FINDALL_LIMITS.minMatchLimit} to ${FINDALL_LIMITS.maxMatchLimit}; got ${limit}`, 'range');
  }
  if (body.objective.trim() === '') throw invalid(['body', 'objective'], 'must not be empty', 'missing');
  if (!deps.searchContext)
    throw invalid(
      ['path'],
      'entity search reads the web, which this API-only process does not do; send it to a process with the worker role',
      'unsupported_feature',
    );
  const ctx = deps.searchContext(signal);
  const entities: { name: string; url: string; description: string }[] = [];
  const spec = { objective: body.objective, entity_type: entityType, match_conditions: [], exclude_list: [], sources: [] };
  try {
    for await (const seed of deps.research.generate(spec, ctx)) {
      entities.push({ name: seed.name, url: seed.url, description: seed.description ?? '' });
      if (entities.length >= limit) break;
    }
  } catch (err) {
    if (signal.aborted) throw err;
    throw invalid(['body', 'objective'], `no entities could be found for it: ${(err as Error).message}`, 'search');
  }
  return { entity_set_id: ID.entitySet(), entities };
}

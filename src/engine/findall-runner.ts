import type { FastifyBaseLogger } from 'fastify';
import { logTopic } from '../delivery/log-fanout.js';
import { FINDALL_LOG } from '../delivery/log-sources.js';
import { ID } from '../domain/ids.js';
import { PREVIEW_CANDIDATES, type FindAllCandidate, type FindAllRun, type TerminationReason } from '../domain/findall.js';
import { metrics } from '../metrics.js';
import type { PoliteFetcher } from '../outbound/polite.js';
import type { ChosenResearch } from '../research/findall/index.js';
import type { CandidateSeed, FindAllResearch, ResearchContext } from '../research/findall/seam.js';
import type { SourceParser } from '../research/isolate/parse-pool.js';
import type { ModelClient, UsageMeter } from '../research/model.js';
import type { Store, Tx } from '../store/db.js';
import { addModelUsage } from '../store/model-usage.repository.js';
import { candidateKeys, candidatesIn, insertCandidate, updateCandidate } from '../store/findall-candidates.repository.js';
import { claimFindAllRun, holdFindAllRun, releaseFindAllRun, renewFindAllLeases, updateFindAllRun } from '../store/findall-runs.repository.js';
import { recordCandidate, recordStatus } from './findall-events.js';
import { createLeasedRunner, WorkTimeoutError, type Job, type LeasedKind, type RunnerSettings } from './leased-runner.js';
import type { Loop } from './loop.js';

/**
 * What running FindAll runs needs; `researchFor` gives a run's generator its research (the
 * generator, judge and enricher of research/findall/seam.ts) and the warning the run carries.
 */
export interface FindAllRunnerDeps {
  store: Store;
  fetcher: PoliteFetcher;
  parser: SourceParser;
  researchFor: (generator: string) => ChosenResearch;
  /** The model server, when one is configured: the run's tokens are counted on its meter. */
  model?: ModelClient;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
}

/** How a run's lease of work ended: the status and termination reason its final commit records. */
export interface RunEnd {
  status: 'completed' | 'failed' | 'cancelled';
  reason: TerminationReason | null;
  error: string | null;
}

/** Why discovery stopped: a termination reason, or a cancel seen at a step. */
type Stop = TerminationReason | 'cancelled';

/** Candidates a run evaluates at most before it gives up with `low_match_rate` (preview: its match_limit, api.md §6.2). */
export function candidateBudget(run: FindAllRun): number {
  return run.generator === 'preview' ? Math.min(run.matchLimit, PREVIEW_CANDIDATES) : run.matchLimit * 20;
}

/** Leases FindAll runs with work and runs up to `concurrency` of them at once (src/engine/leased-runner.ts). */
export function createFindAllWorker(deps: FindAllRunnerDeps & RunnerSettings): Loop {
  return createLeasedRunner(findAllWork(deps), deps);
}

/**
 * FindAll runs as leased work that commits as it goes (`job.step`): each generated candidate and
 * each judgement or enrichment is its own lease-checked transaction with its event and webhook
 * message. The final commit records the run's end. A run whose worker died is claimed again and
 * continues: stored seeds are skipped by key, and only unjudged candidates are judged.
 */
export function findAllWork(deps: FindAllRunnerDeps): LeasedKind<FindAllRun, RunEnd, FindAllRun> {
  const { db, dialect } = deps.store;
  // The usage of each lease of a run, by the claimed run the runner hands to perform and then to commit.
  const usages = new WeakMap<FindAllRun, StepUsage>();
  return {
    name: 'findall-worker',
    noun: 'FindAll run',
    id: (run) => run.id,
    attempts: (run) => run.attempts,
    claim: (now, leaseUntil) => claimFindAllRun(db, dialect, { workerId: deps.workerId, now, leaseUntil }),
    renew: (ids, _now, leaseUntil) => renewFindAllLeases(db, ids, deps.workerId, leaseUntil),
    release: (run) => releaseFindAllRun(db, run.id, deps.workerId),
    hold: (tx, run) => holdFindAllRun(tx, run.id, deps.workerId),
    perform: (run, job) => {
      const usage = deps.model && new StepUsage(deps.model.meter(), run);
      if (usage) usages.set(run, usage);
      return perform({ ...deps, research: deps.researchFor(run.generator).research }, run, metered(job, usage), usage?.meter);
    },
    failed: (_run, message, cause) =>
      cause instanceof WorkTimeoutError
        ? { status: 'completed', reason: 'timeout', error: message }
        : { status: 'failed', reason: 'error_occurred', error: message },
    commit: async (tx, run, end, now) => {
      const outbox = await commitEnd(deps, tx, run, end, now);
      // Tokens spent after the last step (a generation that found nothing more, a failure) count with the end.
      if (outbox !== false) await usages.get(run)?.commit(tx, now);
      return outbox;
    },
    logTopic: (run) => logTopic(FINDALL_LOG, run.id),
  };
}

/** The runner's deps with the research chosen for the run at hand. */
type RunDeps = FindAllRunnerDeps & { research: FindAllResearch };

async function perform(deps: RunDeps, claimed: FindAllRun, job: Job<FindAllRun>, usage: UsageMeter | undefined): Promise<RunEnd> {
  const ctx: ResearchContext = {
    http: deps.fetcher.forExecution({ monitorId: claimed.id, executionId: `${claimed.id}#${claimed.attempts}`, deadline: job.deadline }),
    parser: deps.parser,
    signal: job.signal,
    clock: deps.clock,
    deadline: job.deadline,
    usage,
  };
  const run = await job.step(async (tx, held, now) => {
    if (held.status !== 'queued') return { value: held, outbox: 0 };
    const { warning } = deps.researchFor(held.generator);
    const running = await updateFindAllRun(tx, held.id, { status: 'running', ...(warning && { warnings: [warning] }) }, now);
    await recordStatus(tx, running, now);
    return { value: running, outbox: 0 };
  });
  if (run.status === 'cancelling') return cancelled();
  const stop: Stop = run.work === 'run' ? await discover(deps, run, job, ctx) : (run.terminationReason ?? 'candidates_exhausted');
  if (stop === 'cancelled') return cancelled();
  if (!(await enrichMatched(deps, run.id, job, ctx))) return cancelled();
  return { status: 'completed', reason: stop, error: null };
}

const cancelled = (): RunEnd => ({ status: 'cancelled', reason: 'user_cancelled', error: null });

/** Why the run should stop now, if it should: its limit or its candidate budget is reached, or it is being cancelled. */
function stopNow(run: FindAllRun): Stop | undefined {
  if (run.status === 'cancelling') return 'cancelled';
  if (run.generator === 'preview' ? run.generatedCount >= candidateBudget(run) : run.matchedCount >= run.matchLimit) return 'match_limit_met';
  if (run.generatedCount >= candidateBudget(run)) return 'low_match_rate';
  return undefined;
}

/** Judges what an earlier lease left unjudged, then generates and judges new candidates until a stop. */
async function discover(deps: RunDeps, start: FindAllRun, job: Job<FindAllRun>, ctx: ResearchContext): Promise<Stop> {
  let run = start;
  for (const candidate of await candidatesIn(deps.store.db, run.id, 'generated')) {
    const early = stopNow(run);
    if (early) return early;
    run = await judge(deps, run, candidate, job, ctx);
  }
  const before = stopNow(run);
  if (before) return before;
  const known = await candidateKeys(deps.store.db, run.id);
  let ordinal = known.size;
  for await (const seed of deps.research.generate(run.spec, ctx)) {
    const early = stopNow(run);
    if (early) return early;
    if (known.has(seed.key)) continue;
    known.add(seed.key);
    ordinal += 1;
    const candidate: FindAllCandidate = {
      id: ID.candidate(),
      runId: run.id,
      ordinal,
      key: seed.key,
      name: seed.name,
      url: seed.url,
      description: seed.description,
      matchStatus: 'generated',
      output: null,
      basis: null,
      enrichmentsDone: 0,
    };
    run = await job.step(async (tx, held, now) => {
      await insertCandidate(tx, candidate, now);
      const next = await updateFindAllRun(tx, held.id, { generatedCount: held.generatedCount + 1 }, now);
      return { value: next, outbox: await recordCandidate(tx, next, 'generated', candidate, now) };
    });
    if (run.status === 'cancelling') return 'cancelled';
    run = await judge(deps, run, candidate, job, ctx);
  }
  return stopNow(run) ?? 'candidates_exhausted';
}

/** Judges one candidate and commits the verdict; a candidate whose evidence cannot be judged is discarded. */
async function judge(deps: RunDeps, run: FindAllRun, candidate: FindAllCandidate, job: Job<FindAllRun>, ctx: ResearchContext): Promise<FindAllRun> {
  let judged: FindAllCandidate;
  try {
    const verdict = await deps.research.judge(seedOf(candidate), run.spec, ctx);
    judged = { ...candidate, matchStatus: verdict.matched ? 'matched' : 'unmatched', output: verdict.output, basis: verdict.basis };
  } catch (err) {
    if (job.signal.aborted) throw err;
    deps.log.warn({ err, runId: run.id, candidate: candidate.id }, 'FindAll candidate could not be judged; discarded');
    judged = { ...candidate, matchStatus: 'discarded' };
  }
  return job.step(async (tx, held, now) => {
    await updateCandidate(tx, judged.id, { matchStatus: judged.matchStatus, output: judged.output ?? undefined, basis: judged.basis ?? undefined }, now);
    const next = judged.matchStatus === 'matched' ? await updateFindAllRun(tx, held.id, { matchedCount: held.matchedCount + 1 }, now) : held;
    return { value: next, outbox: await recordCandidate(tx, next, judged.matchStatus, judged, now) };
  });
}

/**
 * Runs every enrichment a matched candidate has not had yet, in order, one commit each; looks again
 * until none is left, since enrichments may be added meanwhile. False when a cancel stopped it.
 */
async function enrichMatched(deps: RunDeps, runId: string, job: Job<FindAllRun>, ctx: ResearchContext): Promise<boolean> {
  for (;;) {
    const run = await job.step(async (_tx, held) => ({ value: held, outbox: 0 }));
    if (run.status === 'cancelling') return false;
    const todo = (await candidatesIn(deps.store.db, runId, 'matched')).filter((c) => c.enrichmentsDone < run.enrichments.length);
    if (todo.length === 0) return true;
    for (const candidate of todo) {
      let current = candidate;
      for (let i = candidate.enrichmentsDone; i < run.enrichments.length; i += 1) {
        current = await enrichOne(deps, run, current, i, job, ctx);
        if (current.enrichmentsDone < 0) return false;
      }
    }
  }
}

/** Runs one enrichment on one candidate and commits it; a failed enrichment is logged and counted as done. */
async function enrichOne(
  deps: RunDeps,
  run: FindAllRun,
  candidate: FindAllCandidate,
  index: number,
  job: Job<FindAllRun>,
  ctx: ResearchContext,
): Promise<FindAllCandidate> {
  let enriched: FindAllCandidate = { ...candidate, enrichmentsDone: index + 1 };
  try {
    const spec = run.enrichments[index].output_schema;
    const result = await deps.research.enrich(seedOf(candidate), { type: 'json', json_schema: spec.json_schema }, ctx);
    enriched = { ...enriched, output: { ...(candidate.output ?? {}), ...result.output }, basis: [...(candidate.basis ?? []), ...result.basis] };
  } catch (err) {
    if (job.signal.aborted) throw err;
    deps.log.warn({ err, runId: run.id, candidate: candidate.id }, 'FindAll enrichment failed; the candidate keeps its output');
  }
  return job.step(async (tx, held, now) => {
    await updateCandidate(tx, enriched.id, { output: enriched.output ?? undefined, basis: enriched.basis ?? undefined, enrichmentsDone: index + 1 }, now);
    const outbox = enriched.output !== candidate.output ? await recordCandidate(tx, held, 'enriched', enriched, now) : 0;
    // A negative count tells the caller a cancel arrived: this enrichment is kept, the rest are not run.
    return { value: held.status === 'cancelling' ? { ...enriched, enrichmentsDone: -1 } : enriched, outbox };
  });
}

/**
 * A run's model tokens, committed as it goes: each step (and the end) adds what was spent since the
 * last commit to the run's `model_usage` row, in the step's own transaction.
 */
class StepUsage {
  private committed = { requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };

  constructor(
    readonly meter: UsageMeter,
    private readonly run: FindAllRun,
  ) {}

  async commit(tx: Tx, now: number): Promise<void> {
    const total = this.meter.snapshot();
    const spent = {
      model: total.model,
      requests: total.requests - this.committed.requests,
      promptTokens: total.promptTokens - this.committed.promptTokens,
      completionTokens: total.completionTokens - this.committed.completionTokens,
      costUsd: total.costUsd === null ? null : total.costUsd - this.committed.costUsd,
    };
    if (spent.requests === 0) return;
    await addModelUsage(tx, { kind: 'findall_run', id: this.run.id, accountId: this.run.accountId }, spent, now);
    this.committed = { ...total, costUsd: total.costUsd ?? 0 };
    metrics.modelUsage('findall_run', spent);
  }
}

/** The job with every step also committing the run's model usage so far (unchanged without a model). */
function metered(job: Job<FindAllRun>, usage: StepUsage | undefined): Job<FindAllRun> {
  if (!usage) return job;
  return {
    signal: job.signal,
    deadline: job.deadline,
    step: (write) =>
      job.step(async (tx, held, now) => {
        const result = await write(tx, held, now);
        await usage.commit(tx, now);
        return result;
      }),
  };
}

const seedOf = (c: FindAllCandidate): CandidateSeed => ({ key: c.key, name: c.name, url: c.url, description: c.description });

/**
 * Records the run's end with its `findall.status` event and run webhook, if this worker still holds
 * the lease. A cancel that arrived after the last step still ends the run `cancelled`; enrichments
 * asked for after the last look leave the run with enrichment work, claimed again.
 */
async function commitEnd(deps: FindAllRunnerDeps, tx: Tx, run: FindAllRun, end: RunEnd, now: number): Promise<false | number> {
  const held = await holdFindAllRun(tx, run.id, deps.workerId);
  if (!held) return false;
  let final = end;
  if (held.status === 'cancelling') final = cancelled();
  // Enrichment work on a finished run never changes how the run ended.
  if (held.work === 'enrich' && held.status === 'completed') final = { status: 'completed', reason: held.terminationReason, error: held.error };
  const matched = final.status === 'completed' ? await candidatesIn(tx, run.id, 'matched') : [];
  const more = matched.some((c) => c.enrichmentsDone < held.enrichments.length);
  const ended = await updateFindAllRun(
    tx,
    run.id,
    {
      status: final.status,
      terminationReason: final.reason,
      error: final.error,
      work: more ? 'enrich' : null,
    },
    now,
  );
  return recordStatus(tx, ended, now, held.status !== final.status);
}

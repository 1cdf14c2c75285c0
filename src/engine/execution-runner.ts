import type { FastifyBaseLogger } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { LogEntry, Outcome } from '../domain/event.js';
import { ID } from '../domain/ids.js';
import type { Monitor } from '../domain/monitor.js';
import { nextHealth, repeatedFailures, settleOutcome, type SourceHealth } from '../domain/source-health.js';
import type { PoliteFetcher } from '../outbound/polite.js';
import type { SourceParser } from '../research/isolate/parse-pool.js';
import type { ModelClient } from '../research/model.js';
import type { SearchClient } from '../research/search.js';
import { insertModelUsage } from '../store/model-usage.repository.js';
import type { ProcessorResult } from '../research/processors/processor.js';
import { processorFor } from '../research/processors/index.js';
import type { Store, Tx } from '../store/db.js';
import { metrics } from '../metrics.js';
import { monitorDeliveries } from '../delivery/monitor-webhooks.js';
import { logTopic } from '../delivery/log-fanout.js';
import { MONITOR_EVENTS_LOG } from '../delivery/log-sources.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { appendEntries } from '../store/events.repository.js';
import { claimExecutions, finishExecution, pruneExecutions, releaseExecution, renewExecutionLeases, type Execution } from '../store/executions.repository.js';
import { findMonitorById, saveMonitorOutput } from '../store/monitors.repository.js';
import { findSeenItems, markItemsSeen, recentFingerprints, saveFingerprints } from '../store/seen-items.repository.js';
import { findSourceHealth, saveSourceHealth } from '../store/source-health.repository.js';
import type { Job, LeasedKind } from './leased-runner.js';

/** What running executions needs. */
export interface RunnerDeps {
  store: Store;
  /** Research fetching: the outbound client made polite (src/outbound/polite.ts). */
  fetcher: PoliteFetcher;
  /** Parses fetched bodies off the event loop. */
  parser: SourceParser;
  /** The configured model server and web search, if any (model-backed processors use them). */
  model?: ModelClient;
  search?: SearchClient;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  retainExecutions: number;
  /** Executions one account may have running at once, over every process (fair shares). */
  perAccountInFlight?: number;
}

/** How long after an execution ends its worker claims again: ends close together share one claim. */
export const REFILL_MS = 10;

/** What an execution commits: its processor's result, with the monitor as it was read at the start (if it was). */
export interface ExecutionResult {
  monitor?: Monitor;
  result: ProcessorResult;
}

/**
 * Monitor executions as leased work (see leased-runner.ts): what runs is the monitor's processor;
 * what commits is its one outcome with the monitor's state and webhook deliveries. Claims lease
 * batches (`claimExecutions`, fair across accounts); outcomes commit in groups.
 */
export function executionWork(deps: RunnerDeps): LeasedKind<Execution, ExecutionResult> {
  const { db, dialect } = deps.store;
  // The claim's fair rotation over accounts, and each account's cap on executions in flight.
  const fairness = { perAccount: deps.perAccountInFlight ?? Number.MAX_SAFE_INTEGER };
  const pruneDue = retentionPacer(deps.retainExecutions);
  const claimMany = async (now: number, leaseUntil: number, max: number) => {
    const claimed = await claimExecutions(db, dialect, { workerId: deps.workerId, now, leaseUntil, max }, fairness);
    for (const execution of claimed) metrics.executionStarted(execution, now);
    return claimed;
  };
  return {
    name: 'worker',
    noun: 'execution',
    id: (execution) => execution.id,
    attempts: (execution) => execution.attempts,
    claim: async (now, leaseUntil) => (await claimMany(now, leaseUntil, 1))[0],
    claimMany,
    // A short batch may be short because of the accounts' caps: ended work frees them. Ends within
    // a few ms share one claim.
    refillMs: REFILL_MS,
    renew: (ids, _now, leaseUntil) => renewExecutionLeases(db, dialect, ids, deps.workerId, leaseUntil),
    release: (execution) => releaseExecution(db, execution, deps.workerId),
    perform: (execution, job) => research(deps, execution, job),
    failed: (_execution, message) => ({ result: failure(message) }),
    // commitOutcome writes nothing before its lease check, so outcomes finishing together share a
    // transaction; in monitor order, the order every transaction locks monitor rows in.
    groupCommit: true,
    commitOrder: (execution) => execution.monitorId,
    commit: (tx, execution, done, now) => commitOutcome(deps, tx, execution, done, now, pruneDue),
    // Every outcome appends to the monitor's log (its events, or a completion or error).
    logTopic: (execution) => logTopic(MONITOR_EVENTS_LOG, execution.monitorId),
  };
}

async function research(deps: RunnerDeps, execution: Execution, job: Job): Promise<ExecutionResult | undefined> {
  const monitor = await findMonitorById(deps.store.db, execution.monitorId);
  if (!monitor) return undefined; // deleted with its executions; nothing to record
  try {
    const result = await processorFor(monitor).run({
      monitor,
      isFirstExecution: execution.reason === 'create',
      http: deps.fetcher.forExecution({
        monitorId: monitor.id,
        executionId: execution.id,
        deadline: job.deadline,
        reason: execution.reason,
        requestedAt: execution.createdAt,
      }),
      parser: deps.parser,
      model: deps.model,
      search: deps.search,
      deadline: job.deadline,
      clock: deps.clock,
      signal: job.signal,
      seen: (keys) => findSeenItems(deps.store.db, monitor.id, keys),
      fingerprints: () => recentFingerprints(deps.store.db, monitor.id),
    });
    return { monitor, result };
  } catch (err) {
    if (!job.signal.aborted) deps.log.warn({ err, executionId: execution.id, monitorId: monitor.id }, 'execution failed');
    return { monitor, result: failure(err instanceof Error ? err.message : String(err)) };
  }
}

/**
 * When to check a monitor's retention: every tenth of `keep` executions it finishes in this process
 * (each one when keep < 10), not on every one, because the check walks `keep` index entries. Between
 * checks a monitor may hold up to a tenth more than `keep`; a check deletes up to 100 at once.
 */
function retentionPacer(keep: number): (monitorId: string) => boolean {
  const every = Math.max(1, Math.ceil(keep / 10));
  const finished = new LRUCache<string, number>({ max: 100_000 });
  return (monitorId) => {
    const count = (finished.get(monitorId) ?? 0) + 1;
    finished.set(monitorId, count % every);
    return count >= every;
  };
}

const failure = (message: string): ProcessorResult => ({ outcome: { kind: 'error', message }, seenKeys: [] });

/**
 * Commits the outcome, the seen items, the sources' health, the monitor's `last_run_at` and the
 * webhook deliveries the outcome implies in `tx`, only while this worker still holds the
 * execution's lease (false otherwise); executions beyond retention are pruned in it too, when due. A failure
 * every source already had is recorded in the health records but not reported again (settleOutcome).
 */
async function commitOutcome(
  deps: RunnerDeps,
  tx: Tx,
  execution: Execution,
  { monitor: known, result }: ExecutionResult,
  now: number,
  pruneDue: (monitorId: string) => boolean,
): Promise<false | number> {
  const monitor = known ?? (await findMonitorById(tx, execution.monitorId));
  if (!monitor) return 0; // deleted with its executions; nothing to record
  const checks = result.sourceChecks ?? [];
  // Processors that report no source checks (snapshot re-runs) need no health records read.
  const health = checks.length > 0 ? await findSourceHealth(tx, monitor.id) : [];
  const previous = new Map(health.map((h): [string, SourceHealth] => [h.source, h]));
  const outcome = oneOutcome(settleOutcome(result.outcome, checks, previous, repeatedFailures(monitor)));
  const entries = logEntries(monitor.id, execution.id, outcome, now);
  const deliveries = monitorDeliveries(monitor, execution.id, outcome, entries, now);
  if (!(await finishExecution(tx, execution, deps.workerId, outcome.kind, now))) return false;
  if (result.latestSnapshot) await saveMonitorOutput(tx, monitor.id, { ...monitor.output, latest_snapshot: result.latestSnapshot });
  await appendEntries(tx, monitor.accountId, entries);
  await markItemsSeen(tx, monitor.id, result.seenKeys, now);
  const healthNow = checks.map((check) => nextHealth(previous.get(check.source), check, now));
  const dropped = health.map((h) => h.source).filter((source) => !healthNow.some((h) => h.source === source));
  await saveSourceHealth(tx, monitor.id, healthNow, dropped);
  await saveFingerprints(tx, monitor.id, result.fingerprints ?? [], now);
  await insertDeliveries(tx, deliveries);
  if (result.modelUsage) await insertModelUsage(tx, { kind: 'execution', id: execution.id, accountId: monitor.accountId }, result.modelUsage, now);
  if (pruneDue(monitor.id)) await pruneExecutions(tx, monitor.id, deps.retainExecutions);
  if (result.modelUsage) metrics.modelUsage('execution', result.modelUsage);
  metrics.executionFinished(outcome.kind, execution.startedAt, now);
  return deliveries.length;
}

/** An events outcome with no events is a completion: every execution has exactly one outcome. */
function oneOutcome(outcome: Outcome): Outcome {
  return outcome.kind === 'events' && outcome.events.length === 0 ? { kind: 'completion', warnings: outcome.warnings } : outcome;
}

function logEntries(monitorId: string, executionId: string, outcome: Outcome, now: number): LogEntry[] {
  const base = { monitorId, executionId, createdAt: now };
  switch (outcome.kind) {
    case 'events':
      return outcome.events.map((event) => ({ ...base, id: ID.event(), warnings: outcome.warnings, ...event }));
    case 'completion':
      return [{ ...base, id: ID.completion(), kind: 'completion', warnings: outcome.warnings }];
    case 'error':
      return [{ ...base, id: ID.error(), kind: 'error', message: outcome.message }];
  }
}

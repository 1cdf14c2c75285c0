import type { FastifyBaseLogger } from 'fastify';
import type { LogEntry, Outcome } from '../domain/event.js';
import { ID } from '../domain/ids.js';
import type { Monitor } from '../domain/monitor.js';
import { nextHealth, settleOutcome, type SourceHealth } from '../domain/source-health.js';
import type { PoliteFetcher } from '../outbound/polite.js';
import type { SourceParser } from '../research/isolate/parse-pool.js';
import type { ProcessorResult } from '../research/processors/processor.js';
import { processorFor } from '../research/processors/index.js';
import type { Store, Tx } from '../store/db.js';
import { monitorDeliveries } from '../delivery/monitor-webhooks.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { appendEntries } from '../store/events.repository.js';
import { finishExecution, pruneExecutions, type Execution } from '../store/executions.repository.js';
import { findMonitorById, markMonitorRun } from '../store/monitors.repository.js';
import {
  findSeenItems, markItemsSeen, recentFingerprints, saveFingerprints,
} from '../store/seen-items.repository.js';
import { findSourceHealth, saveSourceHealth } from '../store/source-health.repository.js';

/** After this many leases of one execution (each ended by a dead worker), it fails instead of running again. */
export const MAX_ATTEMPTS = 5;

/** What running one execution needs. */
export interface RunnerDeps {
  store: Store;
  /** Research fetching: the outbound client made polite (src/outbound/polite.ts). */
  fetcher: PoliteFetcher;
  /** Parses fetched bodies off the event loop. */
  parser: SourceParser;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  timeoutMs: number;
  retainExecutions: number;
}

/** The lease was lost (another worker took the execution over); nothing was committed. */
export class LeaseLostError extends Error {}

/**
 * Runs one leased execution and commits its one outcome. A processor failure is an `error`
 * outcome; a stop (the `stop` signal) commits nothing, so the execution is run again later.
 */
export async function runExecution(deps: RunnerDeps, execution: Execution, stop: AbortSignal): Promise<void> {
  const monitor = await findMonitorById(deps.store.db, execution.monitorId);
  if (!monitor) return; // deleted with its executions; nothing to record
  const result = execution.attempts > MAX_ATTEMPTS
    ? failure(`execution abandoned after ${MAX_ATTEMPTS} attempts: the worker running it stopped each time`)
    : await research(deps, monitor, execution, stop);
  if (stop.aborted) return;
  await commitOutcome(deps, monitor, execution, result);
}

/** How long an aborted processor gets to wind down (its requests torn down) before the outcome commits regardless. */
const WIND_DOWN_MS = 5_000;

async function research(deps: RunnerDeps, monitor: Monitor, execution: Execution, stop: AbortSignal): Promise<ProcessorResult> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(deps.timeoutMs)]);
  // Real time, like the timeout signal (the injected clock may be moved by tests).
  const deadline = Date.now() + deps.timeoutMs;
  let run: Promise<ProcessorResult> | undefined;
  try {
    run = processorFor(monitor).run({
      monitor,
      isFirstExecution: execution.reason === 'create',
      http: deps.fetcher.forExecution({ monitorId: monitor.id, executionId: execution.id, deadline }),
      parser: deps.parser,
      deadline,
      clock: deps.clock,
      signal,
      seen: (keys) => findSeenItems(deps.store.db, monitor.id, keys),
      fingerprints: () => recentFingerprints(deps.store.db, monitor.id),
    });
    return await abortable(run, signal, deps.timeoutMs);
  } catch (err) {
    // Wait for an aborted processor to let go of its requests, so the monitor's next execution
    // never overlaps this one's traffic.
    if (run && signal.aborted) await Promise.race([run.catch(() => {}), delay(WIND_DOWN_MS)]);
    deps.log.warn({ err, executionId: execution.id, monitorId: monitor.id }, 'execution failed');
    return failure(err instanceof Error ? err.message : String(err));
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function abortable<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(
      signal.reason?.name === 'TimeoutError' ? `execution timed out after ${timeoutMs / 1000}s` : 'execution stopped',
    ));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const failure = (message: string): ProcessorResult => ({ outcome: { kind: 'error', message }, seenKeys: [] });

/**
 * Commits the outcome, the seen items, the sources' health, the monitor's `last_run_at` and the
 * webhook deliveries the outcome implies in one transaction, only while this worker still holds
 * the execution's lease; executions beyond retention are pruned in it too. A failure every source
 * already had is recorded in the health records but not reported again (settleOutcome).
 */
async function commitOutcome(deps: RunnerDeps, monitor: Monitor, execution: Execution, result: ProcessorResult): Promise<void> {
  const now = deps.clock();
  const checks = result.sourceChecks ?? [];
  const notified = await deps.store.db.transaction().execute(async (tx: Tx) => {
    // Processors that report no source checks (snapshot re-runs) need no health records read.
    const health = checks.length > 0 ? await findSourceHealth(tx, monitor.id) : [];
    const previous = new Map(health.map((h): [string, SourceHealth] => [h.source, h]));
    const outcome = oneOutcome(settleOutcome(result.outcome, checks, previous));
    const entries = logEntries(monitor.id, execution.id, outcome, now);
    const deliveries = monitorDeliveries(monitor, execution.id, outcome, entries, now);
    if (!(await finishExecution(tx, execution, deps.workerId, outcome.kind, now))) {
      throw new LeaseLostError(`lease on execution ${execution.id} was lost; its outcome was not committed`);
    }
    await markMonitorRun(tx, monitor.id, now, result.latestSnapshot && { ...monitor.output, latest_snapshot: result.latestSnapshot });
    await appendEntries(tx, monitor.accountId, entries);
    await markItemsSeen(tx, monitor.id, result.seenKeys, now);
    await saveSourceHealth(tx, monitor.id, checks.map((check) => nextHealth(previous.get(check.source), check, now)));
    await saveFingerprints(tx, monitor.id, result.fingerprints ?? [], now);
    await insertDeliveries(tx, deliveries);
    await pruneExecutions(tx, monitor.id, deps.retainExecutions);
    return deliveries.length > 0;
  });
  if (notified) deps.store.workHints.notify();
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

// The logs that live streams follow, each read through its repository. A new log plugs in as one
// more source with its own name, and its appenders notify `logTopic(name, scope)` after their commits.
import type { Store } from '../store/db.js';
import { readEvaluationLog, type LogRow as EvaluationLogRow } from '../store/evaluations.repository.js';
import type { FindAllLogEntry } from '../domain/findall.js';
import { readFindAllLog } from '../store/findall-events.repository.js';
import { readMonitorLog, type StoredEvent } from '../store/events.repository.js';
import type { LogSource } from './log-fanout.js';

/** The name of a monitor's event log in hint topics: scope = monitor id. */
export const MONITOR_EVENTS_LOG = 'events';
/** The name of an evaluation monitor's log in hint topics: scope = evaluation monitor id. */
export const EVALUATION_LOG = 'evaluations';

/** A monitor's events, completions and errors, in log order. */
export function monitorEventLog(store: Store): LogSource<StoredEvent> {
  return { name: MONITOR_EVENTS_LOG, read: (monitorId, afterSeq, limit) => readMonitorLog(store.lists, monitorId, afterSeq, limit) };
}

/** An evaluation monitor's log (queued, in progress, completed or failed evaluations). */
export function evaluationLog(store: Store): LogSource<EvaluationLogRow> {
  return { name: EVALUATION_LOG, read: (monitorId, afterSeq, limit) => readEvaluationLog(store.db, monitorId, afterSeq, limit) };
}

/** The name of a FindAll run's event log in hint topics: scope = run id. */
export const FINDALL_LOG = 'findall';

/** A FindAll run's events (status, candidates, schema updates), in log order. */
export function findAllLog(store: Store): LogSource<FindAllLogEntry> {
  return { name: FINDALL_LOG, read: (runId, afterSeq, limit) => readFindAllLog(store.db, runId, afterSeq, limit) };
}

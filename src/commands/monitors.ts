import type { Config } from '../config.js';
import { AppError, invalid, validationError, type Problem } from '../errors.js';
import { ID } from '../domain/ids.js';
import type { TaskOutput } from '../domain/event.js';
import type { CreateMonitorInput, EventStreamSettings, Monitor, SnapshotSettings, UpdateMonitorInput } from '../domain/monitor.js';
import type { OutputSpec } from '../domain/task.js';
import { queryOf } from '../research/processors/lite-task.js';
import { findTaskRun } from '../store/task-runs.repository.js';
import { checkFrequency, checkMetadata, checkWebhookUrl } from '../domain/monitor-rules.js';
import { checkMatch } from '../research/match.js';
import { NO_SOURCE_HELP, sourcesOf } from '../research/sources.js';
import type { Store } from '../store/db.js';
import { dropQueuedExecutions, insertExecution } from '../store/executions.repository.js';
import { findMonitor, insertMonitor, saveMonitor } from '../store/monitors.repository.js';
import { monitorDelivery, webhookEvent } from '../delivery/monitor-webhooks.js';
import type { WebhookEventType } from '../domain/monitor.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { insertTestEventGroup } from '../store/test-event-groups.repository.js';

/** What monitor commands need: the store, the rules' settings, a clock and a wake-up for workers. */
export interface CommandDeps {
  store: Store;
  config: Pick<Config, 'minFrequencySeconds'> & Partial<Pick<Config, 'accountLimits' | 'search'>>;
  clock: () => number;
  /** A hint that work was queued (of one kind, when `topic` names it); workers also find it by polling. */
  wake: (topic?: string) => void;
}

/**
 * First due time of a monitor's schedule: one period from now plus jitter of up to 10% of the
 * period (at most 15 minutes), so monitors created together with one frequency do not all fire at once.
 */
export function firstDueTime(now: number, frequencySeconds: number, random = Math.random): number {
  const jitter = Math.min(frequencySeconds * 100, 15 * 60_000) * random();
  return now + frequencySeconds * 1000 + Math.floor(jitter);
}

/** Creates a monitor and queues its first execution in one transaction ("runs once right away"). */
export async function createMonitor(deps: CommandDeps, accountId: string, input: CreateMonitorInput): Promise<Monitor> {
  const problems: Problem[] = [];
  const frequency = checkFrequency(input.frequency, deps.config.minFrequencySeconds, ['body', 'frequency']);
  if ('problem' in frequency) problems.push(frequency.problem);
  problems.push(...checkMetadata(input.metadata, ['body', 'metadata']));
  if (input.webhook) problems.push(...checkWebhookUrl(input.webhook.url, ['body', 'webhook', 'url']));
  const baseline = input.type === 'snapshot' ? await snapshotBaseline(deps, accountId, input, problems) : undefined;
  // A snapshot monitor's settings come only from its baseline run: when that is refused, its one problem says why.
  const settings = input.type === 'snapshot' ? baseline?.settings : checkSettings(input, problems, searchable(deps));
  if (problems.length > 0 || !('seconds' in frequency) || !settings) throw validationError(problems);

  const now = deps.clock();
  const monitor: Monitor = {
    id: ID.monitor(),
    accountId,
    type: input.type,
    status: 'active',
    frequency: input.frequency,
    frequencySeconds: frequency.seconds,
    processor: input.processor ?? 'lite',
    settings,
    webhook: input.webhook ?? null,
    metadata: input.metadata ?? null,
    memoryScopeKey: input.memory_scope_key ?? null,
    output: baseline ? { latest_snapshot: baseline.snapshot } : null,
    createdAt: now,
    updatedAt: now,
    lastRunAt: null,
    nextRunAt: firstDueTime(now, frequency.seconds),
    cadence: input.cadence ?? null,
  };
  await deps.store.db.transaction().execute(async (tx) => {
    await insertMonitor(tx, monitor);
    await insertExecution(tx, {
      id: ID.execution(),
      monitorId: monitor.id,
      accountId,
      reason: 'create',
      scheduledFor: null,
      createdAt: now,
    });
  });
  deps.wake();
  return monitor;
}

/**
 * A snapshot monitor's settings and first snapshot, from its baseline task run (api.md §2.13): the
 * run must be the account's and completed; its input becomes the query, its output schema (or the
 * schema an auto spec was answered with) the monitor's, and each execution re-runs it.
 */
async function snapshotBaseline(
  deps: CommandDeps,
  accountId: string,
  input: CreateMonitorInput,
  problems: Problem[],
): Promise<{ settings: SnapshotSettings; snapshot: TaskOutput } | undefined> {
  const loc = ['body', 'settings', 'task_run_id'];
  const runId = input.settings.task_run_id;
  if (typeof runId !== 'string' || runId === '') {
    problems.push({ loc, msg: 'is required for snapshot monitors: the id of a completed task run', type: 'missing' });
    return undefined;
  }
  const run = await findTaskRun(deps.store.db, accountId, runId);
  if (!run) {
    problems.push({ loc, msg: `task run "${runId}" not found`, type: 'not_found' });
    return undefined;
  }
  if (run.status !== 'completed' || !run.output) {
    problems.push({ loc, msg: `task run "${runId}" is ${run.status}; a snapshot monitor needs a completed run`, type: 'not_completed' });
    return undefined;
  }
  const spec: OutputSpec = run.derivedSchema ? { type: 'json', json_schema: run.derivedSchema } : run.outputSpec;
  const settings: SnapshotSettings = {
    task_run_id: run.id,
    query: queryOf(run.input.input),
    output_schema: spec.type === 'json' ? { type: 'json', json_schema: spec.json_schema } : null,
    task: { input: run.input.input, output_spec: spec, source_policy: run.input.source_policy ?? null },
  };
  return { settings, snapshot: run.output };
}

/** Whether a query that names no source may get its sources from web search (VIGIL_SEARCH_URL is set). */
const searchable = (deps: CommandDeps) => deps.config.search?.url !== undefined;

function checkSettings(input: CreateMonitorInput, problems: Problem[], search: boolean): EventStreamSettings | undefined {
  const settings = input.settings as unknown as EventStreamSettings;
  if (typeof settings.query !== 'string' || settings.query.trim() === '') {
    problems.push({ loc: ['body', 'settings', 'query'], msg: 'is required and must be a non-empty string', type: 'missing' });
    return undefined;
  }
  problems.push(...checkSources(settings, search));
  problems.push(...checkMatch(settings.match, ['body', 'settings', 'match']));
  return settings;
}

function checkSources(settings: EventStreamSettings, search: boolean): Problem[] {
  const sources = sourcesOf(settings);
  if (sources.urls.length === 0 && sources.domains.length === 0 && !search) {
    return [{ loc: ['body', 'settings'], msg: NO_SOURCE_HELP, type: 'no_source' }];
  }
  return (settings.sources ?? []).flatMap((url, i) => checkWebhookUrl(url, ['body', 'settings', 'sources', i]));
}

/** Applies a partial update (api.md §2.5): only fields present change; `null` clears where allowed. */
export async function updateMonitor(deps: CommandDeps, accountId: string, id: string, input: UpdateMonitorInput): Promise<Monitor> {
  const monitor = await requireMonitor(deps, accountId, id);
  if (Object.keys(input).filter((k) => k !== 'type' && k !== 'cadence').length === 0) {
    throw invalid(['body'], 'at least one field other than type must be provided', 'empty_update');
  }
  if (monitor.status === 'cancelled') throw invalid(['path', 'monitor_id'], 'a cancelled monitor cannot be updated', 'cancelled');
  const problems: Problem[] = [];
  const next: Monitor = { ...monitor, updatedAt: deps.clock() };
  if (input.frequency !== undefined) {
    const frequency = checkFrequency(input.frequency, deps.config.minFrequencySeconds, ['body', 'frequency']);
    if ('problem' in frequency) problems.push(frequency.problem);
    else if (frequency.seconds !== monitor.frequencySeconds) {
      Object.assign(next, { frequency: input.frequency, frequencySeconds: frequency.seconds });
      next.nextRunAt = firstDueTime(next.updatedAt, frequency.seconds);
    } else next.frequency = input.frequency;
  }
  if (input.cadence !== undefined) next.cadence = input.cadence;
  if (input.processor !== undefined) {
    next.processor = input.processor;
  }
  if (input.webhook !== undefined) {
    if (input.webhook) problems.push(...checkWebhookUrl(input.webhook.url, ['body', 'webhook', 'url']));
    next.webhook = input.webhook;
  }
  if (input.metadata !== undefined) {
    problems.push(...checkMetadata(input.metadata, ['body', 'metadata']));
    next.metadata = input.metadata;
  }
  if (input.settings !== undefined) next.settings = updatedSettings(monitor, input, problems, searchable(deps));
  if (problems.length > 0) throw validationError(problems);
  await saveMonitor(deps.store.db, next, { reschedule: next.nextRunAt !== monitor.nextRunAt });
  return next;
}

function updatedSettings(monitor: Monitor, input: UpdateMonitorInput, problems: Problem[], search: boolean): Monitor['settings'] {
  if (monitor.type !== 'event_stream') {
    problems.push({
      loc: ['body', 'settings'],
      msg: 'snapshot monitors have no updatable settings: create a new monitor from a new task run',
      type: 'snapshot_settings',
    });
    return monitor.settings;
  }
  if (input.type !== 'event_stream') {
    problems.push({ loc: ['body', 'type'], msg: "is required with settings and must be 'event_stream'", type: 'type' });
    return monitor.settings;
  }
  const settings = { ...(monitor.settings as EventStreamSettings) };
  const patch = input.settings ?? {};
  if (patch.query !== undefined) {
    if (patch.query.trim() === '') problems.push({ loc: ['body', 'settings', 'query'], msg: 'must be a non-empty string', type: 'missing' });
    settings.query = patch.query;
  }
  if (patch.advanced_settings !== undefined) settings.advanced_settings = patch.advanced_settings;
  if (patch.repeated_failures !== undefined) settings.repeated_failures = patch.repeated_failures;
  if (patch.match !== undefined) {
    problems.push(...checkMatch(patch.match, ['body', 'settings', 'match']));
    if (patch.match === null) delete settings.match;
    else settings.match = patch.match;
  }
  problems.push(...checkSources(settings, search));
  return settings;
}

/** Cancels a monitor for good: no further scheduled runs; queued, unstarted runs are dropped. Idempotent. */
export async function cancelMonitor(deps: CommandDeps, accountId: string, id: string): Promise<Monitor> {
  const monitor = await requireMonitor(deps, accountId, id);
  if (monitor.status === 'cancelled') return monitor;
  const cancelled: Monitor = { ...monitor, status: 'cancelled', nextRunAt: null, updatedAt: deps.clock() };
  await deps.store.db.transaction().execute(async (tx) => {
    await saveMonitor(tx, cancelled, { reschedule: true });
    await dropQueuedExecutions(tx, monitor.id);
  });
  return cancelled;
}

/** Queues a one-off execution outside the schedule (the schedule is not affected). */
export async function triggerMonitor(deps: CommandDeps, accountId: string, id: string): Promise<void> {
  const monitor = await requireMonitor(deps, accountId, id);
  if (monitor.status === 'cancelled') throw invalid(['path', 'monitor_id'], 'a cancelled monitor cannot be triggered', 'cancelled');
  await insertExecution(deps.store.db, {
    id: ID.execution(),
    monitorId: monitor.id,
    accountId,
    reason: 'trigger',
    scheduledFor: null,
    createdAt: deps.clock(),
  });
  deps.wake();
}

/** The account's monitor, or a 404 as if it did not exist. */
export async function requireMonitor(deps: Pick<CommandDeps, 'store'>, accountId: string, id: string): Promise<Monitor> {
  const monitor = await findMonitor(deps.store.db, accountId, id);
  if (!monitor) throw new AppError('MONITOR_NOT_FOUND');
  return monitor;
}

/**
 * Writes a test webhook message into the outbox, with the body real messages of its type have and a
 * test event group id; the dispatcher signs and sends it like any other. A detected group's id is
 * recorded so that it, and only it, resolves to test data.
 */
export async function simulateEvent(deps: CommandDeps, monitor: Monitor, type: WebhookEventType): Promise<void> {
  if (!monitor.webhook) throw new AppError('WEBHOOK_NOT_CONFIGURED');
  const now = deps.clock();
  const groupId = ID.testEventGroup();
  const event = webhookEvent(type, {
    groupId,
    eventId: type === 'monitor.execution.failed' ? ID.error() : ID.completion(),
    errorMessage: 'This is a test error event.',
    at: now,
  });
  const delivery = monitorDelivery(monitor, monitor.webhook, type, event, now);
  await deps.store.db.transaction().execute(async (tx) => {
    await insertDeliveries(tx, [delivery]);
    if (type === 'monitor.event.detected') {
      await insertTestEventGroup(tx, { id: groupId, accountId: monitor.accountId, monitorId: monitor.id, createdAt: now });
    }
  });
  deps.wake();
}

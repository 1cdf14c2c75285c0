import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Vigil's Prometheus metrics (`GET /metrics`). One registry per process, like the process itself:
 * the parts that do the work record with one call each, and nothing carries an account label (the
 * series stay few however many accounts there are). Counters only ever grow within a process.
 */
const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'vigil_' });

// From a fraction of a second (local work) to an hour (a backlog under overload).
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

const queueDepth = new Gauge({
  name: 'vigil_queue_depth',
  help: 'Work waiting (queued) or leased (running), by kind, read from the store at scrape time',
  labelNames: ['kind', 'state'] as const,
  registers: [registry],
});
const startLag = new Histogram({
  name: 'vigil_execution_start_lag_seconds',
  help: 'From when an execution was due (its schedule slot, or when it was queued) to when a worker started it',
  labelNames: ['reason'] as const,
  buckets: LAG_BUCKETS,
  registers: [registry],
});
const duration = new Histogram({
  name: 'vigil_execution_duration_seconds',
  help: 'From the start of an execution to the commit of its outcome',
  labelNames: ['outcome'] as const,
  buckets: DURATION_BUCKETS,
  registers: [registry],
});
const executions = new Counter({
  name: 'vigil_executions_total',
  help: 'Executions committed, by outcome (events, completion, error)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const deliveries = new Counter({
  name: 'vigil_webhook_deliveries_total',
  help: 'Webhook delivery attempts, by outcome (delivered, failed, skipped)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const fetches = new Counter({
  name: 'vigil_fetches_total',
  help: 'Research fetches, by the status class the host answered (2xx…5xx, or error when none)',
  labelNames: ['status_class'] as const,
  registers: [registry],
});
const takeovers = new Counter({
  name: 'vigil_lease_takeovers_total',
  help: 'Work leased again after its lease expired (the process running it died or stalled)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const parseJobs = new Counter({
  name: 'vigil_parse_jobs_total',
  help: 'Bodies read and other jobs run by the parse workers',
  registers: [registry],
});
const parseHandOffs = new Counter({
  name: 'vigil_parse_handoffs_total',
  help: 'Hand-offs to the parse workers: under load one carries several jobs (jobs / hand-offs is the batch size)',
  registers: [registry],
});

const modelTokens = new Counter({
  name: 'vigil_model_tokens_total',
  help: 'Tokens the model server counted, by kind (prompt, completion) and what asked (execution, task_run)',
  labelNames: ['kind', 'work'] as const,
  registers: [registry],
});
const modelRequests = new Counter({
  name: 'vigil_model_requests_total',
  help: 'Requests to the model server, by outcome (ok, retried, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const modelCost = new Counter({
  name: 'vigil_model_cost_usd_total',
  help: 'Cost of model tokens at VIGIL_LLM_PRICE_INPUT/_OUTPUT (0 when no price is set)',
  labelNames: ['work'] as const,
  registers: [registry],
});

/** How much work of one kind waits or runs, for the queue-depth gauge. */
export interface QueueDepth {
  kind: 'execution' | 'task_run' | 'webhook_delivery';
  state: 'queued' | 'running';
  count: number;
}

/** The recording calls the rest of Vigil makes, one line at each call site. */
export const metrics = {
  /** A worker leased an execution (undefined: nothing was due). */
  executionStarted(e: { reason: string; scheduledFor: number | null; createdAt: number; takenOver: boolean } | undefined, now: number): void {
    if (!e) return;
    startLag.observe({ reason: e.reason }, Math.max(0, now - (e.scheduledFor ?? e.createdAt)) / 1000);
    if (e.takenOver) takeovers.inc({ kind: 'execution' });
  },
  /** An execution's outcome committed; `startedAt` is when its lease was taken. */
  executionFinished(outcome: string, startedAt: number | null, now: number): void {
    executions.inc({ outcome });
    if (startedAt !== null) duration.observe({ outcome }, Math.max(0, now - startedAt) / 1000);
  },
  /** A worker leased a task run (undefined: nothing was due). */
  taskRunStarted(run: { takenOver: boolean } | undefined): void {
    if (run?.takenOver) takeovers.inc({ kind: 'task_run' });
  },
  /** One webhook delivery attempt ended. */
  deliveryAttempted(outcome: 'delivered' | 'failed' | 'skipped'): void {
    deliveries.inc({ outcome });
  },
  /** Model tokens spent by one execution, task run, evaluation or FindAll run, recorded when its outcome (or step) commits. */
  modelUsage(
    work: 'execution' | 'task_run' | 'evaluation' | 'findall_run',
    usage: { promptTokens: number; completionTokens: number; costUsd: number | null },
  ): void {
    modelTokens.inc({ kind: 'prompt', work }, usage.promptTokens);
    modelTokens.inc({ kind: 'completion', work }, usage.completionTokens);
    if (usage.costUsd !== null) modelCost.inc({ work }, usage.costUsd);
  },
  /** One request to the model server ended. */
  modelRequest(outcome: 'ok' | 'retried' | 'failed'): void {
    modelRequests.inc({ outcome });
  },
  /** One hand-off of `jobs` jobs to a parse worker. */
  parseHandedOff(jobs: number): void {
    parseHandOffs.inc();
    parseJobs.inc(jobs);
  },
  /** One research request got an answer with this status, or none (undefined: a network error or timeout). */
  fetched(status: number | undefined): void {
    fetches.inc({ status_class: status === undefined ? 'error' : `${Math.floor(status / 100)}xx` });
  },
};

/** The Prometheus text exposition of every metric, with the queue depths just read from the store. */
export async function renderMetrics(depths: QueueDepth[]): Promise<{ contentType: string; body: string }> {
  queueDepth.reset();
  for (const d of depths) queueDepth.set({ kind: d.kind, state: d.state }, d.count);
  return { contentType: registry.contentType, body: await registry.metrics() };
}

import { validationError } from '../errors.js';
import type { ApiKey } from './api-keys.js';
import type { EvalFile, EvalMonitor, EvalMonitorSettings, Evaluation } from './evaluation.js';
import type { EvalMonitorDetail, EvaluationDetail, EvaluationSummary, FileWire } from './evaluation-schemas.js';
import type { LogEntry } from './event.js';
import { eventIdOf, isRunActive, type FindAllCandidate, type FindAllRun } from './findall.js';
import type { FindAllCandidateResponse, FindAllRunResponse, FindAllSchemaResponse } from './findall-schemas.js';
import type { CreatedKey, KeyView } from './key-schemas.js';
import type { Monitor, SnapshotSettings } from './monitor.js';
import type { MonitorResponse, SourceRecord } from './monitor-schemas.js';
import type { SourceHealth } from './source-health.js';
import { isActive, type TaskRun } from './task.js';
import type { TaskRunResponse } from './task-schemas.js';

/**
 * Rows to wire shapes, for every contract: each mapper returns the type of the schema that
 * documents (and, where Fastify serialises, writes) its response, so the two cannot drift apart.
 * Also the one timestamp format and the one keyset-paging helper of every cursor list.
 */

/** An epoch-milliseconds time as the wire writes it (RFC 3339, UTC, milliseconds); null stays null. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * One entry of a run's or a monitor's own log as its SSE stream sends it (FindAll, evaluations):
 * `data` is the entry's JSON as appended, wrapped without being decoded and encoded again.
 */
export function logEventJson(type: string, seq: number, at: number, data: string): string {
  return `{"type":${JSON.stringify(type)},"event_id":"${eventIdOf(seq)}","timestamp":"${iso(at)}","data":${data}}`;
}

// ── Keyset paging ────────────────────────────────────────────────────────────────────────────

type FieldTypes = Record<string, 'string' | 'number'>;
type Position<S extends FieldTypes> = { [K in keyof S]: S[K] extends 'string' ? string : number };

/** Cursors this server makes are short; a longer one was not made here. */
const MAX_CURSOR_CHARS = 512;
/** The ids and keys a cursor carries: what `ID` mints, and nothing that could upset SQL (NUL, huge text). */
const CURSOR_TEXT = /^[A-Za-z0-9_.:-]{1,128}$/;

/** An opaque cursor: base64url of a small JSON object. */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** A cursor field's value is what `encodeCursor` writes: a non-negative safe integer, or id-like text. */
function fits(value: unknown, type: 'string' | 'number'): boolean {
  if (type === 'number') return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  return typeof value === 'string' && CURSOR_TEXT.test(value);
}

/**
 * Decodes a cursor made by `encodeCursor`, checking each field's type and range before any of it
 * reaches SQL; anything else (malformed, edited, or made for another list) is a 422 naming the cursor.
 */
export function decodeCursor<S extends FieldTypes>(cursor: string, shape: S): Position<S> {
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]*={0,2}$/.test(cursor)) throw badCursor();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badCursor();
  for (const key in shape) {
    if (!fits((value as Record<string, unknown>)[key], shape[key])) throw badCursor();
  }
  return value as Position<S>;
}

// Module-level rather than a closure per call: lists decode a cursor on every page, and under tsx
// every named closure also costs a property definition (esbuild's keepNames).
function badCursor() {
  return validationError([{ loc: ['query', 'cursor'], msg: 'is not a cursor this list returned', type: 'cursor' }], 'INVALID_CURSOR');
}

/** How one list's rows are ordered: the fields its cursor holds, the last row's position, and what that means to its query. */
export interface Keyset<Row, After, S extends FieldTypes = FieldTypes> {
  shape: S;
  positionOf(row: Row): Position<S>;
  afterOf(position: Position<S>): After;
}

/** Lists ordered newest first by creation time, ties broken by id (monitors, webhook deliveries). */
export const byCreation: Keyset<{ createdAt: number; id: string }, { createdAt: number; id: string }, { c: 'number'; i: 'string' }> = {
  shape: { c: 'number', i: 'string' },
  positionOf: (row) => ({ c: row.createdAt, i: row.id }),
  afterOf: (p) => ({ createdAt: p.c, id: p.i }),
};

/**
 * One page of a keyset-paged list: decodes the cursor, reads `limit + 1` rows after it (the extra
 * row says whether there is more without a count), and writes the cursor of the page's last row
 * when there is. Each contract names the result its own way (`next_cursor`, `has_more`).
 */
export async function keysetPage<Row, After, S extends FieldTypes>(
  keyset: Keyset<NoInfer<Row>, After, S>,
  cursor: string | undefined,
  limit: number,
  read: (after: After | undefined, limit: number) => Promise<Row[]>,
): Promise<{ rows: Row[]; nextCursor: string | null; hasMore: boolean }> {
  const after = cursor ? keyset.afterOf(decodeCursor(cursor, keyset.shape)) : undefined;
  const fetched = await read(after, limit + 1);
  const rows = fetched.slice(0, limit);
  const last = rows.at(-1);
  const hasMore = fetched.length > limit && last !== undefined;
  return { rows, nextCursor: hasMore ? encodeCursor(keyset.positionOf(last)) : null, hasMore };
}

// ── Monitor API ──────────────────────────────────────────────────────────────────────────────

/** A monitor in its v1 wire shape (`MonitorResponse`, api.md §2.2). */
export function monitorRecord(m: Monitor): MonitorResponse {
  return {
    monitor_id: m.id,
    type: m.type,
    status: m.status,
    frequency: m.frequency,
    processor: m.processor,
    created_at: iso(m.createdAt),
    settings: wireSettings(m),
    last_run_at: iso(m.lastRunAt),
    metadata: m.metadata,
    webhook: m.webhook,
    output: m.type === 'snapshot' ? (m.output ?? null) : null,
    memory_scope_key: m.memoryScopeKey,
  };
}

/** Settings as the wire shows them: a snapshot monitor's record of its baseline task stays inside. */
function wireSettings(m: Monitor): MonitorResponse['settings'] {
  if (m.type !== 'snapshot') return m.settings;
  const { task: _task, ...wire } = m.settings as SnapshotSettings;
  return wire;
}

/**
 * The event as the log records it, fixed once appended: its v1 wire shape (api.md §2.9). Completion
 * and error events also carry their stable `event_id` and `event_group_id`, additions that spare
 * clients fingerprinting them; detected events also carry `monitor_group_id` (the May 2026 name).
 * Records of an execution in which some source failed carry `warnings` (additive).
 */
export function eventRecord(entry: LogEntry) {
  const common = {
    event_id: entry.id,
    event_group_id: entry.executionId,
    timestamp: iso(entry.createdAt),
    ...(entry.warnings?.length ? { warnings: entry.warnings } : {}),
  };
  switch (entry.kind) {
    case 'event_stream':
      return { event_type: 'event_stream' as const, ...common, monitor_group_id: entry.executionId, event_date: entry.eventDate, output: entry.output };
    case 'snapshot':
      return {
        event_type: 'snapshot' as const,
        ...common,
        monitor_group_id: entry.executionId,
        event_date: entry.eventDate,
        changed_output: entry.changedOutput,
        previous_output: entry.previousOutput,
      };
    case 'completion':
      return { event_type: 'completion' as const, ...common };
    case 'error':
      return { event_type: 'error' as const, ...common, error_message: entry.message };
  }
}

/** One source's health as `GET /v1/monitors/{id}/sources` lists it. */
export function sourceRecord(h: SourceHealth): SourceRecord {
  return {
    source: h.source,
    url: h.url,
    status: h.consecutiveFailures > 0 ? 'failing' : 'ok',
    consecutive_failures: h.consecutiveFailures,
    last_success_at: iso(h.lastSuccessAt),
    last_error: h.lastError,
    last_error_at: iso(h.lastErrorAt),
    last_checked_at: iso(h.lastCheckedAt),
  };
}

// ── Task API ─────────────────────────────────────────────────────────────────────────────────

/** A run in its wire shape (`TaskRun`, api.md §5.3), as responses and `task_run.status` webhooks carry it. */
export function taskRunRecord(run: TaskRun): TaskRunResponse {
  return {
    run_id: run.id,
    interaction_id: run.id,
    status: run.status,
    is_active: isActive(run.status),
    processor: run.processor,
    metadata: run.input.metadata ?? null,
    created_at: iso(run.createdAt),
    modified_at: iso(run.modifiedAt),
    error: run.status === 'failed' ? run.error : null,
    warnings: run.warnings.length > 0 ? run.warnings : null,
    taskgroup_id: null,
  };
}

// ── FindAll API ──────────────────────────────────────────────────────────────────────────────

/** A run in its wire shape (`FindAllRun`, api.md §6.3): responses, `findall.status` events and run webhooks. */
export function findAllRunRecord(run: FindAllRun): FindAllRunResponse {
  return {
    findall_id: run.id,
    generator: run.generator,
    status: {
      status: run.status,
      is_active: isRunActive(run),
      metrics: { generated_candidates_count: run.generatedCount, matched_candidates_count: run.matchedCount },
      termination_reason: run.terminationReason,
    },
    metadata: run.metadata ?? {},
    // Our extension, shaped as a task run's warnings: only when there are any.
    ...(run.warnings.length > 0 && { warnings: run.warnings.map((message) => ({ type: 'warning', message, detail: null })) }),
    created_at: iso(run.createdAt),
    modified_at: iso(run.modifiedAt),
  };
}

/** A candidate in its wire shape (`FindAllCandidate`). */
export function candidateRecord(c: FindAllCandidate): FindAllCandidateResponse {
  return {
    candidate_id: c.id,
    name: c.name,
    url: c.url,
    description: c.description,
    match_status: c.matchStatus,
    output: c.output,
    basis: c.basis,
  };
}

/** The run's schema in its wire shape (`FindAllSchema`). */
export function schemaRecord(run: FindAllRun): FindAllSchemaResponse {
  return {
    objective: run.spec.objective,
    entity_type: run.spec.entity_type,
    match_conditions: run.spec.match_conditions,
    generator: run.generator,
    match_limit: run.matchLimit,
    enrichments: run.enrichments.length > 0 ? run.enrichments : null,
  };
}

// ── DeepRails Monitor API ────────────────────────────────────────────────────────────────────

/** The monitor's capabilities as the detail lists them. */
function capabilitiesOf(settings: EvalMonitorSettings): { capability: string }[] {
  const out: { capability: string }[] = [];
  if (settings.webSearch) out.push({ capability: 'web_search' });
  if (settings.fileSearch.length > 0) out.push({ capability: 'file_search' });
  if (settings.contextAwareness) out.push({ capability: 'context_awareness' });
  return out;
}

/** A file as `files[]` lists it. */
export function fileRecord(file: Pick<EvalFile, 'id' | 'name' | 'size'>): FileWire {
  return { file_id: file.id, file_name: file.name, file_size: file.size };
}

/** An evaluation as the monitor detail lists it (`evaluations[]`). */
function evaluationSummaryRecord(e: Evaluation): EvaluationSummary {
  return {
    event_id: e.id,
    evaluation_status: e.status,
    model_input: e.modelInput,
    model_output: e.modelOutput,
    run_mode: e.runMode,
    created_at: iso(e.createdAt),
    error_message: e.errorMessage,
    evaluation_result: e.result,
    evaluation_total_cost: e.cost,
    guardrail_metrics: e.guardrailMetrics,
    nametag: e.nametag,
    progress: e.progress,
  };
}

/** `GET /monitor/{id}`: the monitor, its counts by status, its latest evaluations and its files. */
export function evalMonitorDetailRecord(
  m: EvalMonitor,
  counts: Record<string, number>,
  evaluations: readonly Evaluation[],
  files: readonly EvalFile[],
): EvalMonitorDetail {
  const count = (s: string) => counts[s] ?? 0;
  return {
    monitor_id: m.id,
    name: m.name,
    description: m.description,
    status: m.status,
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
    stats: {
      total_evaluations: Object.values(counts).reduce((a, b) => a + b, 0),
      completed_evaluations: count('completed'),
      failed_evaluations: count('failed'),
      queued_evaluations: count('queued'),
      in_progress_evaluations: count('in_progress'),
      canceled_evaluations: count('canceled'),
    },
    evaluations: evaluations.map(evaluationSummaryRecord),
    capabilities: capabilitiesOf(m.settings),
    files: files.map(fileRecord),
    guardrail_metrics: m.settings.guardrailMetrics,
    thresholds: m.settings.thresholds,
    webhook: m.settings.webhook,
  };
}

/** `MonitorEventDetailResponse`: every documented field (api.md §7.3). */
export function evaluationDetailRecord(e: Evaluation, monitor: EvalMonitor, files: readonly EvalFile[]): EvaluationDetail {
  return {
    event_id: e.id,
    monitor_id: e.monitorId,
    timestamp: iso(e.createdAt),
    status: e.status,
    model_input: e.modelInput,
    model_output: e.modelOutput,
    eval_time: e.evalTime,
    run_mode: e.runMode,
    nametag: e.nametag,
    evaluation_result: e.status === 'completed' ? e.result : null,
    guardrail_metrics: e.guardrailMetrics,
    capabilities: capabilitiesOf(monitor.settings),
    files: files.map(fileRecord),
    progress: e.progress,
    error_message: e.errorMessage,
    evaluation_total_cost: e.cost,
  };
}

// ── API keys ─────────────────────────────────────────────────────────────────────────────────

/** A key as `/v1/keys` lists it (never its secret); `current` marks the key making the request. */
export function keyRecord(key: ApiKey, currentId: string): KeyView {
  return {
    key_id: key.id,
    prefix: key.prefix,
    name: key.name,
    created_at: iso(key.createdAt),
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
    current: key.id === currentId,
  };
}

/** A newly minted key: its secret is shown in this one response. */
export function createdKeyRecord(key: string, apiKey: ApiKey): CreatedKey {
  return { key_id: apiKey.id, key, prefix: apiKey.prefix, name: apiKey.name, created_at: iso(apiKey.createdAt) };
}

import type { FieldBasis } from './event.js';
import type { FindAllSpec } from './findall-spec.js';

/**
 * Glossary. A *FindAll run* discovers entities that satisfy an objective's match conditions
 * (api.md §6): research generates *candidates*, judges each against every condition (matched iff
 * all match), and enriches matched ones on request. Every status change and candidate transition
 * is appended to the run's own event log, which the SSE stream and webhooks report.
 */
export type FindAllStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelling' | 'cancelled';
export type FindAllGenerator = 'base' | 'core' | 'pro' | 'preview';
export type TerminationReason = 'match_limit_met' | 'candidates_exhausted' | 'low_match_rate' | 'user_cancelled' | 'error_occurred' | 'timeout';
export type MatchStatus = 'generated' | 'matched' | 'unmatched' | 'discarded';
/** What a worker still has to do for a run: everything (`run`), or only enrichments of matched candidates. */
export type FindAllWork = 'run' | 'enrich';

/** An enrichment asked for with `POST …/enrich` (`FindAllEnrichInput`). */
export interface EnrichInput {
  output_schema: { type?: 'json'; json_schema: Record<string, unknown> };
  processor?: string;
  mcp_servers?: unknown[] | null;
}

/** A run's webhook (`findall.*` event types, api.md §6.7). */
export interface FindAllWebhook { url: string; event_types?: string[] }

/** A FindAll run as the engine and the API see it. Times are epoch milliseconds. */
export interface FindAllRun {
  id: string;
  accountId: string;
  status: FindAllStatus;
  generator: FindAllGenerator;
  spec: FindAllSpec;
  matchLimit: number;
  enrichments: EnrichInput[];
  metadata: Record<string, string | number | boolean> | null;
  webhook: FindAllWebhook | null;
  terminationReason: TerminationReason | null;
  error: string | null;
  /** Caveats of how the run was researched (e.g. no model configured: it ran as lite). */
  warnings: string[];
  generatedCount: number;
  matchedCount: number;
  work: FindAllWork | null;
  attempts: number;
  createdAt: number;
  modifiedAt: number;
}

/** A candidate of a run, as stored. */
export interface FindAllCandidate {
  id: string;
  runId: string;
  ordinal: number;
  key: string;
  name: string;
  url: string;
  description: string | null;
  matchStatus: MatchStatus;
  output: Record<string, unknown> | null;
  basis: FieldBasis[] | null;
  enrichmentsDone: number;
}

/** Statuses after which a run never changes status again (extend and enrich aside, api.md §6.4). */
export const TERMINAL: ReadonlySet<FindAllStatus> = new Set(['completed', 'failed', 'cancelled']);

/** How many candidates the preview generator evaluates at most (api.md §6.2). */
export const PREVIEW_CANDIDATES = 10;

/**
 * `is_active`: queued or running, or a finished run whose enrichment is still going on. A
 * cancelling run is active until its in-flight work is done.
 */
export const isRunActive = (run: Pick<FindAllRun, 'status' | 'work'>): boolean => run.work !== null || !TERMINAL.has(run.status);

const iso = (ms: number) => new Date(ms).toISOString();

/** A run in its wire shape (`FindAllRun`, api.md §6.3): responses, `findall.status` events and run webhooks. */
export function findAllRunRecord(run: FindAllRun) {
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
export function candidateRecord(c: FindAllCandidate) {
  return {
    candidate_id: c.id, name: c.name, url: c.url, description: c.description, match_status: c.matchStatus,
    output: c.output, basis: c.basis,
  };
}

/** The run's schema in its wire shape (`FindAllSchema`). */
export function schemaRecord(run: FindAllRun) {
  return {
    objective: run.spec.objective, entity_type: run.spec.entity_type, match_conditions: run.spec.match_conditions,
    generator: run.generator, match_limit: run.matchLimit, enrichments: run.enrichments.length > 0 ? run.enrichments : null,
  };
}

/** One entry of a run's event log, as the stream sends it (`event_id` is the position in 13 hex digits). */
export interface FindAllLogEntry { seq: number; type: string; body: string; createdAt: number }

/** A log position as an SSE `event_id`: 13 hex digits, ordered as the log is (api.md §1.5). */
export const eventIdOf = (seq: number): string => seq.toString(16).padStart(13, '0');

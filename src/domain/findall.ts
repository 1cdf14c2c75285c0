import type { Static } from 'typebox';
import type { FieldBasis } from './event.js';
import type {
  Enrichment,
  FindAllGenerator as Generator,
  FindAllStatus as Status,
  FindAllWebhook,
  MatchStatus as CandidateStatus,
  TerminationReason as Reason,
} from './findall-schemas.js';
import type { FindAllSpec } from './findall-spec.js';

export type { FindAllWebhook } from './findall-schemas.js';

/**
 * Glossary. A *FindAll run* discovers entities that satisfy an objective's match conditions
 * (api.md §6): research generates *candidates*, judges each against every condition (matched iff
 * all match), and enriches matched ones on request. Every status change and candidate transition
 * is appended to the run's own event log, which the SSE stream and webhooks report.
 */
export type FindAllStatus = Static<typeof Status>;
export type FindAllGenerator = Static<typeof Generator>;
export type TerminationReason = Static<typeof Reason>;
export type MatchStatus = Static<typeof CandidateStatus>;
/** What a worker still has to do for a run: everything (`run`), or only enrichments of matched candidates. */
export type FindAllWork = 'run' | 'enrich';

/** An enrichment asked for with `POST …/enrich` (`FindAllEnrichInput`), as checked and kept. */
export type EnrichInput = Enrichment;

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

/** One entry of a run's event log, as the stream sends it (`event_id` is the position in 13 hex digits). */
export interface FindAllLogEntry {
  seq: number;
  type: string;
  body: string;
  createdAt: number;
}

/** A log position as an SSE `event_id`: 13 hex digits, ordered as the log is (api.md §1.5). */
export const eventIdOf = (seq: number): string => seq.toString(16).padStart(13, '0');

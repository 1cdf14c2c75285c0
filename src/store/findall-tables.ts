import type { Generated } from 'kysely';

/** Row types of the FindAll tables (migration 0014). */
export interface FindAllRunTable {
  id: string;
  account_id: string;
  status: string;
  generator: string;
  /** JSON: objective, entity_type, match_conditions, exclude_list, sources. */
  spec: string;
  match_limit: number;
  /** JSON: the enrichments asked for, in order (`FindAllEnrichInput[]`). */
  enrichments: string;
  metadata: string | null;
  webhook: string | null;
  termination_reason: string | null;
  error: string | null;
  /** JSON: the run's warning messages (migration 0018); null when it has none. */
  warnings: string | null;
  generated_count: number;
  matched_count: number;
  /** What a worker still has to do (`run` or `enrich`); null when nothing, and then the run holds no lease. */
  work: string | null;
  attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  modified_at: number;
}

export interface FindAllCandidateTable {
  id: string;
  run_id: string;
  /** Generation order within the run, from 1. */
  ordinal: number;
  /** The seed's stable key (`CandidateSeed.key`): a resumed generation skips keys already stored. */
  seed_key: string;
  name: string;
  url: string;
  description: string | null;
  match_status: string;
  output: string | null;
  basis: string | null;
  /** How many of the run's enrichments this candidate has had (they run in order). */
  enrichments_done: number;
  created_at: number;
  modified_at: number;
}

export interface FindAllEventTable {
  /** Log position: per run, commits happen in position order (appends lock the run's row first). */
  seq: Generated<number>;
  run_id: string;
  type: string;
  /** The SSE event's `data`, fixed once appended. */
  body: string;
  created_at: number;
}

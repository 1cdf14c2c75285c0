// The seam between a FindAll run (engine/, commands/) and the research that does its work
// (api.md §6). The run owns leasing, persistence, events and the stream; research only reads the
// web through the context it is given and returns plain values, never touching the store. `lite`
// implements it deterministically (research/findall/lite*.ts); a model-backed generator and judge
// (issue 17) implement the same interfaces.
import type { FieldBasis } from '../../domain/event.js';
import type { OutputSpec } from '../../domain/task.js';
import type { OutboundClient } from '../../outbound/http.js';
import type { UsageMeter } from '../model-usage.js';
import type { SourceParser } from '../isolate/parse-pool.js';
import type { FindAllSpec, IngestedSchema, MatchCondition } from '../../domain/findall-spec.js';

export type { FindAllSpec, IngestedSchema, MatchCondition };

/** What research may use while it works for one run. */
export interface ResearchContext {
  /** The one way out of the process (address guard, politeness, caps). */
  readonly http: OutboundClient;
  /** Parses fetched bodies off the event loop. */
  readonly parser: SourceParser;
  /** Aborted when the run is cancelled, times out, loses its lease or the process stops. */
  readonly signal: AbortSignal;
  readonly clock: () => number;
  /** When the work runs out of time (epoch ms): model calls never wait past it. Absent: a model call's own timeout. */
  readonly deadline?: number;
  /** Where model-backed research counts the tokens it spends; the run commits them with its steps. */
  readonly usage?: UsageMeter;
}

/** An entity found, before it is judged. `key` is stable across re-runs of generation (canonical URL, else normalised name). */
export interface CandidateSeed {
  key: string;
  name: string;
  url: string;
  description: string | null;
}

/** One condition's verdict: `output[name]` on the wire. */
export interface ConditionVerdict {
  value: string;
  type: 'match_condition';
  is_matched: boolean;
}

/** A judged candidate: matched iff every condition matched; `basis` cites the passages that decided. */
export interface Judgement {
  output: Record<string, ConditionVerdict>;
  basis: FieldBasis[];
  matched: boolean;
}

/** An enrichment's fields for one matched candidate (`type: "enrichment"` on the wire). */
export interface Enrichment {
  output: Record<string, { value: string; type: 'enrichment' }>;
  basis: FieldBasis[];
}

/** Turns a plain-language objective into an entity type and match conditions (`POST …/ingest`). */
export interface Ingestor {
  ingest(objective: string): IngestedSchema | Promise<IngestedSchema>;
}

/**
 * Finds candidates in a deterministic order. Generation may be called again after a crash: it must
 * yield the same seeds with the same keys so the run can skip those it already stored.
 */
export interface Generator {
  generate(spec: FindAllSpec, ctx: ResearchContext): AsyncIterable<CandidateSeed>;
}

/** Judges one candidate against every condition from evidence on the candidate's own pages. */
export interface Judge {
  judge(seed: CandidateSeed, spec: FindAllSpec, ctx: ResearchContext): Promise<Judgement>;
}

/** Fills an enrichment's output schema for one matched candidate. */
export interface Enricher {
  enrich(seed: CandidateSeed, outputSchema: OutputSpec, ctx: ResearchContext): Promise<Enrichment>;
}

/** Everything a FindAll run needs from research, chosen by generator (`preview`, `base`, `core`, `pro`). */
export interface FindAllResearch extends Ingestor, Generator, Judge, Enricher {}

import type { Outcome, TaskOutput } from '../../domain/event.js';
import type { Monitor } from '../../domain/monitor.js';
import type { SourceCheck } from '../../domain/source-health.js';
import type { OutboundClient } from '../../outbound/http.js';
import type { SourceParser } from '../isolate/parse-pool.js';
import type { ModelClient, ModelUsage } from '../model.js';
import type { SearchClient } from '../search.js';

/** What a processor may use while it runs one execution of a monitor. */
export interface ProcessorContext {
  readonly monitor: Monitor;
  /** True for the execution queued at creation: it records what exists rather than reporting it all. */
  readonly isFirstExecution: boolean;
  /**
   * The one way out of the process (address guard, timeouts, size caps), made polite for this
   * execution: conditional GET, reuse and coalescing, per-host limits, Retry-After and retries.
   */
  readonly http: OutboundClient;
  /** Where fetched bodies are parsed: off the event loop, within a time and memory budget per body. */
  readonly parser: SourceParser;
  /** When the execution runs out of time (epoch ms, real time); `signal` aborts then. */
  readonly deadline: number;
  readonly clock: () => number;
  /** Aborted when the execution runs out of time or the process stops. */
  readonly signal: AbortSignal;
  /** Which of these item keys this monitor has seen in earlier executions. */
  seen(keys: string[]): Promise<Set<string>>;
  /** The configured model server (VIGIL_LLM_*), if any: `base` and up judge and write with it. */
  readonly model?: ModelClient;
  /** The configured web search (VIGIL_SEARCH_URL), if any: the sources of a query that names none. */
  readonly search?: SearchClient;
  /** SimHashes (16 hex digits) of the items this monitor saw most recently, for near-duplicate detection. */
  fingerprints?(): Promise<string[]>;
}

/** What an execution produced: its one outcome, and the state to commit with it. */
export interface ProcessorResult {
  outcome: Outcome;
  /** Item keys to remember as seen, committed in the outcome's transaction. */
  seenKeys: string[];
  /** A snapshot monitor's new latest snapshot, committed in the outcome's transaction. */
  latestSnapshot?: TaskOutput;
  /** Near-duplicate fingerprints of newly seen items, committed in the outcome's transaction. */
  fingerprints?: { key: string; simhash: string }[];
  /** Model tokens spent, committed with the outcome (absent when no model was asked). */
  modelUsage?: ModelUsage;
  /** How each source fared, for its health record (committed with the outcome); none when no source was read. */
  sourceChecks?: SourceCheck[];
}

/**
 * The seam every way of researching plugs into (feed watching, page watching, snapshot re-runs,
 * the LLM-backed `base` processor): fetch what the monitor watches, detect what is new, and
 * return events. The engine owns leasing and the transaction; a processor never writes the store.
 */
export interface Processor {
  run(ctx: ProcessorContext): Promise<ProcessorResult>;
}

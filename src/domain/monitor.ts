import type { TaskOutput } from './event.js';
import type { SourcePolicy } from './source-policy.js';
import type { OutputSpec } from './task.js';

/**
 * Glossary. A *monitor* watches the web on a schedule. Each run of it is an *execution*
 * (an "event group" on the wire) that ends in exactly one *outcome*: one or more events,
 * a completion (nothing new), or an error. Outcomes are appended to the *event log*.
 */
export type MonitorType = 'event_stream' | 'snapshot';
export type MonitorStatus = 'active' | 'cancelled';
/** A processor name (domain/research-tiers.ts): `lite`, `base`, `core`, `pro`, `ultra`… and their `-fast` variants. */
export type Processor = string;

export const WEBHOOK_EVENT_TYPES = [
  'monitor.event.detected',
  'monitor.execution.completed',
  'monitor.execution.failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface JsonSchemaSpec { type?: 'json'; json_schema: Record<string, unknown> }
export type { SourcePolicy } from './source-policy.js';
export interface AdvancedSettings { location?: string | null; source_policy?: SourcePolicy | null }

/** Vigil's precise item filter for `event_stream` monitors, applied with the query's terms. */
export interface MatchSettings { any?: string[]; all?: string[]; none?: string[]; regex?: string }

/** `event_stream` settings, in their wire shape; `sources` and `match` are Vigil's extensions. */
export interface EventStreamSettings {
  query: string;
  output_schema?: JsonSchemaSpec | null;
  include_backfill?: boolean | null;
  advanced_settings?: AdvancedSettings | null;
  sources?: string[];
  match?: MatchSettings | null;
  /** Noise control (Vigil extension): a failure every source repeats is a completion with warnings (default) or an error each time. */
  repeated_failures?: RepeatedFailures;
}

/** What an execution whose every source repeats its last failure records. */
export type RepeatedFailures = 'warning' | 'error';

/** `snapshot` settings: the wire fields, and the baseline task each execution re-runs. */
export interface SnapshotSettings {
  task_run_id: string;
  query: string;
  output_schema?: JsonSchemaSpec | null;
  /** Vigil's own record of what to re-run (never on the wire): the baseline run's input and output spec. */
  task: { input: string | Record<string, unknown>; output_spec: OutputSpec; source_policy?: SourcePolicy | null };
}

export interface MonitorWebhook { url: string; event_types?: WebhookEventType[] }

/** The deprecated schedule names of the legacy API (api.md §4.2) and the frequency each stands for. */
export const CADENCE_FREQUENCIES = { hourly: '1h', daily: '1d', weekly: '1w', every_two_weeks: '2w' } as const;
export type Cadence = keyof typeof CADENCE_FREQUENCIES;

/** A monitor as the engine and the API see it. Times are epoch milliseconds. */
export interface Monitor {
  id: string;
  accountId: string;
  type: MonitorType;
  status: MonitorStatus;
  frequency: string;
  frequencySeconds: number;
  processor: Processor;
  settings: EventStreamSettings | SnapshotSettings;
  webhook: MonitorWebhook | null;
  metadata: Record<string, string> | null;
  memoryScopeKey: string | null;
  output: { latest_snapshot?: TaskOutput | null } | null;
  createdAt: number;
  updatedAt: number;
  lastRunAt: number | null;
  nextRunAt: number | null;
  /** The legacy cadence the monitor was created or last updated with (v1alpha only); absent means none. */
  cadence?: Cadence | null;
}

/** Parallel's own frequency range (api.md §2.10), always accepted whatever the configured minimum. */
export const PARALLEL_MIN_FREQUENCY_SECONDS = 3600;
export const MAX_FREQUENCY_SECONDS = 30 * 86_400;

/** Metadata limits (api.md §2.11). */
export const METADATA_MAX_KEY_LENGTH = 16;
export const METADATA_MAX_VALUE_LENGTH = 512;

/** A create request, in its wire shape (validated for shape by the API schema). */
export interface CreateMonitorInput {
  type: MonitorType;
  frequency: string;
  settings: Record<string, unknown>;
  processor?: Processor;
  webhook?: MonitorWebhook | null;
  metadata?: Record<string, string> | null;
  memory_scope_key?: string | null;
  /** The legacy cadence `frequency` was derived from (v1alpha requests only). */
  cadence?: Cadence | null;
}

/** An update request, in its wire shape: absent fields stay, `null` clears where allowed. */
export interface UpdateMonitorInput {
  type?: MonitorType;
  frequency?: string;
  processor?: Processor;
  webhook?: MonitorWebhook | null;
  metadata?: Record<string, string> | null;
  settings?: { query?: string; advanced_settings?: AdvancedSettings | null; match?: MatchSettings | null; repeated_failures?: RepeatedFailures };
  /** The legacy cadence `frequency` was derived from; null when a plain frequency replaces it (v1alpha requests only). */
  cadence?: Cadence | null;
}

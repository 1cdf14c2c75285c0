import type { Static } from 'typebox';
import type { TaskOutput } from './event.js';
import type {
  CreateMonitorBody,
  EventStreamSettings,
  MonitorStatus,
  MonitorType,
  MonitorWebhook,
  SnapshotSettings as SnapshotSettingsWire,
  UpdateMonitorBody,
} from './monitor-schemas.js';
import type { SourcePolicy } from './source-policy.js';
import type { OutputSpec } from './task.js';

/**
 * Glossary. A *monitor* watches the web on a schedule. Each run of it is an *execution*
 * (an "event group" on the wire) that ends in exactly one *outcome*: one or more events,
 * a completion (nothing new), or an error. Outcomes are appended to the *event log*.
 * Wire shapes are the schemas' types (monitor-schemas.ts); this file adds what only Vigil keeps.
 */
export type {
  AdvancedSettings,
  EventStreamSettings,
  JsonSchemaSpec,
  MatchSettings,
  MonitorStatus,
  MonitorType,
  MonitorWebhook,
  RepeatedFailures,
  SourcePolicy,
  WebhookEventType,
} from './monitor-schemas.js';
export { WEBHOOK_EVENT_TYPES } from './monitor-schemas.js';
/** A processor name (domain/research-tiers.ts): `lite`, `base`, `core`, `pro`, `ultra`… and their `-fast` variants. */
export type Processor = string;

/** `snapshot` settings: the wire fields, and Vigil's own record of what to re-run (never on the wire): the baseline run's input and output spec. */
export type SnapshotSettings = Static<typeof SnapshotSettingsWire> & {
  task: { input: string | Record<string, unknown>; output_spec: OutputSpec; source_policy?: SourcePolicy | null };
};

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

/** A create request in its wire shape; `cadence` is the legacy name `frequency` was derived from (v1alpha requests only). */
export type CreateMonitorInput = CreateMonitorBody & { cadence?: Cadence | null };

/**
 * An update request in its wire shape: absent fields stay, `null` clears where allowed. `cadence` is
 * the legacy name `frequency` was derived from; null when a plain frequency replaces it (v1alpha only).
 */
export type UpdateMonitorInput = UpdateMonitorBody & { cadence?: Cadence | null };

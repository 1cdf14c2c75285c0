import { Type, type Static } from 'typebox';
import { Nullable } from './schema-types.js';
import { REQUEST_LIMITS } from './request-limits.js';
import { PROCESSOR_NAMES } from './research-tiers.js';
import { SourcePolicy } from './source-policy.js';
import { TaskOutput } from './task-schemas.js';

export { SourcePolicy };

/**
 * Wire schemas of the Monitor API v1 (api.md §2). Request schemas validate and strip unknown
 * fields (additionalProperties: false with Fastify's removeAdditional); response schemas document.
 */
const closed = { additionalProperties: false } as const;

export const MonitorType = Type.Union([Type.Literal('event_stream'), Type.Literal('snapshot')]);
export const MonitorStatus = Type.Union([Type.Literal('active'), Type.Literal('cancelled')]);
export const ProcessorName = Type.Unsafe<string>({ type: 'string', enum: [...PROCESSOR_NAMES] });
export type MonitorType = Static<typeof MonitorType>;
export type MonitorStatus = Static<typeof MonitorStatus>;
export const WebhookEventType = Type.Union([
  Type.Literal('monitor.event.detected'),
  Type.Literal('monitor.execution.completed'),
  Type.Literal('monitor.execution.failed'),
]);
export type WebhookEventType = Static<typeof WebhookEventType>;
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = WebhookEventType.anyOf.map((t) => t.const);

export const JsonSchemaSpec = Type.Object(
  {
    type: Type.Optional(Type.Literal('json')),
    json_schema: Type.Record(Type.String(), Type.Unknown()),
  },
  closed,
);

export const AdvancedSettings = Type.Object(
  {
    location: Type.Optional(Nullable(Type.String())),
    source_policy: Type.Optional(Nullable(SourcePolicy)),
  },
  closed,
);
export type JsonSchemaSpec = Static<typeof JsonSchemaSpec>;
export type AdvancedSettings = Static<typeof AdvancedSettings>;

/** Vigil extension: a precise item filter, applied with the query's terms (README, "Matching"). */
export const MatchSettings = Type.Object(
  {
    any: Type.Optional(Type.Array(Type.String(), { description: 'at least one of these phrases occurs' })),
    all: Type.Optional(Type.Array(Type.String(), { description: 'every one of these phrases occurs' })),
    none: Type.Optional(Type.Array(Type.String(), { description: 'none of these phrases occurs' })),
    // Not nullable: with type coercion on, an empty string would turn into null and pass unnoticed.
    regex: Type.Optional(Type.String({ description: 'a JavaScript regular expression, case-insensitive, that matches' })),
  },
  closed,
);

/** Vigil extension: what an execution whose every source repeats its last failure records (README, "Errors and noise control"). */
export const RepeatedFailures = Type.Union([Type.Literal('warning'), Type.Literal('error')], {
  description: "'warning' (default): a completion carrying warnings, reported once; 'error': an error event every time",
});
export type MatchSettings = Static<typeof MatchSettings>;
export type RepeatedFailures = Static<typeof RepeatedFailures>;

export const Webhook = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: REQUEST_LIMITS.urlChars }),
    event_types: Type.Optional(Type.Array(WebhookEventType)),
  },
  closed,
);

export type MonitorWebhook = Static<typeof Webhook>;

export const Metadata = Type.Record(Type.String(), Type.String());

const Sources = Type.Array(Type.String({ maxLength: REQUEST_LIMITS.urlChars }), {
  maxItems: REQUEST_LIMITS.sources,
  description: 'Vigil extension: URLs of feeds, pages or JSON endpoints to watch',
});

/** `event_stream` settings, in their wire shape; `sources`, `match` and `repeated_failures` are Vigil's extensions. */
export const EventStreamSettings = Type.Object({
  query: Type.String(),
  output_schema: Type.Optional(Nullable(JsonSchemaSpec)),
  include_backfill: Type.Optional(Nullable(Type.Boolean())),
  advanced_settings: Type.Optional(Nullable(AdvancedSettings)),
  sources: Type.Optional(Sources),
  match: Type.Optional(Nullable(MatchSettings)),
  repeated_failures: Type.Optional(RepeatedFailures),
});
export type EventStreamSettings = Static<typeof EventStreamSettings>;

/** `snapshot` settings as the wire shows them: the baseline task run and what was made of it. */
export const SnapshotSettings = Type.Object({ task_run_id: Type.String(), query: Type.String(), output_schema: Type.Optional(Nullable(JsonSchemaSpec)) });

/** Either type's settings. Written as a plain object, so that a field added to either is never dropped by the serialiser. */
const MonitorSettings = Type.Unsafe<EventStreamSettings | Static<typeof SnapshotSettings>>(
  Type.Record(Type.String(), Type.Unknown(), { description: 'EventStreamSettings or SnapshotSettings, by type' }),
);

/** Settings of either monitor type; which fields are required depends on `type` and is checked by the command. */
export const CreateSettings = Type.Object(
  {
    query: Type.Optional(Type.String()),
    output_schema: Type.Optional(Nullable(JsonSchemaSpec)),
    include_backfill: Type.Optional(Nullable(Type.Boolean())),
    advanced_settings: Type.Optional(Nullable(AdvancedSettings)),
    sources: Type.Optional(Sources),
    match: Type.Optional(Nullable(MatchSettings)),
    repeated_failures: Type.Optional(RepeatedFailures),
    task_run_id: Type.Optional(Type.String()),
  },
  closed,
);

export const CreateMonitorBody = Type.Object(
  {
    type: MonitorType,
    frequency: Type.String({ description: '<n><unit>: h, d or w from 1h to 30d; s or m down to VIGIL_MIN_FREQUENCY' }),
    settings: CreateSettings,
    processor: Type.Optional(ProcessorName),
    webhook: Type.Optional(Nullable(Webhook)),
    metadata: Type.Optional(Nullable(Metadata)),
    memory_scope_key: Type.Optional(Nullable(Type.String())),
  },
  closed,
);

export const UpdateMonitorBody = Type.Object(
  {
    type: Type.Optional(MonitorType),
    frequency: Type.Optional(Type.String()),
    processor: Type.Optional(ProcessorName),
    webhook: Type.Optional(Nullable(Webhook)),
    metadata: Type.Optional(Nullable(Metadata)),
    settings: Type.Optional(
      Type.Object(
        {
          query: Type.Optional(Type.String()),
          advanced_settings: Type.Optional(Nullable(AdvancedSettings)),
          match: Type.Optional(Nullable(MatchSettings)),
          repeated_failures: Type.Optional(RepeatedFailures),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const MonitorParams = Type.Object({ monitor_id: Type.String() });

export const ListMonitorsQuery = Type.Object({
  cursor: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
  status: Type.Optional(Type.Array(MonitorStatus)),
  type: Type.Optional(Type.Array(MonitorType)),
});

export const ListEventsQuery = Type.Object({
  cursor: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  include_completions: Type.Boolean({ default: false }),
  event_group_id: Type.Optional(Type.String()),
});

export const MonitorResponse = Type.Object({
  monitor_id: Type.String(),
  type: MonitorType,
  status: MonitorStatus,
  frequency: Type.String(),
  processor: ProcessorName,
  created_at: Type.String({ format: 'date-time' }),
  settings: MonitorSettings,
  last_run_at: Nullable(Type.String({ format: 'date-time' })),
  metadata: Nullable(Metadata),
  webhook: Nullable(Webhook),
  output: Nullable(Type.Object({ latest_snapshot: Type.Optional(Nullable(TaskOutput)) })),
  memory_scope_key: Type.Optional(Nullable(Type.String())),
});

export const MonitorEvent = Type.Object({
  event_type: Type.Union([Type.Literal('event_stream'), Type.Literal('snapshot'), Type.Literal('completion'), Type.Literal('error')]),
  event_id: Type.String({ description: 'Stable id; on completion and error events a Vigil addition' }),
  event_group_id: Type.String({ description: 'The execution; on completion and error events a Vigil addition' }),
  monitor_group_id: Type.Optional(Type.String({ description: 'The execution, by its May 2026 name (detected events)' })),
  event_date: Type.Optional(Nullable(Type.String())),
  output: Type.Optional(TaskOutput),
  changed_output: Type.Optional(TaskOutput),
  previous_output: Type.Optional(TaskOutput),
  error_message: Type.Optional(Type.String()),
  timestamp: Type.Optional(Type.String({ format: 'date-time' })),
  warnings: Type.Optional(Type.Array(Type.String(), { description: 'Sources that failed in this execution (additive)' })),
});

export const MonitorList = Type.Object({ monitors: Type.Array(MonitorResponse), next_cursor: Nullable(Type.String()) });
export const EventList = Type.Object({
  events: Type.Array(MonitorEvent),
  next_cursor: Nullable(Type.String()),
  warnings: Type.Optional(
    Nullable(
      Type.Array(
        Type.Object({
          type: Type.String({ description: "'warning': a source failed while the execution still ended (others worked, or the failure was already reported)" }),
          message: Type.String(),
          detail: Type.Optional(Nullable(Type.Object({ event_group_id: Type.String() }))),
        }),
        { description: "Caveats of this page's executions: one per warning of each execution on the page (its events carry them too)" },
      ),
    ),
  ),
});

export const ErrorResponse = Type.Object({
  type: Type.Literal('error'),
  error: Type.Object({ ref_id: Type.String(), message: Type.String(), detail: Nullable(Type.Unknown()) }),
});

const Time = Nullable(Type.String({ format: 'date-time' }));

/** One source's health record (additive endpoint `GET /v1/monitors/{monitor_id}/sources`). */
export const SourceRecord = Type.Object({
  source: Type.String({ description: 'the source as the monitor names it: a URL, or a domain of source_policy.include_domains' }),
  url: Nullable(Type.String({ description: 'the URL last fetched for it' })),
  status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
  consecutive_failures: Type.Integer({ minimum: 0 }),
  last_success_at: Time,
  last_error: Nullable(Type.String()),
  last_error_at: Time,
  last_checked_at: Type.String({ format: 'date-time' }),
});
export const SourceList = Type.Object({ sources: Type.Array(SourceRecord) });

export type CreateMonitorBody = Static<typeof CreateMonitorBody>;
export type UpdateMonitorBody = Static<typeof UpdateMonitorBody>;
export type MonitorResponse = Static<typeof MonitorResponse>;
export type MonitorEvent = Static<typeof MonitorEvent>;
export type EventList = Static<typeof EventList>;
export type SourceRecord = Static<typeof SourceRecord>;

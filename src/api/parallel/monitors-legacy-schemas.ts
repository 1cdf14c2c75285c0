import { Nullable } from '../../domain/schema-types.js';
import { Type, type Static } from 'typebox';
import { JsonSchemaSpec, Metadata, SourcePolicy, Webhook } from '../../domain/monitor-schemas.js';

/**
 * Wire schemas of the legacy Monitor API (`/v1alpha/monitors`, api.md §4 and
 * openapi/parallel-legacy.json). Requests reuse the v1 pieces they share (webhook, metadata,
 * source policy, output schema); responses document the legacy shapes.
 */
const closed = { additionalProperties: false } as const;
/** Null first: Fastify coerces types, and a null tried against a string branch first would become "". */
const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);

export const LegacyCadence = Type.Enum(['daily', 'weekly', 'hourly', 'every_two_weeks'], {
  description: "Deprecated: use 'frequency' (daily = 1d, weekly = 1w, hourly = 1h, every_two_weeks = 2w)",
});

/**
 * Both create shapes in one object: `V0CreateMonitorRequest` (frequency) and the deprecated
 * `DeprecatedCreateMonitorRequest` (cadence). One of the two is required, which the handler checks
 * (an anyOf of two closed objects would make Fastify strip the fields of the branch it tried first).
 */
export const LegacyCreateBody = Type.Object(
  {
    query: Type.String({ minLength: 1 }),
    frequency: Type.Optional(Type.String({ description: '<n><unit>: h, d or w from 1h to 30d' })),
    cadence: Type.Optional(LegacyCadence),
    webhook: Type.Optional(OrNull(Webhook)),
    metadata: Type.Optional(OrNull(Metadata)),
    output_schema: Type.Optional(OrNull(JsonSchemaSpec)),
    include_backfill: Type.Optional(Type.Boolean({ default: false })),
    source_policy: Type.Optional(OrNull(SourcePolicy)),
  },
  closed,
);

/** `V0UpdateMonitorRequest`: every field optional and nullable; null means "unchanged"; one must be non-null. */
export const LegacyUpdateBody = Type.Object(
  {
    query: Type.Optional(OrNull(Type.String())),
    cadence: Type.Optional(OrNull(LegacyCadence)),
    frequency: Type.Optional(OrNull(Type.String())),
    webhook: Type.Optional(OrNull(Webhook)),
    metadata: Type.Optional(OrNull(Metadata)),
    source_policy: Type.Optional(OrNull(SourcePolicy)),
  },
  closed,
);

export const LegacyMonitorParams = Type.Object({ monitor_id: Type.String() });
export const LegacyEventGroupParams = Type.Object({ monitor_id: Type.String(), event_group_id: Type.String() });

export const LegacyListQuery = Type.Object({
  monitor_id: Type.Optional(Type.String({ description: 'Start the list at this id (inclusive), in lexicographic order' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default: all monitors' })),
});

export const LegacyPageQuery = Type.Object({
  cursor: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
});

export const LegacyEventsQuery = Type.Object({
  lookback_period: Type.String({ default: '10d', description: '<n>d or <n>w, at least 1d' }),
});

export const SimulateQuery = Type.Object({
  event_type: Type.Enum(['monitor.event.detected', 'monitor.execution.completed', 'monitor.execution.failed'], {
    default: 'monitor.event.detected',
  }),
});

export const LegacyMonitorResponse = Type.Object({
  monitor_id: Type.String(),
  query: Type.String(),
  status: Type.Enum(['active', 'canceled']),
  frequency: Type.String(),
  cadence: Type.Optional(Nullable(LegacyCadence)),
  metadata: Type.Optional(Nullable(Metadata)),
  webhook: Type.Optional(Nullable(Webhook)),
  output_schema: Type.Optional(Nullable(JsonSchemaSpec)),
  source_policy: Type.Optional(Nullable(SourcePolicy)),
  created_at: Type.String({ format: 'date-time' }),
  last_run_at: Type.Optional(Nullable(Type.String())),
  include_backfill: Type.Optional(Nullable(Type.Boolean())),
});

export const LegacyMonitorArray = Type.Array(LegacyMonitorResponse);
export const LegacyMonitorPage = Type.Object({ data: Type.Array(LegacyMonitorResponse), next_cursor: Type.Optional(Nullable(Type.String())) });

const LegacyEventDetail = Type.Object({
  type: Type.Literal('event'),
  event_group_id: Type.String(),
  output: Type.String({ description: 'Deprecated: the text form of result' }),
  event_date: Type.Optional(Nullable(Type.String())),
  source_urls: Type.Array(Type.String()),
  result: Type.Union([
    Type.Object({ type: Type.Literal('text'), content: Type.String() }),
    Type.Object({ type: Type.Literal('json'), content: Type.Record(Type.String(), Type.Unknown()) }),
  ]),
});
const LegacyExecutionError = Type.Object({
  type: Type.Literal('error'),
  error: Type.String(),
  id: Type.String(),
  date: Type.String({ format: 'date-time' }),
});
const LegacyCompletion = Type.Object({ type: Type.Literal('completion'), monitor_ts: Type.String() });

export const LegacyEventList = Type.Object({ events: Type.Array(Type.Union([LegacyEventDetail, LegacyExecutionError, LegacyCompletion])) });

export type LegacyCreateBody = Static<typeof LegacyCreateBody>;
export type LegacyUpdateBody = Static<typeof LegacyUpdateBody>;
export type LegacyEvent = Static<typeof LegacyEventDetail> | Static<typeof LegacyExecutionError> | Static<typeof LegacyCompletion>;

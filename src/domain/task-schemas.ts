import { Type, type Static } from 'typebox';
import { Nullable, StringEnum } from './schema-types.js';
import { REQUEST_LIMITS } from './request-limits.js';
import { SourcePolicy } from './source-policy.js';

/**
 * Wire schemas of the Task API subset (api.md §5). Request schemas validate shapes and strip unknown
 * fields; the output schema's own rules (its four forms and documented limits) are checked by the
 * command, so that each problem is named in the 422.
 */
const closed = { additionalProperties: false } as const;

const TaskSpec = Type.Object(
  {
    output_schema: Type.Unknown({ description: 'A JSON schema ({type:"json", json_schema}), a text schema, an auto schema, or a string (a text schema)' }),
    input_schema: Type.Optional(Type.Unknown()),
  },
  closed,
);

const TaskWebhook = Type.Object(
  {
    url: Type.String({ maxLength: REQUEST_LIMITS.urlChars }),
    event_types: Type.Optional(Type.Array(Type.Literal('task_run.status'))),
  },
  closed,
);

export const CreateTaskRunBody = Type.Object(
  {
    input: Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())], { description: 'Text or an object; lite reads the http(s) URLs in it' }),
    processor: Type.String({ description: 'lite (deterministic extraction); the LLM processors are refused with 422' }),
    task_spec: Type.Optional(Nullable(TaskSpec)),
    output_schema: Type.Optional(Type.Unknown({ description: 'Accepted at the top level too, as task_spec.output_schema' })),
    metadata: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
    source_policy: Type.Optional(Nullable(SourcePolicy)),
    advanced_settings: Type.Optional(Nullable(Type.Object({ location: Type.Optional(Nullable(Type.String())) }, closed))),
    webhook: Type.Optional(Nullable(TaskWebhook)),
    enable_events: Type.Optional(Nullable(Type.Boolean())),
    mcp_servers: Type.Optional(Nullable(Type.Array(Type.Unknown()))),
    previous_interaction_id: Type.Optional(Nullable(Type.String())),
    memory_scope_key: Type.Optional(Nullable(Type.String())),
  },
  closed,
);
export type CreateTaskRunBody = Static<typeof CreateTaskRunBody>;
/** The create body as stored and returned by `GET …/input` (`RunInput`), with its output schema inside `task_spec`. */
export type RunInput = Omit<CreateTaskRunBody, 'output_schema'>;

export const RunParams = Type.Object({ run_id: Type.String() });
export const ResultQuery = Type.Object({
  // No maximum (the contract sets none); the wait itself is capped by the server (tasks.ts).
  timeout: Type.Integer({ minimum: 0, default: 600, description: 'Seconds to wait for the run to end; 408 after that' }),
});

/** A warning attached to a run (api.md §1.7 `Warning`). */
export const TaskWarning = Type.Object({
  type: StringEnum(['spec_validation_warning', 'input_validation_warning', 'warning']),
  message: Type.String(),
  detail: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
});
export type TaskWarning = Static<typeof TaskWarning>;
/** A failed run's error, in the envelope's shape. */
export const TaskError = Type.Object({ ref_id: Type.String(), message: Type.String(), detail: Nullable(Type.Record(Type.String(), Type.Unknown())) });
export type TaskError = Static<typeof TaskError>;
export const TaskStatus = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]);

export const TaskRunResponse = Type.Object({
  run_id: Type.String(),
  interaction_id: Type.String(),
  status: TaskStatus,
  is_active: Type.Boolean(),
  processor: Type.String(),
  metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
  created_at: Nullable(Type.String({ format: 'date-time' })),
  modified_at: Nullable(Type.String({ format: 'date-time' })),
  error: Nullable(TaskError),
  warnings: Nullable(Type.Array(TaskWarning)),
  taskgroup_id: Nullable(Type.String()),
});
export type TaskRunResponse = Static<typeof TaskRunResponse>;

/** One citation of a field's basis (api.md §1.7). */
export const Citation = Type.Object({
  url: Type.String(),
  title: Type.Optional(Nullable(Type.String())),
  excerpts: Type.Optional(Nullable(Type.Array(Type.String()))),
});
export type Citation = Static<typeof Citation>;
/** How sure a basis entry is. */
export const Confidence = StringEnum(['low', 'medium', 'high']);
export type Confidence = Static<typeof Confidence>;
/** Why a field of an output has its value. */
export const FieldBasis = Type.Object({
  field: Type.String(),
  reasoning: Type.String(),
  citations: Type.Array(Citation),
  confidence: Type.Optional(Nullable(Confidence)),
});
export type FieldBasis = Static<typeof FieldBasis>;
const TextOutput = Type.Object({ type: Type.Literal('text'), content: Type.String(), basis: Type.Array(FieldBasis) });
const JsonOutput = Type.Object({ type: Type.Literal('json'), content: Type.Record(Type.String(), Type.Unknown()), basis: Type.Array(FieldBasis) });
/** A task-shaped output: text, or JSON matching the monitor's `output_schema`. */
export type TaskOutput = Static<typeof TextOutput> | Static<typeof JsonOutput>;
/**
 * Its wire schema: one object whose `type` tells text from JSON. Fastify's serialiser would check
 * each output against each branch of a union before writing it (measured 1.2-1.7 times slower).
 */
const outputProperties = {
  type: Type.Union([TextOutput.properties.type, JsonOutput.properties.type]),
  content: Type.Unknown({ description: 'text, or an object matching the output schema' }),
  basis: Type.Array(FieldBasis),
};
export const TaskOutput = Type.Unsafe<TaskOutput>(Type.Object(outputProperties));

/** A result's output: an auto spec answered with JSON also carries the schema it derived. */
const Derived = Type.Object({ output_schema: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))) });
const ResultOutput = Type.Unsafe<TaskOutput & Static<typeof Derived>>(Type.Object({ ...outputProperties, ...Derived.properties }));
export const TaskRunResult = Type.Object({ run: TaskRunResponse, output: ResultOutput });
export type TaskRunResult = Static<typeof TaskRunResult>;
export const RunInputResponse = Type.Record(Type.String(), Type.Unknown());

import { Nullable } from '../nullable.js';
import { Type, type Static } from 'typebox';
import { REQUEST_LIMITS } from '../../domain/monitor-rules.js';
import { SourcePolicy } from './monitor-schemas.js';

/**
 * Wire schemas of the Task API subset (api.md §5). Request schemas validate shapes and strip unknown
 * fields; the output schema's own rules (its four forms and documented limits) are checked by the
 * command, so that each problem is named in the 422.
 */
const closed = { additionalProperties: false } as const;

const TaskSpec = Type.Object({
  output_schema: Type.Unknown({ description: 'A JSON schema ({type:"json", json_schema}), a text schema, an auto schema, or a string (a text schema)' }),
  input_schema: Type.Optional(Type.Unknown()),
}, closed);

export const CreateTaskRunBody = Type.Object({
  input: Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())], { description: 'Text or an object; lite reads the http(s) URLs in it' }),
  processor: Type.String({ description: 'lite (deterministic extraction); the LLM processors are refused with 422' }),
  task_spec: Type.Optional(Nullable(TaskSpec)),
  output_schema: Type.Optional(Type.Unknown({ description: 'Accepted at the top level too, as task_spec.output_schema' })),
  metadata: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  source_policy: Type.Optional(Nullable(SourcePolicy)),
  advanced_settings: Type.Optional(Nullable(Type.Object({ location: Type.Optional(Nullable(Type.String())) }, closed))),
  webhook: Type.Optional(Nullable(Type.Object({
    url: Type.String({ maxLength: REQUEST_LIMITS.urlChars }),
    event_types: Type.Optional(Type.Array(Type.Literal('task_run.status'))),
  }, closed))),
  enable_events: Type.Optional(Nullable(Type.Boolean())),
  mcp_servers: Type.Optional(Nullable(Type.Array(Type.Unknown()))),
  previous_interaction_id: Type.Optional(Nullable(Type.String())),
  memory_scope_key: Type.Optional(Nullable(Type.String())),
}, closed);
export type CreateTaskRunBody = Static<typeof CreateTaskRunBody>;

export const RunParams = Type.Object({ run_id: Type.String() });
export const ResultQuery = Type.Object({
  // No maximum (the contract sets none); the wait itself is capped by the server (tasks.ts).
  timeout: Type.Integer({ minimum: 0, default: 600, description: 'Seconds to wait for the run to end; 408 after that' }),
});

const Warning = Type.Object({ type: Type.String(), message: Type.String(), detail: Type.Optional(Nullable(Type.Unknown())) });
const RunError = Type.Object({ ref_id: Type.String(), message: Type.String(), detail: Nullable(Type.Unknown()) });

export const TaskRunResponse = Type.Object({
  run_id: Type.String(),
  interaction_id: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
  is_active: Type.Boolean(),
  processor: Type.String(),
  metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
  created_at: Nullable(Type.String({ format: 'date-time' })),
  modified_at: Nullable(Type.String({ format: 'date-time' })),
  error: Nullable(RunError),
  warnings: Nullable(Type.Array(Warning)),
  taskgroup_id: Nullable(Type.String()),
});

const Citation = Type.Object({ url: Type.String(), title: Type.Optional(Nullable(Type.String())), excerpts: Type.Optional(Nullable(Type.Array(Type.String()))) });
const FieldBasis = Type.Object({
  field: Type.String(), reasoning: Type.String(), citations: Type.Array(Citation), confidence: Type.Optional(Nullable(Type.String())),
});
export const TaskRunResult = Type.Object({
  run: TaskRunResponse,
  output: Type.Object({
    type: Type.Union([Type.Literal('json'), Type.Literal('text')]),
    content: Type.Unknown(),
    basis: Type.Array(FieldBasis),
    output_schema: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  }),
});
export const RunInputResponse = Type.Record(Type.String(), Type.Unknown());

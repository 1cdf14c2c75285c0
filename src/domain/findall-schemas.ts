import { Type, type Static } from 'typebox';
import { Nullable, StringEnum } from './schema-types.js';
import { REQUEST_LIMITS } from './request-limits.js';
import { FieldBasis } from './task-schemas.js';

/**
 * Wire schemas of the FindAll API (api.md §6). Request schemas check shapes and strip unknown
 * fields (the docs' create example passes `enrichments`, which is not in the contract); value rules
 * (limits, enums, webhook types) are in findall-rules.ts, so that each problem is named in the 422.
 */
const closed = { additionalProperties: false } as const;

export const MatchConditionBody = Type.Object({ name: Type.String(), description: Type.String() });
export type MatchCondition = Static<typeof MatchConditionBody>;

/** A run's webhook (`findall.*` event types, api.md §6.7). */
export const FindAllWebhook = Type.Object(
  {
    url: Type.String({ maxLength: REQUEST_LIMITS.urlChars }),
    event_types: Type.Optional(Type.Array(Type.String())),
  },
  closed,
);
export type FindAllWebhook = Static<typeof FindAllWebhook>;

export const CreateFindAllBody = Type.Object({
  objective: Type.String(),
  entity_type: Type.String(),
  match_conditions: Type.Array(MatchConditionBody),
  generator: Type.String({ description: 'base, core, pro or preview' }),
  match_limit: Type.Integer({ description: '5 to 1000 (preview: at most 10)' }),
  exclude_list: Type.Optional(Nullable(Type.Array(Type.Object({ name: Type.String(), url: Type.String() })))),
  metadata: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  webhook: Type.Optional(Nullable(FindAllWebhook)),
  memory_scope_key: Type.Optional(Nullable(Type.String())),
  sources: Type.Optional(Nullable(Type.Array(Type.String(), { description: 'Vigil extension: pages to read besides the URLs in the objective' }))),
});
export type CreateFindAllBody = Static<typeof CreateFindAllBody>;

export const IngestBody = Type.Object({ objective: Type.String() });
export const ExtendBody = Type.Object({ additional_match_limit: Type.Integer() });
export const EnrichBody = Type.Object({
  output_schema: Type.Unknown({ description: 'A JSON schema: {type:"json", json_schema}' }),
  processor: Type.Optional(Type.String()),
  mcp_servers: Type.Optional(Nullable(Type.Array(Type.Unknown()))),
});
export type EnrichBody = Static<typeof EnrichBody>;
/** An enrichment as a run keeps it once checked (`FindAllEnrichInput` with its JSON schema in place). */
export const Enrichment = Type.Object({
  output_schema: Type.Object({ type: Type.Optional(Type.Literal('json')), json_schema: Type.Record(Type.String(), Type.Unknown()) }),
  processor: Type.Optional(Type.String()),
  mcp_servers: Type.Optional(Nullable(Type.Array(Type.Unknown()))),
});
export type Enrichment = Static<typeof Enrichment>;
export const EntitySearchBody = Type.Object({
  entity_type: Type.String({ description: 'people or companies (company is accepted too)' }),
  objective: Type.String(),
  match_limit: Type.Optional(Type.Integer({ description: '5 to 1000, default 100' })),
});
export type EntitySearchBody = Static<typeof EntitySearchBody>;

export const FindAllParams = Type.Object({ findall_id: Type.String() });
export const EventsQuery = Type.Object({
  last_event_id: Type.Optional(Nullable(Type.String())),
  timeout: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
});

export const FindAllStatus = StringEnum(['queued', 'running', 'completed', 'failed', 'cancelling', 'cancelled']);
export const FindAllGenerator = StringEnum(['base', 'core', 'pro', 'preview']);
export const TerminationReason = StringEnum(['match_limit_met', 'candidates_exhausted', 'low_match_rate', 'user_cancelled', 'error_occurred', 'timeout']);
export const MatchStatus = StringEnum(['generated', 'matched', 'unmatched', 'discarded']);

const RunStatus = Type.Object({
  status: FindAllStatus,
  is_active: Type.Boolean(),
  metrics: Type.Object({ generated_candidates_count: Type.Optional(Type.Integer()), matched_candidates_count: Type.Optional(Type.Integer()) }),
  termination_reason: Type.Optional(Nullable(TerminationReason)),
});
export const FindAllRunResponse = Type.Object({
  findall_id: Type.String(),
  generator: FindAllGenerator,
  status: RunStatus,
  metadata: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  warnings: Type.Optional(
    Type.Array(Type.Object({ type: Type.String(), message: Type.String(), detail: Nullable(Type.Unknown()) }), {
      description: 'Our extension: caveats of how the run was researched (e.g. no model configured, so it ran as lite)',
    }),
  ),
  created_at: Type.Optional(Nullable(Type.String())),
  modified_at: Type.Optional(Nullable(Type.String())),
});
export const FindAllSchemaResponse = Type.Object({
  objective: Type.String(),
  entity_type: Type.String(),
  match_conditions: Type.Array(MatchConditionBody),
  generator: Type.Optional(FindAllGenerator),
  match_limit: Type.Optional(Nullable(Type.Integer())),
  enrichments: Type.Optional(Nullable(Type.Array(Enrichment))),
});
export const FindAllCandidateResponse = Type.Object({
  candidate_id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  match_status: MatchStatus,
  description: Type.Optional(Nullable(Type.String())),
  output: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  basis: Type.Optional(Nullable(Type.Array(FieldBasis))),
});
export const FindAllResultResponse = Type.Object({
  run: FindAllRunResponse,
  candidates: Type.Array(FindAllCandidateResponse),
  last_event_id: Type.Optional(Nullable(Type.String())),
});
const Entity = Type.Object({ name: Type.String(), url: Type.String(), description: Type.String() });
export const EntitySearchResponse = Type.Object({ entity_set_id: Type.String(), entities: Type.Array(Entity) });
export const CandidateSetResponse = Type.Object({ candidate_set_id: Type.String(), candidates: Type.Array(Entity) });

export type FindAllRunResponse = Static<typeof FindAllRunResponse>;
export type FindAllSchemaResponse = Static<typeof FindAllSchemaResponse>;
export type FindAllCandidateResponse = Static<typeof FindAllCandidateResponse>;

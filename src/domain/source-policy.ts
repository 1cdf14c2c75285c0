import { Type, type Static } from 'typebox';
import { Nullable } from './schema-types.js';
import { REQUEST_LIMITS } from './request-limits.js';

// Its own file because monitors, tasks and their schemas all carry one.
const closed = { additionalProperties: false } as const;

/** Which sources a run may use (api.md, `source_policy`). */
export const SourcePolicy = Type.Object(
  {
    include_domains: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: REQUEST_LIMITS.domains })),
    exclude_domains: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: REQUEST_LIMITS.domains })),
    // A real calendar date: "2020-13-45" has the shape but no meaning, and would be ignored silently.
    after_date: Type.Optional(Nullable(Type.String({ format: 'date', description: 'YYYY-MM-DD' }))),
  },
  closed,
);
export type SourcePolicy = Static<typeof SourcePolicy>;

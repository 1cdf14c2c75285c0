// `POST /v1beta/findall/ingest` with a model: the model reads the objective into an entity type and
// match conditions; an answer that is unusable, or no answer in time, gives lite's parse instead.
import type { ModelClient } from '../model.js';
import { ingestObjective, snake } from './ingest.js';
import type { IngestedSchema, MatchCondition } from './seam.js';

/** Conditions one objective gives at most: more is a model listing facts rather than conditions. */
export const MAX_INGESTED_CONDITIONS = 8;
/** How long an ingest request waits for the model before it answers with lite's parse. */
export const INGEST_TIMEOUT_MS = 30_000;

const SCHEMA = {
  type: 'object',
  properties: {
    entity_type: { type: 'string', minLength: 1 },
    match_conditions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1 }, description: { type: 'string', minLength: 1 } },
        required: ['name', 'description'],
      },
    },
  },
  required: ['entity_type', 'match_conditions'],
};

const SYSTEM =
  'You turn a request to find entities into a schema. entity_type is the plural kind of entity ' +
  '(e.g. "companies", "people", "products"). Each match condition is one checkable fact every entity found must satisfy, ' +
  'named in snake_case and described in one sentence about the entity. Do not add conditions the request does not ask for.';

/** The model's reading of an objective, validated; lite's parse when the model cannot give a usable one. */
export async function modelIngest(model: ModelClient, objective: string, timeoutMs = INGEST_TIMEOUT_MS): Promise<IngestedSchema> {
  const work = { deadline: Date.now() + timeoutMs, signal: AbortSignal.timeout(timeoutMs), usage: model.meter() };
  try {
    const answer = await model.json<{ entity_type: string; match_conditions: MatchCondition[] }>(
      { name: 'findall_schema', schema: SCHEMA, system: SYSTEM, user: `Request: ${objective}` },
      work,
    );
    const schema = validSchema(objective, answer);
    if (schema) return schema;
  } catch {
    // A model that fails or hangs leaves the request answered all the same, by lite's parse below.
  }
  return ingestObjective(objective);
}

/** The answer with condition names made snake_case and unique, or null when it names no usable condition. */
function validSchema(objective: string, answer: { entity_type: string; match_conditions: MatchCondition[] }): IngestedSchema | null {
  const entityType = answer.entity_type.trim().toLowerCase();
  const conditions: MatchCondition[] = [];
  for (const { name, description } of answer.match_conditions.slice(0, MAX_INGESTED_CONDITIONS)) {
    const text = description.trim();
    const base = snake(name) || snake(text);
    if (text === '' || base === '') continue;
    let unique = base;
    for (let n = 2; conditions.some((c) => c.name === unique); n += 1) unique = `${base}_${n}`;
    conditions.push({ name: unique, description: text });
  }
  if (entityType === '' || conditions.length === 0) return null;
  return { objective, entity_type: entityType, match_conditions: conditions };
}

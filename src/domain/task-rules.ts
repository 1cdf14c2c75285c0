import type { Problem } from '../errors.js';
import type { OutputSpec, TaskWarning } from './task.js';

/** The documented limits of a task spec (api.md §5.2, `specify-a-task.md`). */
export const TASK_LIMITS = {
  specAndInputChars: 25_000,
  specChars: 15_000,
  nesting: 5,
  properties: 100,
  enumValues: 500,
} as const;

const UNSUPPORTED_KEYWORDS = [
  'contains',
  'format',
  'maxContains',
  'maxItems',
  'maxLength',
  'maxProperties',
  'maximum',
  'minContains',
  'minItems',
  'minLength',
  'minimum',
  'minProperties',
  'multipleOf',
  'pattern',
  'patternProperties',
  'propertyNames',
  'uniqueItems',
  'unevaluatedItems',
  'unevaluatedProperties',
];

/** Output field names that collide with the basis Vigil returns beside the output. */
const BASIS_NAMES = new Set(['citations', 'confidence', 'evidence', 'reasoning', 'source', 'sources', 'source_urls']);

type Loc = (string | number)[];

/**
 * The output spec a request asks for, from any of its wire forms: a JSON, text or auto schema
 * object, a bare string (a text schema's description), or leniently a plain JSON schema. No spec
 * means auto.
 */
export function outputSpecOf(raw: unknown, loc: Loc): { spec: OutputSpec } | { problem: Problem } {
  if (raw === undefined || raw === null) return { spec: { type: 'auto' } };
  if (typeof raw === 'string') return { spec: { type: 'text', description: raw } };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      problem: { loc, msg: 'must be a JSON schema object ({type:"json", json_schema}), a text schema, an auto schema or a string', type: 'output_schema' },
    };
  }
  const spec = raw as Record<string, unknown>;
  if (spec.type === 'text') return { spec: { type: 'text', description: typeof spec.description === 'string' ? spec.description : null } };
  if (spec.type === 'auto') return { spec: { type: 'auto' } };
  if ((spec.type === 'json' || spec.type === undefined) && spec.json_schema !== undefined) {
    if (!isObject(spec.json_schema)) return { problem: { loc: [...loc, 'json_schema'], msg: 'must be an object', type: 'output_schema' } };
    return { spec: { type: 'json', json_schema: spec.json_schema } };
  }
  // A JSON schema sent without its wrapper: what the user meant is plain.
  if (spec.type === 'object' || isObject(spec.properties)) return { spec: { type: 'json', json_schema: spec } };
  return { problem: { loc: [...loc, 'type'], msg: `must be "json", "text" or "auto"; got ${JSON.stringify(spec.type)}`, type: 'output_schema' } };
}

/** Problems (422) and warnings of a JSON output schema against the documented limits. */
export function checkJsonSchema(schema: Record<string, unknown>, loc: Loc): { problems: Problem[]; warnings: TaskWarning[] } {
  const problems: Problem[] = [];
  const warnings: TaskWarning[] = [];
  if (schema.type !== 'object' || !isObject(schema.properties)) {
    problems.push({ loc, msg: 'the root must be {"type": "object", "properties": {…}}', type: 'schema_root' });
  }
  if (schema.anyOf !== undefined) problems.push({ loc: [...loc, 'anyOf'], msg: 'anyOf is not allowed at the root', type: 'schema_root' });
  const counts = { properties: 0, enumValues: 0, depth: 0 };
  walk(schema, [], 1, counts, problems, warnings, loc);
  if (counts.depth > TASK_LIMITS.nesting) {
    problems.push({ loc, msg: `nests ${counts.depth} levels; at most ${TASK_LIMITS.nesting} are allowed`, type: 'schema_nesting' });
  }
  if (counts.properties > TASK_LIMITS.properties) {
    problems.push({ loc, msg: `has ${counts.properties} properties in all; at most ${TASK_LIMITS.properties} are allowed`, type: 'schema_properties' });
  }
  if (counts.enumValues > TASK_LIMITS.enumValues) {
    problems.push({ loc, msg: `has ${counts.enumValues} enum values in all; at most ${TASK_LIMITS.enumValues} are allowed`, type: 'schema_enum' });
  }
  return { problems, warnings };
}

function walk(
  node: Record<string, unknown>,
  path: string[],
  depth: number,
  counts: { properties: number; enumValues: number; depth: number },
  problems: Problem[],
  warnings: TaskWarning[],
  loc: Loc,
): void {
  counts.depth = Math.max(counts.depth, depth);
  for (const keyword of UNSUPPORTED_KEYWORDS) {
    if (keyword in node) {
      problems.push({ loc: [...loc, ...path, keyword], msg: `the keyword "${keyword}" is not supported in output schemas`, type: 'schema_keyword' });
    }
  }
  if (Array.isArray(node.enum)) counts.enumValues += node.enum.length;
  if (isObject(node.properties)) {
    const names = Object.keys(node.properties);
    counts.properties += names.length;
    const where = path.length ? path.join('.') : 'the root';
    const required = Array.isArray(node.required) ? node.required : [];
    const optional = names.filter((name) => !required.includes(name));
    if (optional.length > 0) {
      warnings.push(specWarning(`not every field of ${where} is required (${optional.join(', ')}); a field that cannot be found is returned as null`));
    }
    if (node.additionalProperties !== false) {
      warnings.push(specWarning(`${where} does not set "additionalProperties": false; only the listed fields are returned`));
    }
    for (const name of names) {
      if (BASIS_NAMES.has(name.toLowerCase())) {
        warnings.push(
          specWarning(`the field "${[...path, name].join('.')}" is named like the basis (citations, reasoning, confidence) returned beside every output`),
        );
      }
      const child = node.properties[name];
      if (isObject(child)) walk(child, [...path, 'properties', name], depth + 1, counts, problems, warnings, loc);
    }
  }
  if (isObject(node.items)) walk(node.items, [...path, 'items'], depth + 1, counts, problems, warnings, loc);
}

const specWarning = (message: string): TaskWarning => ({ type: 'spec_validation_warning', message, detail: null });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

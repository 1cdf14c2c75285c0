import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { LRUCache } from 'lru-cache';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
// Compiled validators by schema text: a task's schema is compiled once, not on every model answer.
const compiled = new LRUCache<string, ValidateFunction>({ max: 500 });

/** The JSON value in a model's answer (a bare object, or one inside a ```json fence), or why there is none. */
export function parseModelJson(text: string): { value: unknown } | { problem: string } {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const candidate = (fenced ? fenced[1] : text).trim();
  const start = candidate.indexOf('{');
  const end = candidate.lastIndexOf('}');
  if (start < 0 || end < start) return { problem: 'contains no JSON object' };
  try {
    return { value: JSON.parse(candidate.slice(start, end + 1)) };
  } catch (err) {
    return { problem: `is not valid JSON (${(err as Error).message})` };
  }
}

/** Null when `value` matches `schema`, else what is wrong, as ajv words it (at most five problems). */
export function schemaProblem(schema: Record<string, unknown>, value: unknown): string | null {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  if (validate(value)) return null;
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

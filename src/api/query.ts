import type { FastifyRequest } from 'fastify';

/**
 * Array query parameters arrive comma-separated (what both SDKs send), repeated (what the docs
 * show), or both; this preValidation hook merges them into one flat array per listed name.
 */
export function splitArrayParams(names: string[]) {
  return async function splitArrays(request: FastifyRequest): Promise<void> {
    const query = request.query as Record<string, unknown>;
    for (const name of names) {
      const value = query[name];
      if (value === undefined) continue;
      const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
      query[name] = parts.map((p) => p.trim()).filter(Boolean);
    }
  };
}

/**
 * A boolean query value in any of the usual spellings (`true/false/True/False/1/0`, any case) as
 * the boolean it means; anything else is left for the validator to refuse.
 */
export function normaliseQueryValue(value: unknown): unknown {
  const one: unknown = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof one !== 'string') return value;
  const text = one.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return value;
}

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

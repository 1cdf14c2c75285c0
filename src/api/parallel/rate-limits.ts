import type { FastifyRequest } from 'fastify';

/**
 * The route config that counts resource-creating POSTs per account (api.md §1.4): monitors (v1 and
 * v1alpha alike), task runs (per minute) and FindAll runs (per hour). @fastify/rate-limit's
 * in-memory store counts each route apart, so each route has its quota.
 */
export function createLimit(max: number, windowMs = 60_000) {
  return {
    rateLimit: {
      max,
      timeWindow: windowMs,
      hook: 'preHandler' as const,
      keyGenerator: (request: FastifyRequest) => request.account.id,
    },
  };
}

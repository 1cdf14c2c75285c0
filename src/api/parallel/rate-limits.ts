import type { FastifyRequest } from 'fastify';

/**
 * The route config that counts resource-creating POSTs per account (api.md §1.4): monitors (v1 and
 * v1alpha alike) and task runs. @fastify/rate-limit's in-memory store counts each route apart, so
 * each route has its quota.
 */
export function createLimit(perMinute: number) {
  return {
    rateLimit: {
      max: perMinute, timeWindow: 60_000, hook: 'preHandler' as const,
      keyGenerator: (request: FastifyRequest) => request.account.id,
    },
  };
}

import type { FastifyRequest } from 'fastify';

/**
 * The route config that counts monitor-creating POSTs per account (api.md §1.4), for v1 and v1alpha
 * alike. @fastify/rate-limit's in-memory store counts each route apart, so each API has its quota.
 */
export function monitorCreateLimit(perMinute: number) {
  return {
    rateLimit: {
      max: perMinute, timeWindow: 60_000, hook: 'preHandler' as const,
      keyGenerator: (request: FastifyRequest) => request.account.id,
    },
  };
}

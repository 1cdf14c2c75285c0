import { randomFillSync, randomUUID } from 'node:crypto';

// Random bytes drawn from the system's generator 4 KiB at a time (as Node's randomUUID does): a
// call per id cost more than the rest of making one, and an execution makes several.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** A new random id: `<prefix>_<hex>` with `bytes` random bytes (the formats of api.md §1.5). */
export function newId(prefix: string, bytes = 16): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return `${prefix}_${pool.toString('hex', used - bytes, used)}`;
}

/** Id prefixes and sizes, one place for every resource kind. */
export const ID = {
  account: () => newId('acct', 12),
  apiKey: () => newId('key', 12),
  monitor: () => newId('monitor', 16),
  execution: () => newId('mevtgrp', 24),
  event: () => newId('evt', 12),
  completion: () => newId('cmpl', 12),
  error: () => newId('err', 12),
  delivery: () => newId('whevent', 12),
  notice: () => newId('notice', 12),
  testEventGroup: () => newId('test', 12),
  evalMonitor: () => newId('mon', 16),
  evaluation: () => newId('evt', 16),
  evalFile: () => newId('file', 16),
  findAll: () => newId('findall', 16),
  candidate: () => `candidate_${randomUUID()}`,
  entitySet: () => newId('entityset', 16),
} as const;

import { randomBytes, randomUUID } from 'node:crypto';

/** A new random id: `<prefix>_<hex>` with `bytes` random bytes (the formats of api.md §1.5). */
export function newId(prefix: string, bytes = 16): string {
  return `${prefix}_${randomBytes(bytes).toString('hex')}`;
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

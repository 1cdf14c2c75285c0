import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { startTestVigil, type TestVigil } from './helpers.js';

/** A Vigil with the API role only: no background work changes the store behind a test's back. */
export async function startApiOnlyVigil(): Promise<TestVigil> {
  return startTestVigil({ VIGIL_ROLES: 'api' }, { monitorCreatesPerMinute: 100_000, taskCreatesPerMinute: 100_000 });
}

/** A response as a test reads it. */
export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  text: string;
  json: any;
}

/** One request through `app.inject`; a string body is sent as it is, anything else as JSON. */
export async function send(
  app: FastifyInstance,
  apiKey: string | null,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const all: Record<string, string> = { ...headers };
  if (apiKey !== null) all['x-api-key'] = apiKey;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    all['content-type'] ??= 'application/json';
  }
  const response = await app.inject({ method: method as 'GET', url, payload, headers: all });
  let json: any;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text: response.body, json };
}

/** Asserts the documented error envelope (api.md §1.3) with this status. */
export function assertEnvelope(answer: { status: number; json: any; text?: string }, status: number, message?: RegExp): void {
  assert.equal(answer.status, status, `expected ${status}, got ${answer.status}: ${answer.text ?? JSON.stringify(answer.json)}`);
  assert.equal(answer.json?.type, 'error', `not the envelope: ${answer.text}`);
  assert.equal(typeof answer.json.error.ref_id, 'string');
  assert.equal(typeof answer.json.error.message, 'string');
  if (message) assert.match(answer.json.error.message, message);
}

/**
 * A digest of every row of every table: equal digests before and after a refused request mean it
 * wrote nothing, neither a row nor a changed column. Row counts are returned too, for messages.
 */
export async function storeDigest(db: Kysely<any>): Promise<{ digest: string; counts: Record<string, number> }> {
  const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
  const hash = createHash('sha256');
  const counts: Record<string, number> = {};
  const all = await Promise.all(tables.map((table) => db.selectFrom(table).selectAll().execute()));
  for (const [n, table] of tables.entries()) {
    const rows = all[n];
    // A key's last use is recorded by authentication (at most once a minute) whatever the answer:
    // bookkeeping of the key, not a write of the request, so it is left out of the digest.
    const kept = table === 'api_keys' ? rows.map(({ last_used_at: _used, ...row }) => row) : rows;
    const lines = kept.map((row) => JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
    counts[table] = rows.length;
    hash.update(`${table}\n${lines.join('\n')}\n`);
  }
  return { digest: hash.digest('hex'), counts };
}

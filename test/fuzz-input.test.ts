import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { TestVigil } from './helpers.js';
import { assertEnvelope, send, startApiOnlyVigil, storeDigest } from './fuzz-helpers.js';

/**
 * Bad input never gets a 5xx or a partial write (DESIGN invariant 6; issues 11 and 12): the
 * request-shape limits and each validation defect found by the outside look, one test each.
 */
let vigil: TestVigil;
let app: FastifyInstance;
let key: string;
const source = 'http://127.0.0.1:9/feed.xml';
const monitorBody = (extra: Record<string, unknown> = {}) => ({ type: 'event_stream', frequency: '1d', settings: { query: `News from ${source}` }, ...extra });
const taskBody = (extra: Record<string, unknown> = {}) => ({ input: `Prices at ${source}`, processor: 'lite', ...extra });
const call = (method: string, url: string, body?: unknown, headers?: Record<string, string>) => send(app, key, method, url, body, headers);
const cursorOf = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Runs a request that must be refused with `status`, and checks that it wrote nothing. */
async function refused(status: number, method: string, url: string, body?: unknown, message?: RegExp) {
  const before = await storeDigest(vigil.vigil.store.db);
  const answer = await call(method, url, body);
  assertEnvelope(answer, status, message);
  const afterwards = await storeDigest(vigil.vigil.store.db);
  assert.deepEqual(afterwards.counts, before.counts, `${method} ${url} changed row counts`);
  assert.equal(afterwards.digest, before.digest, `${method} ${url} changed a row`);
  return answer;
}

before(async () => {
  vigil = await startApiOnlyVigil();
  app = vigil.vigil.app as FastifyInstance;
  key = vigil.apiKey;
});
after(async () => {
  await vigil.stop();
});

describe('request-shape limits (issue 11 item 5)', () => {
  it('refuses a body of 1M tiny elements cheaply, before building it: 413-sized is refused, 40,001 values is a 422', async () => {
    const huge = `[${'{},'.repeat(1_000_000)}{}]`;
    assertEnvelope(await call('POST', '/v1/monitors', huge), 422, /too large/i);
    const many = JSON.stringify(monitorBody({ metadata: null, settings: { query: `News from ${source}`, sources: [] }, extra: Array(40_001).fill(0) }));
    const answer = await refused(422, 'POST', '/v1/monitors', many, /body: has more than 40000 values/);
    assert.equal(answer.json.error.detail.errors[0].type, 'too_many_values');
  });

  it('answers a 100,000-deep input or output schema with a 422 naming the field, not a 500', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    await refused(422, 'POST', '/v1/tasks/runs', `{"input":${deep(100_000)},"processor":"lite"}`, /body\.input\.0\.0.*nests deeper than 64 levels/);
    const schema = `{"input":"x ${source}","processor":"lite","task_spec":{"output_schema":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}`;
    await refused(422, 'POST', '/v1/tasks/runs', schema, /body\.task_spec\.output_schema\.a\.a.*nests deeper/);
    // Legitimate depth is untouched: a 5-level output schema still creates a run.
    let level: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 4; i++) level = { type: 'object', properties: { x: level }, required: ['x'], additionalProperties: false };
    assert.equal((await call('POST', '/v1/tasks/runs', taskBody({ task_spec: { output_schema: { type: 'json', json_schema: level } } }))).status, 202);
  });

  it('caps settings.sources at 100 and metadata at 50 keys, naming the field', async () => {
    const sources = Array.from({ length: 101 }, (_, i) => `${source}?n=${i}`);
    await refused(
      422,
      'POST',
      '/v1/monitors',
      monitorBody({ settings: { query: 'news', sources } }),
      /body\.settings\.sources: must NOT have more than 100 items/,
    );
    const metadata = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await refused(422, 'POST', '/v1/monitors', monitorBody({ metadata }), /body\.metadata: has 51 keys; at most 50/);
    await refused(422, 'POST', '/v1/tasks/runs', taskBody({ metadata }), /body\.metadata: has 51 keys/);
    assert.equal((await call('POST', '/v1/monitors', monitorBody({ settings: { query: 'news', sources: sources.slice(0, 100) } }))).status, 201);
  });

  it('refuses NUL characters and __proto__ keys in bodies with a 422 naming the field', async () => {
    await refused(
      422,
      'POST',
      '/v1/monitors',
      monitorBody({ settings: { query: `News\u0000 from ${source}` } }),
      /body\.settings\.query: must not contain NUL/,
    );
    await refused(422, 'POST', '/v1/monitors', '{"type":"event_stream","__proto__":{"admin":true}}', /body\.__proto__: is not an allowed key/);
  });
});

describe('issue 12 validation defects', () => {
  it('accepts a task run with exactly one MCP server, as with two', async () => {
    const server = { type: 'url', url: 'https://mcp.example.test/sse', name: 'one' };
    const one = await call('POST', '/v1/tasks/runs', taskBody({ mcp_servers: [server] }));
    assert.equal(one.status, 202, one.text);
    assert.equal((await call('POST', '/v1/tasks/runs', taskBody({ mcp_servers: [server, { ...server, name: 'two' }] }))).status, 202);
  });

  it('accepts the usual boolean spellings of include_completions, and refuses others', async () => {
    const created = await call('POST', '/v1/monitors', monitorBody());
    const id = created.json.monitor_id;
    for (const spelling of ['true', 'false', 'True', 'False', '1', '0', 'TRUE']) {
      const answer = await call('GET', `/v1/monitors/${id}/events?include_completions=${spelling}`);
      assert.equal(answer.status, 200, `${spelling}: ${answer.text}`);
    }
    await refused(422, 'GET', `/v1/monitors/${id}/events?include_completions=maybe`, undefined, /query\.include_completions: must be boolean/);
  });

  it('accepts result?timeout=7200 (no maximum in the contract)', async () => {
    const answer = await call('GET', '/v1/tasks/runs/trun_00000000000000000000000000000000/result?timeout=7200');
    assertEnvelope(answer, 404, /Run failed or run id not found/);
    await refused(422, 'GET', '/v1/tasks/runs/trun_0/result?timeout=-1', undefined, /query\.timeout/);
  });

  it('authenticates unknown routes first; unserved features get a 422 after that, unknown paths a 404 in the envelope', async () => {
    assertEnvelope(await send(app, null, 'GET', '/v1/nothing-here'), 401, /Unauthorized/);
    assertEnvelope(await send(app, null, 'POST', '/v1beta/findall/runs', {}), 401, /Unauthorized/);
    assertEnvelope(await call('POST', '/v1beta/findall/runs', { objective: 'x' }), 422, /body\.entity_type: is required/);
    assertEnvelope(await call('POST', '/defend', {}), 422, /path: the DeepRails Defend API is not served/);
    assertEnvelope(await call('POST', '/v1/tasks/groups'), 422, /task groups/);
    assertEnvelope(await call('GET', '/v1/nothing-here'), 404, /Not found: GET \/v1\/nothing-here/);
  });

  it('answers an oversized URL (431) and a %ff path in the envelope', async () => {
    const long = await fetch(`${vigil.url}/v1/monitors/${'a'.repeat(40_000)}`, { headers: { 'x-api-key': key } });
    assertEnvelope({ status: long.status, json: await long.json() }, 431, /too large/);
    assertEnvelope(await call('GET', '/v1/monitors/%ff'), 422, /path: is not a valid percent-encoded/);
    assertEnvelope(await call('GET', `/v1/monitors/${'m'.repeat(3000)}`), 422, /path: has a parameter longer than 100 characters/);
    const bad = await fetch(`${vigil.url}/v1/monitors/%ff`, { headers: { 'x-api-key': key } });
    assertEnvelope({ status: bad.status, json: await bad.json() }, 422);
  });

  it('refuses wrong JSON types in bodies instead of coercing them, naming the field', async () => {
    await refused(422, 'POST', '/v1/monitors', monitorBody({ frequency: ['1h'] }), /body\.frequency: must be string/);
    await refused(422, 'POST', '/v1/monitors', monitorBody({ settings: { query: 'news', sources: source } }), /body\.settings\.sources: must be array/);
    await refused(422, 'POST', '/v1/monitors', monitorBody({ metadata: { k: 1 } }), /body\.metadata\.k: must be string/);
    await refused(
      422,
      'POST',
      '/v1alpha/monitors',
      { query: `News ${source}`, frequency: '1d', include_backfill: 'true' },
      /body\.include_backfill: must be boolean/,
    );
    // Query strings keep being coerced (api.md §1.2).
    assert.equal((await call('GET', '/v1/monitors?limit=5&status=active,cancelled')).status, 200);
  });

  it('refuses an after_date that is no calendar date', async () => {
    const policy = (after_date: string) => monitorBody({ settings: { query: `News ${source}`, advanced_settings: { source_policy: { after_date } } } });
    await refused(422, 'POST', '/v1/monitors', policy('2020-13-45'), /after_date: must be a real calendar date/);
    await refused(422, 'POST', '/v1/monitors', policy('2021-02-29'), /after_date/);
    await refused(422, 'POST', '/v1/tasks/runs', taskBody({ source_policy: { after_date: '2020-00-10' } }), /body\.source_policy\.after_date/);
    assert.equal((await call('POST', '/v1/monitors', policy('2024-02-29'))).status, 201);
  });

  it('validates every cursor and id before SQL: tampered cursors and NUL bytes are 422s, on both dialects', async () => {
    const id = (await call('POST', '/v1/monitors', monitorBody())).json.monitor_id;
    const tampered = [
      { c: 1.5, i: 'monitor_x' },
      '{"c":1e400,"i":"monitor_x"}',
      '{"c":12345678901234567890,"i":"monitor_x"}',
      { c: 1, i: 'monitor_\u0000' },
      { c: -1, i: 'monitor_x' },
      { c: 1, i: 'x'.repeat(300) },
      [1, 2],
      'null',
    ];
    for (const value of tampered) {
      const cursor = cursorOf(value);
      for (const path of ['/v1/monitors', '/v1alpha/monitors/list', '/v1/webhooks/deliveries']) {
        await refused(422, 'GET', `${path}?cursor=${cursor}`, undefined, /invalid cursor/);
      }
    }
    for (const value of [{ m: id, s: 1.5 }, `{"m":"${id}","s":1e400}`, `{"m":"${id}","s":99999999999999999999}`, { m: `${id}\u0000`, s: 1 }]) {
      await refused(422, 'GET', `/v1/monitors/${id}/events?cursor=${cursorOf(value)}`, undefined, /invalid cursor/);
    }
    await refused(422, 'GET', `/v1/monitors/${id}%00`, undefined, /path\.monitor_id: must not contain NUL/);
    await refused(422, 'GET', `/v1/monitors/${id}/events?event_group_id=mevtgrp_%00`, undefined, /query\.event_group_id: must not contain NUL/);
    await refused(422, 'GET', '/v1/tasks/runs/trun_%00', undefined, /path\.run_id/);
    await refused(422, 'GET', '/v1/webhooks/deliveries?resource_id=%00', undefined, /query\.resource_id/);
    await refused(422, 'GET', '/v1alpha/monitors?monitor_id=%00', undefined, /query\.monitor_id/);
    // Ajv would coerce 1e400 to Infinity and let it past `maximum`, into SQL's LIMIT.
    await refused(422, 'GET', '/v1/monitors?limit=1e400', undefined, /query\.limit: must be a finite number/);
    await refused(422, 'GET', '/v1/account/notices?limit=-1e400', undefined, /query\.limit/);
    await refused(422, 'GET', '/v1alpha/monitors?limit=Infinity', undefined, /query\.limit/);
  });

  it('refuses an unbounded grace period without rotating, and later secret calls still work', async () => {
    const before = (await call('GET', '/v1/webhooks/secret')).json;
    await refused(422, 'POST', '/v1/webhooks/secret/rotate', { grace_period: '999999999w' }, /body\.grace_period: .*at most 30d/);
    assert.deepEqual((await call('GET', '/v1/webhooks/secret')).json, before);
    assert.equal((await call('POST', '/v1/webhooks/settings', { key_mode: 'standard' })).status, 200);
    const rotated = await call('POST', '/v1/webhooks/secret/rotate', { grace_period: '30d' });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.json.previous_secret, before.secret);
  });

  it('validates the URL of endpoints/enable and writes no row for an endpoint with nothing to re-enable', async () => {
    await refused(
      422,
      'POST',
      '/v1/webhooks/endpoints/enable',
      { url: `https://a.test/${'x'.repeat(900_000)}` },
      /body\.url: must NOT have more than 2048 characters/,
    );
    await refused(422, 'POST', '/v1/webhooks/endpoints/enable', { url: 'javascript:alert(1)' }, /body\.url: must be an absolute http or https URL/);
    const before = await storeDigest(vigil.vigil.store.db);
    assert.equal((await call('POST', '/v1/webhooks/endpoints/enable', { url: 'https://receiver.test/hook' })).status, 200);
    assert.equal((await storeDigest(vigil.vigil.store.db)).digest, before.digest);
  });
});

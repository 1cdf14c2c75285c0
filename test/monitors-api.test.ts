import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Parallel from 'parallel-web';
import { rss, startFixtureSite, startTestVigil, waitFor, type FixtureSite, type TestVigil } from './helpers.js';

let vigil: TestVigil;
let site: FixtureSite;
let client: Parallel;

before(async () => {
  site = await startFixtureSite();
  site.set('/feed.xml', rss('Fixture news', [{ title: 'First post', link: 'https://example.test/1', date: new Date('2024-01-01') }]));
  vigil = await startTestVigil();
  client = vigil.client;
});
after(async () => {
  await vigil.stop();
  await site.close();
});

const feedMonitor = (extra: Record<string, unknown> = {}) => ({
  type: 'event_stream' as const,
  frequency: '1d',
  settings: { query: `Updates from ${site.url}/feed.xml` },
  ...extra,
});

/** A raw request, for what the SDK cannot send (bad keys, unknown fields, repeated params). */
async function raw(method: string, path: string, options: { key?: string | null; body?: unknown; headers?: Record<string, string>; base?: TestVigil } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const target = options.base ?? vigil;
  if (options.key !== null) headers['x-api-key'] = options.key ?? target.apiKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

function assertEnvelope(body: any, messagePattern: RegExp) {
  assert.equal(body.type, 'error');
  assert.match(body.error.ref_id, /^[0-9a-f-]{36}$/);
  assert.match(body.error.message, messagePattern);
}

describe('Monitor API v1 through the official SDK', () => {
  it('creates a monitor (201) that runs once right away, and retrieves it', async () => {
    const created = await client.monitor.create(
      feedMonitor({
        metadata: { team: 'research' },
        webhook: { url: 'http://127.0.0.1:9/hook', event_types: ['monitor.event.detected'] },
      }),
    );
    assert.match(created.monitor_id, /^monitor_[0-9a-f]{32}$/);
    assert.equal(created.type, 'event_stream');
    assert.equal(created.status, 'active');
    assert.equal(created.processor, 'lite');
    assert.equal(created.frequency, '1d');
    assert.deepEqual(created.metadata, { team: 'research' });
    assert.deepEqual(created.webhook, { url: 'http://127.0.0.1:9/hook', event_types: ['monitor.event.detected'] });
    assert.equal(created.settings.query, `Updates from ${site.url}/feed.xml`);
    assert.ok(!Number.isNaN(Date.parse(created.created_at)));

    const ran = await waitFor(
      async () => {
        const m = await client.monitor.retrieve(created.monitor_id);
        return m.last_run_at ? m : undefined;
      },
      10_000,
      'the creation run',
    );
    assert.ok(Date.parse(ran.last_run_at!) >= Date.parse(created.created_at));
    const events = await client.monitor.events(created.monitor_id, { include_completions: true });
    assert.equal(events.events.length, 1, 'the creation run has one outcome');
    assert.equal(events.events[0].event_type, 'completion');
  });

  it('updates only the fields present, clears webhook and metadata with null, and keeps the rest', async () => {
    const created = await client.monitor.create(feedMonitor({ metadata: { a: '1' }, webhook: { url: 'http://127.0.0.1:9/h' } }));
    const updated = await client.monitor.update(created.monitor_id, { frequency: '12h', metadata: null });
    assert.equal(updated.frequency, '12h');
    assert.equal(updated.metadata, null);
    assert.deepEqual(updated.webhook, { url: 'http://127.0.0.1:9/h' });
    const query = `Rust releases from ${site.url}/feed.xml`;
    const again = await client.monitor.update(created.monitor_id, { type: 'event_stream', settings: { query }, webhook: null });
    assert.equal(again.settings.query, query);
    assert.equal(again.webhook, null);
    assert.equal(again.frequency, '12h');
    // The creation run may finish meanwhile: compare all but last_run_at.
    const { last_run_at: _now, ...retrieved } = await client.monitor.retrieve(created.monitor_id);
    const { last_run_at: _then, ...updated2 } = again;
    assert.deepEqual(retrieved, updated2);
  });

  it('lists newest first with an opaque cursor that always advances, and filters by status and type', async () => {
    const fresh = await startTestVigil();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await fresh.client.monitor.create(feedMonitor())).monitor_id);
      await fresh.client.monitor.cancel(ids[1]);
      const seen: string[] = [];
      let cursor: string | undefined;
      const cursors = new Set<string>();
      do {
        const page = await fresh.client.monitor.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        assert.ok(page.monitors.length <= 2);
        seen.push(...page.monitors.map((m) => m.monitor_id));
        cursor = page.next_cursor ?? undefined;
        if (cursor) {
          assert.ok(!cursors.has(cursor));
          cursors.add(cursor);
        }
      } while (cursor);
      const activeNewestFirst = ids.filter((id) => id !== ids[1]).reverse();
      assert.deepEqual(seen, activeNewestFirst, 'active only by default, newest first, each once');

      const both = await fresh.client.monitor.list({ status: ['active', 'cancelled'] });
      assert.deepEqual(
        both.monitors.map((m) => m.monitor_id),
        [...ids].reverse(),
      );
      assert.equal(both.next_cursor ?? null, null);
      const cancelled = await raw('GET', '/v1/monitors?status=cancelled', { base: fresh });
      assert.deepEqual(
        cancelled.body.monitors.map((m: any) => m.monitor_id),
        [ids[1]],
      );
      const repeated = await raw('GET', '/v1/monitors?status=active&status=cancelled&type=event_stream', { base: fresh });
      assert.equal(repeated.body.monitors.length, 5);
      const snapshots = await fresh.client.monitor.list({ type: ['snapshot'] });
      assert.deepEqual(snapshots.monitors, []);
    } finally {
      await fresh.stop();
    }
  });

  it('cancels idempotently, and refuses to trigger or update a cancelled monitor with 422', async () => {
    const created = await client.monitor.create(feedMonitor());
    const cancelled = await client.monitor.cancel(created.monitor_id);
    assert.equal(cancelled.status, 'cancelled');
    const twice = await client.monitor.cancel(created.monitor_id);
    assert.equal(twice.status, 'cancelled');
    assert.equal((await client.monitor.retrieve(created.monitor_id)).status, 'cancelled');
    await assert.rejects(client.monitor.trigger(created.monitor_id), (err: any) => err.status === 422 && /cancelled/.test(err.message));
    await assert.rejects(client.monitor.update(created.monitor_id, { frequency: '2d' }), (err: any) => err.status === 422 && /cancelled/.test(err.message));
  });

  it('triggers a run (204) that appends one more outcome, and lists one execution by event_group_id', async () => {
    const created = await client.monitor.create(feedMonitor());
    await waitFor(async () => (await client.monitor.events(created.monitor_id, { include_completions: true })).events.length === 1);
    const response = await raw('POST', `/v1/monitors/${created.monitor_id}/trigger`);
    assert.equal(response.status, 204);
    assert.equal(response.body, undefined);
    await client.monitor.trigger(created.monitor_id);
    const events = await waitFor(
      async () => {
        const page = await client.monitor.events(created.monitor_id, { include_completions: true });
        return page.events.length === 3 ? page.events : undefined;
      },
      10_000,
      'three outcomes',
    );
    const groups = new Set(events.map((e: any) => e.event_group_id));
    assert.equal(groups.size, 3, 'each execution is its own event group');
    const one = await client.monitor.events(created.monitor_id, {
      event_group_id: (events[1] as any).event_group_id,
      include_completions: true,
      limit: 1,
    });
    assert.deepEqual(one.events, [events[1]]);
    assert.equal((await client.monitor.events(created.monitor_id)).events.length, 0, 'completions are hidden by default');
  });
});

describe('errors', () => {
  it('answers 401 with the envelope for a missing or wrong key, and accepts a Bearer key', async () => {
    for (const key of [null, 'wrong-key']) {
      const response = await raw('GET', '/v1/monitors', { key });
      assert.equal(response.status, 401);
      assertEnvelope(response.body, /^Unauthorized: invalid or missing credentials$/);
      assert.equal(response.headers.get('x-should-retry'), 'false');
    }
    const bearer = await raw('GET', '/v1/monitors', { key: null, headers: { authorization: `Bearer ${vigil.apiKey}` } });
    assert.equal(bearer.status, 200);
    const sdk = new Parallel({ apiKey: 'wrong', baseURL: vigil.url, maxRetries: 0 });
    await assert.rejects(sdk.monitor.list(), Parallel.AuthenticationError);
  });

  it('answers 404 for every monitor route of another account, as if the monitor did not exist', async () => {
    const mine = await client.monitor.create(feedMonitor());
    const other = await vigil.other();
    const id = mine.monitor_id;
    const calls: [string, () => Promise<unknown>][] = [
      ['retrieve', () => other.client.monitor.retrieve(id)],
      ['update', () => other.client.monitor.update(id, { frequency: '2d' })],
      ['cancel', () => other.client.monitor.cancel(id)],
      ['trigger', () => other.client.monitor.trigger(id)],
      ['events', () => other.client.monitor.events(id)],
    ];
    for (const [name, call] of calls) {
      await assert.rejects(call(), (err: any) => {
        assert.equal(err.status, 404, name);
        assert.equal(err.error.error.message, 'Monitor not found');
        return true;
      });
    }
    assert.deepEqual((await other.client.monitor.list({ status: ['active', 'cancelled'] })).monitors, []);
    assert.equal((await client.monitor.retrieve(id)).status, 'active', 'the other account changed nothing');
    assert.equal((await raw('GET', '/v1/monitors/monitor_missing')).status, 404);
  });

  it('answers 422 naming the field and the rule for bad input, and writes nothing', async () => {
    const before = (await client.monitor.list({ status: ['active', 'cancelled'], limit: 10_000 })).monitors.length;
    const cases: [unknown, RegExp][] = [
      [{ ...feedMonitor(), frequency: '5w' }, /body\.frequency: must be <number><unit>.*got "5w"/],
      [{ ...feedMonitor(), frequency: '0h' }, /body\.frequency/],
      [{ ...feedMonitor(), frequency: '1m' }, /body\.frequency: .*between 5m and 30d/],
      [{ ...feedMonitor(), frequency: 'daily' }, /body\.frequency/],
      [{ ...feedMonitor(), type: 'stream' }, /body\.type/],
      [{ type: 'event_stream', settings: { query: 'x' } }, /body\.frequency: is required/],
      [{ ...feedMonitor(), settings: {} }, /body\.settings\.query: is required/],
      [{ ...feedMonitor(), settings: { query: 'AI funding news' } }, /body\.settings: no source to watch/],
      [{ ...feedMonitor(), metadata: { this_key_is_far_too_long: 'x' } }, /body\.metadata\.this_key_is_far_too_long: metadata keys must be 1 to 16/],
      [{ ...feedMonitor(), metadata: { k: 'x'.repeat(513) } }, /body\.metadata\.k: metadata values must be at most 512/],
      [{ ...feedMonitor(), webhook: { url: 'not a url' } }, /body\.webhook\.url: must be an absolute http or https URL/],
      [{ ...feedMonitor(), webhook: { url: 'http://127.0.0.1:9/', event_types: ['change_detected'] } }, /body\.webhook\.event_types\.0/],
      [{ ...feedMonitor(), processor: 'ultra9x' }, /body\.processor/],
      [{ type: 'snapshot', frequency: '1d', settings: { task_run_id: 'trun_missing' } }, /body\.settings\.task_run_id: task run "trun_missing" not found/],
    ];
    for (const [body, pattern] of cases) {
      const response = await raw('POST', '/v1/monitors', { body });
      assert.equal(response.status, 422, JSON.stringify(body));
      assertEnvelope(response.body, /^Unprocessable content: request validation error: /);
      assert.match(response.body.error.message, pattern);
      assert.ok(Array.isArray(response.body.error.detail.errors));
      assert.equal(response.headers.get('x-should-retry'), 'false');
    }
    const malformed = await fetch(`${vigil.url}/v1/monitors`, {
      method: 'POST',
      headers: { 'x-api-key': vigil.apiKey, 'content-type': 'application/json' },
      body: '{"type":',
    });
    assert.equal(malformed.status, 422);
    assertEnvelope(await malformed.json(), /body is not valid JSON/);
    const after = (await client.monitor.list({ status: ['active', 'cancelled'], limit: 10_000 })).monitors.length;
    assert.equal(after, before, 'no rejected request created a monitor');
  });

  it('rejects empty and null-clearing updates that the contract forbids', async () => {
    const created = await client.monitor.create(feedMonitor());
    const cases: [unknown, RegExp][] = [
      [{}, /body: at least one field other than type must be provided/],
      [{ type: 'event_stream' }, /at least one field/],
      [{ frequency: null }, /body\.frequency/],
      [{ processor: null }, /body\.processor/],
      [{ settings: { query: 'x' } }, /body\.type: is required with settings/],
      [{ type: 'event_stream', settings: { query: null } }, /body\.settings\.query/],
    ];
    for (const [body, pattern] of cases) {
      const response = await raw('POST', `/v1/monitors/${created.monitor_id}/update`, { body });
      assert.equal(response.status, 422, JSON.stringify(body));
      assert.match(response.body.error.message, pattern);
    }
    await assert.rejects(client.monitor.update(created.monitor_id, {}), (err: any) => err.status === 422);
    const { last_run_at: _now, ...current } = await client.monitor.retrieve(created.monitor_id);
    const { last_run_at: _then, ...original } = created;
    assert.deepEqual(current, original, 'no rejected update changed the monitor');
  });

  it('keeps null as null (never coerced to an empty string)', async () => {
    const response = await raw('POST', '/v1/monitors', { body: { ...feedMonitor(), memory_scope_key: null, webhook: null, metadata: null } });
    assert.equal(response.status, 201);
    assert.equal(response.body.memory_scope_key, null);
    assert.equal(response.body.webhook, null);
    const updated = await raw('POST', `/v1/monitors/${response.body.monitor_id}/update`, {
      body: { type: 'event_stream', settings: { advanced_settings: null } },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.settings.advanced_settings, null);
  });

  it('ignores unknown fields', async () => {
    const response = await raw('POST', '/v1/monitors', { body: { ...feedMonitor(), colour: 'blue', settings: { query: `x ${site.url}/feed.xml`, shade: 1 } } });
    assert.equal(response.status, 201);
    assert.equal(response.body.colour, undefined);
    assert.deepEqual(response.body.settings, { query: `x ${site.url}/feed.xml` });
  });

  it('validates list and events parameters', async () => {
    const created = await client.monitor.create(feedMonitor());
    const id = created.monitor_id;
    for (const path of [
      '/v1/monitors?limit=0',
      '/v1/monitors?limit=10001',
      '/v1/monitors?status=paused',
      '/v1/monitors?cursor=garbage',
      `/v1/monitors/${id}/events?limit=101`,
      `/v1/monitors/${id}/events?limit=0`,
      `/v1/monitors/${id}/events?include_completions=maybe`,
    ]) {
      const response = await raw('GET', path);
      assert.equal(response.status, 422, path);
      assertEnvelope(response.body, /^Unprocessable content: /);
      assert.match(response.body.error.message, /query\.(limit|status|cursor|include_completions)/);
    }
    const badCursor = await raw('GET', `/v1/monitors/${id}/events?cursor=not-a-cursor`);
    assert.equal(badCursor.status, 422);
    assert.match(badCursor.body.error.message, /^Unprocessable content: invalid cursor or request validation error/);
    const missingGroup = await raw('GET', `/v1/monitors/${id}/events?event_group_id=mevtgrp_nope`);
    assert.equal(missingGroup.status, 404);
    assert.equal(missingGroup.body.error.message, 'Event group not found');
  });

  it('rejects a cursor made for another monitor with 422', async () => {
    const a = await client.monitor.create(feedMonitor());
    const b = await client.monitor.create(feedMonitor());
    for (let i = 0; i < 2; i += 1) await client.monitor.trigger(a.monitor_id);
    const page = await waitFor(async () => {
      const p = await client.monitor.events(a.monitor_id, { include_completions: true, limit: 1 });
      return p.next_cursor ? p : undefined;
    });
    await assert.rejects(
      client.monitor.events(b.monitor_id, { cursor: page.next_cursor!, include_completions: true }),
      (err: any) => err.status === 422 && /another monitor/.test(err.message),
    );
  });

  it('answers 429 with the envelope once an account exceeds its monitor-create quota', async () => {
    const limited = await startTestVigil({ VIGIL_MONITOR_CREATES_PER_MINUTE: '2' });
    try {
      await limited.client.monitor.create(feedMonitor());
      await limited.client.monitor.create(feedMonitor());
      const third = await fetch(`${limited.url}/v1/monitors`, {
        method: 'POST',
        headers: { 'x-api-key': limited.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(feedMonitor()),
      });
      assert.equal(third.status, 429);
      assertEnvelope(await third.json(), /^Too many requests: quota temporarily exceeded$/);
      assert.equal((await limited.client.monitor.list()).monitors.length, 2);
    } finally {
      await limited.stop();
    }
  });
});

describe('OpenAPI', () => {
  it('serves /openapi.json generated from the route schemas', async () => {
    const response = await fetch(`${vigil.url}/openapi.json`);
    const doc = await response.json();
    assert.match(doc.openapi, /^3\./);
    for (const path of [
      '/v1/monitors',
      '/v1/monitors/{monitor_id}',
      '/v1/monitors/{monitor_id}/update',
      '/v1/monitors/{monitor_id}/cancel',
      '/v1/monitors/{monitor_id}/trigger',
      '/v1/monitors/{monitor_id}/events',
    ]) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.ok(doc.paths['/v1/monitors'].post.requestBody.content['application/json'].schema.properties.frequency);
  });
});

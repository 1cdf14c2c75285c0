import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rss, startFixtureSite, startTestVigil, waitFor, type FixtureSite, type TestVigil } from './helpers.js';
import { assertError, legacyClient } from './legacy-client.js';

let vigil: TestVigil;
let site: FixtureSite;
let legacy: ReturnType<typeof legacyClient>;

before(async () => {
  site = await startFixtureSite();
  site.set('/feed.xml', rss('Legacy news', [{ title: 'Old post', link: 'https://example.test/old', date: new Date('2020-01-01') }]));
  vigil = await startTestVigil();
  legacy = legacyClient(vigil);
});
after(async () => {
  await vigil.stop();
  await site.close();
});

const query = () => `News from ${site.url}/feed.xml`;
const NOT_FOUND = /^Schedule not found$/;

describe('Legacy Monitor API (v1alpha): monitors', () => {
  it('creates with frequency or the deprecated cadence (201), retrieves, updates and deletes, in the legacy shapes', async () => {
    const outputSchema = { type: 'json', json_schema: { type: 'object', properties: { title: { type: 'string' } } } };
    const created = await legacy('POST', '/v1alpha/monitors', {
      body: {
        query: query(),
        frequency: '1d',
        metadata: { team: 'research' },
        output_schema: outputSchema,
        webhook: { url: 'http://127.0.0.1:9/hook', event_types: ['monitor.event.detected'] },
        source_policy: { exclude_domains: ['spam.example'] },
        include_backfill: false,
      },
    });
    assert.equal(created.status, 201);
    const m = created.body;
    assert.match(m.monitor_id, /^monitor_[0-9a-f]{32}$/);
    assert.deepEqual([m.query, m.status, m.frequency, m.include_backfill, m.last_run_at, 'cadence' in m], [query(), 'active', '1d', false, null, false]);
    assert.deepEqual(m.metadata, { team: 'research' });
    assert.deepEqual(m.webhook, { url: 'http://127.0.0.1:9/hook', event_types: ['monitor.event.detected'] });
    assert.deepEqual(m.output_schema, outputSchema);
    assert.deepEqual(m.source_policy, { exclude_domains: ['spam.example'] });

    const byCadence = await legacy('POST', '/v1alpha/monitors', { body: { query: query(), cadence: 'every_two_weeks' } });
    assert.equal(byCadence.status, 201);
    assert.deepEqual([byCadence.body.frequency, byCadence.body.cadence, byCadence.body.webhook], ['2w', 'every_two_weeks', null]);
    const ran = await waitFor(
      async () => {
        const got = await legacy('GET', `/v1alpha/monitors/${byCadence.body.monitor_id}`);
        return got.body.last_run_at ? got.body : undefined;
      },
      10_000,
      'the creation run',
    );
    assert.deepEqual({ ...ran, last_run_at: null }, byCadence.body);

    const updated = await legacy('POST', `/v1alpha/monitors/${m.monitor_id}`, { body: { query: `${query()} today`, cadence: 'weekly', webhook: null } });
    assert.equal(updated.status, 200);
    assert.deepEqual([updated.body.query, updated.body.frequency, updated.body.cadence], [`${query()} today`, '1w', 'weekly']);
    assert.deepEqual(updated.body.webhook, m.webhook, 'null means unchanged');
    const policy = await legacy('POST', `/v1alpha/monitors/${m.monitor_id}`, {
      body: { frequency: '2d', source_policy: { include_domains: ['example.test'] } },
    });
    assert.deepEqual([policy.body.frequency, 'cadence' in policy.body], ['2d', false]);
    assert.deepEqual(policy.body.source_policy, { include_domains: ['example.test'] });
    assert.deepEqual(policy.body.output_schema, outputSchema, 'settings the update does not name are kept');

    const deleted = await legacy('DELETE', `/v1alpha/monitors/${m.monitor_id}`);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.status, 'canceled');
    assertError(await legacy('GET', `/v1alpha/monitors/${m.monitor_id}`), 404, NOT_FOUND);
    assertError(await legacy('POST', `/v1alpha/monitors/${m.monitor_id}`, { body: { frequency: '1d' } }), 404, NOT_FOUND);
    assertError(await legacy('DELETE', `/v1alpha/monitors/${m.monitor_id}`), 404, NOT_FOUND);
    assertError(await legacy('GET', `/v1alpha/monitors/${m.monitor_id}/events`), 404, NOT_FOUND);
    assertError(await legacy('POST', `/v1alpha/monitors/${m.monitor_id}/simulate_event`), 404, NOT_FOUND);
    assert.equal((await vigil.client.monitor.retrieve(m.monitor_id)).status, 'cancelled', 'v1 still shows it, cancelled');
  });

  it('lists every monitor by id (bare array) and active ones newest first by cursor', async () => {
    const other = await vigil.other();
    const mine = legacyClient(vigil, other.apiKey);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await mine('POST', '/v1alpha/monitors', { body: { query: query(), frequency: '1d' } })).body.monitor_id);
    await mine('DELETE', `/v1alpha/monitors/${ids[1]}`);
    const sorted = [...ids].sort();

    const all = await mine('GET', '/v1alpha/monitors');
    assert.deepEqual(
      all.body.map((m: any) => m.monitor_id),
      sorted,
      'lexicographic, every status',
    );
    assert.equal(all.body.find((m: any) => m.monitor_id === ids[1]).status, 'canceled');
    const from = await mine('GET', `/v1alpha/monitors?monitor_id=${sorted[1]}`);
    assert.deepEqual(
      from.body.map((m: any) => m.monitor_id),
      sorted.slice(1),
      'starts at the given id',
    );
    const one = await mine('GET', `/v1alpha/monitors?monitor_id=${sorted[1]}&limit=1`);
    assert.deepEqual(
      one.body.map((m: any) => m.monitor_id),
      [sorted[1]],
    );

    const first = await mine('GET', '/v1alpha/monitors/list?limit=1');
    assert.deepEqual(
      first.body.data.map((m: any) => m.monitor_id),
      [ids[2]],
      'newest first',
    );
    assert.equal(typeof first.body.next_cursor, 'string');
    const second = await mine('GET', `/v1alpha/monitors/list?limit=1&cursor=${first.body.next_cursor}`);
    assert.deepEqual(
      second.body.data.map((m: any) => m.monitor_id),
      [ids[0]],
      'active only',
    );
    assert.equal(second.body.next_cursor, null);
    assert.equal((await mine('GET', '/v1alpha/monitors/list')).body.data.length, 2);
  });

  it('answers every documented error: 401, 404 Schedule not found (also for another account), 422 naming the field', async () => {
    const id = (await legacy('POST', '/v1alpha/monitors', { body: { query: query(), frequency: '1d' } })).body.monitor_id;
    for (const key of [null, 'wrong-key']) {
      const anonymous = legacyClient(vigil, key);
      assertError(await anonymous('GET', '/v1alpha/monitors'), 401, /^Unauthorized/);
      assertError(await anonymous('POST', '/v1alpha/monitors', { body: { query: query(), frequency: '1d' } }), 401, /^Unauthorized/);
      assertError(await anonymous('GET', `/v1alpha/monitors/${id}/events`), 401, /^Unauthorized/);
    }
    const stranger = legacyClient(vigil, (await vigil.other()).apiKey);
    for (const target of [id, 'monitor_00000000000000000000000000000000']) {
      assertError(await stranger('GET', `/v1alpha/monitors/${target}`), 404, NOT_FOUND);
      assertError(await stranger('POST', `/v1alpha/monitors/${target}`, { body: { frequency: '1w' } }), 404, NOT_FOUND);
      assertError(await stranger('DELETE', `/v1alpha/monitors/${target}`), 404, NOT_FOUND);
      assertError(await stranger('GET', `/v1alpha/monitors/${target}/events`), 404, NOT_FOUND);
      assertError(await stranger('GET', `/v1alpha/monitors/${target}/event_groups/mevtgrp_1`), 404, NOT_FOUND);
      assertError(await stranger('POST', `/v1alpha/monitors/${target}/simulate_event`), 404, NOT_FOUND);
    }
    assert.deepEqual((await stranger('GET', '/v1alpha/monitors')).body, []);
    assertError(await legacy('GET', `/v1alpha/monitors/${id}/event_groups/mevtgrp_${'0'.repeat(48)}`), 404, /^Event group not found$/);

    const invalid: [string, unknown, RegExp][] = [
      ['frequency 5min', { query: query(), frequency: '5min' }, /frequency: .*got "5min"/],
      ['frequency 31d', { query: query(), frequency: '31d' }, /frequency: .*30d/],
      ['cadence 5min', { query: query(), cadence: '5min' }, /cadence: must be one of: daily, weekly, hourly, every_two_weeks/],
      ['webhook as a string', { query: query(), frequency: '1d', webhook: 'https://example.test/hook' }, /webhook/],
      ['no query', { frequency: '1d' }, /query: is required/],
      ['no schedule', { query: query() }, /frequency: is required \(or the deprecated cadence/],
    ];
    for (const [, body, message] of invalid) assertError(await legacy('POST', '/v1alpha/monitors', { body }), 422, message);
    assertError(await legacy('POST', `/v1alpha/monitors/${id}`, { body: {} }), 422, /body: at least one field must be non-null/);
    assertError(await legacy('POST', `/v1alpha/monitors/${id}`, { body: { query: null, webhook: null } }), 422, /at least one field/);
    assertError(await legacy('POST', `/v1alpha/monitors/${id}`, { body: { cadence: 'every_minute' } }), 422, /cadence/);
    for (const period of ['24h', '5h', '0d', '1m', 'week']) {
      assertError(
        await legacy('GET', `/v1alpha/monitors/${id}/events?lookback_period=${period}`),
        422,
        new RegExp(`lookback_period: must be <n>d or <n>w .*at least 1d.*got "${period}"`),
      );
    }
    assertError(await legacy('POST', `/v1alpha/monitors/${id}/simulate_event?event_type=monitor.bogus`), 422, /event_type: must be one of/);
    assertError(await legacy('POST', `/v1alpha/monitors/${id}/simulate_event`), 400, /^Webhook not configured$/);
    assertError(await legacy('GET', '/v1alpha/monitors?limit=0'), 422, /limit/);
    assertError(await legacy('GET', '/v1alpha/monitors/list?limit=10001'), 422, /limit/);
    assertError(await legacy('GET', '/v1alpha/monitors/list?cursor=nonsense'), 422, /cursor/);
  });

  it('shares one store with v1: each API sees and manages what the other created', async () => {
    const policy = { include_domains: ['example.test'], after_date: '2024-01-01' };
    const outputSchema = { type: 'json' as const, json_schema: { type: 'object', properties: { title: { type: 'string' } } } };
    const v1 = await vigil.client.monitor.create({
      type: 'event_stream',
      frequency: '1d',
      metadata: { via: 'v1' },
      settings: { query: query(), include_backfill: true, output_schema: outputSchema, advanced_settings: { source_policy: policy } },
    });
    const seen = (await legacy('GET', `/v1alpha/monitors/${v1.monitor_id}`)).body;
    assert.deepEqual(
      [seen.query, seen.frequency, seen.include_backfill, seen.source_policy, seen.output_schema, seen.metadata, seen.status],
      [query(), '1d', true, policy, outputSchema, { via: 'v1' }, 'active'],
    );

    const old = (
      await legacy('POST', '/v1alpha/monitors', {
        body: { query: query(), cadence: 'daily', include_backfill: true, source_policy: policy, output_schema: outputSchema },
      })
    ).body;
    const mapped = await vigil.client.monitor.retrieve(old.monitor_id);
    assert.deepEqual([mapped.type, mapped.status, mapped.frequency, mapped.processor], ['event_stream', 'active', '1d', 'lite']);
    assert.deepEqual(mapped.settings, {
      query: query(),
      include_backfill: true,
      output_schema: outputSchema,
      advanced_settings: { source_policy: policy },
    });

    await vigil.client.monitor.update(old.monitor_id, { frequency: '1w' });
    const after = (await legacy('GET', `/v1alpha/monitors/${old.monitor_id}`)).body;
    assert.deepEqual([after.frequency, 'cadence' in after], ['1w', false], 'a cadence is shown only while it names the frequency');
    await legacy('POST', `/v1alpha/monitors/${v1.monitor_id}`, { body: { query: `${query()} again` } });
    assert.equal((await vigil.client.monitor.retrieve(v1.monitor_id)).settings.query, `${query()} again`);

    await vigil.client.monitor.cancel(v1.monitor_id);
    assertError(await legacy('GET', `/v1alpha/monitors/${v1.monitor_id}`), 404, NOT_FOUND);
    const listed = (await legacy('GET', `/v1alpha/monitors?monitor_id=${v1.monitor_id}&limit=1`)).body;
    assert.deepEqual(
      listed.map((m: any) => [m.monitor_id, m.status]),
      [[v1.monitor_id, 'canceled']],
    );
  });
});

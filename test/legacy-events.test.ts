import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { rss, startFixtureSite, startReceiver, startTestVigil, waitFor, type FixtureSite, type ReceivedWebhook, type RssItem } from './helpers.js';
import { assertError, legacyClient } from './legacy-client.js';

let site: FixtureSite;
let feeds = 0;

before(async () => {
  site = await startFixtureSite();
});
after(async () => {
  await site.close();
});

/** A new feed on the fixture site, and a setter that adds fresh items to it. */
function feed() {
  feeds += 1;
  const path = `/legacy/${feeds}.xml`;
  const items: RssItem[] = [{ title: 'Old', link: `https://news.example.test/${feeds}/old`, date: new Date('2020-01-01') }];
  site.set(path, rss('Legacy', items));
  return {
    url: `${site.url}${path}`,
    path,
    grow: (count: number) => {
      for (let i = 0; i < count; i += 1) {
        items.unshift({
          title: `Fresh ${items.length}`,
          description: `Summary ${items.length}`,
          link: `https://news.example.test/${feeds}/${items.length}`,
          date: new Date(),
        });
      }
      site.set(path, rss('Legacy', items));
    },
  };
}

const outputSchema = {
  type: 'json',
  json_schema: { type: 'object', properties: { title: { type: 'string' }, url: { type: 'string' } } },
};

describe('Legacy Monitor API (v1alpha): events, event groups and simulated webhooks', () => {
  it('gives a detected group the same events through event_groups and v1 events, and lists errors and completions', async () => {
    const vigil = await startTestVigil();
    const receiver = await startReceiver();
    const legacy = legacyClient(vigil);
    try {
      const f = feed();
      const text = (await legacy('POST', '/v1alpha/monitors', { body: { query: `News from ${f.url}`, frequency: '1d', webhook: { url: receiver.url } } })).body;
      const json = (
        await legacy('POST', '/v1alpha/monitors', {
          body: { query: `News from ${f.url}`, frequency: '1d', webhook: { url: receiver.url }, output_schema: outputSchema },
        })
      ).body;
      const of = (id: string, type: string) => receiver.received.filter((r) => r.json.data.monitor_id === id && r.json.type === type);
      const completed = await waitFor(() => of(text.monitor_id, 'monitor.execution.completed')[0], 10_000, 'the creation run');
      await waitFor(() => of(json.monitor_id, 'monitor.execution.completed')[0], 10_000, 'the creation run');

      f.grow(2);
      for (const m of [text, json]) await vigil.client.monitor.trigger(m.monitor_id);
      for (const [m, type] of [
        [text, 'text'],
        [json, 'json'],
      ] as const) {
        const detected = await waitFor(() => of(m.monitor_id, 'monitor.event.detected')[0], 10_000, 'the detected webhook');
        const groupId = detected.json.data.event.event_group_id;
        const grouped = (await legacy('GET', `/v1alpha/monitors/${m.monitor_id}/event_groups/${groupId}`)).body.events;
        const v1 = (await vigil.client.monitor.events(m.monitor_id, { event_group_id: groupId })).events as any[];
        assert.equal(grouped.length, 2);
        assert.equal(grouped.length, v1.length, 'the same events in both shapes');
        grouped.forEach((event: any, i: number) => {
          const output = v1[i].output;
          assert.deepEqual([event.type, event.event_group_id, event.event_date, event.result.type], ['event', groupId, v1[i].event_date, type]);
          assert.deepEqual(event.result.content, output.content);
          assert.deepEqual(event.source_urls, [...new Set(output.basis.flatMap((b: any) => b.citations.map((c: any) => c.url)))]);
          assert.ok(event.source_urls.length > 0);
          assert.equal(event.output, type === 'text' ? output.content : JSON.stringify(output.content));
        });
      }

      site.fail(f.path, 500);
      await vigil.client.monitor.trigger(text.monitor_id);
      const failed = await waitFor(() => of(text.monitor_id, 'monitor.execution.failed')[0], 10_000, 'the failed webhook');
      const groupOf = (r: ReceivedWebhook) => r.json.data.event.event_group_id;
      const listed = (await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/events`)).body.events;
      assert.deepEqual(
        listed.map((e: any) => e.type),
        ['error', 'event', 'event', 'completion'],
        'newest group first, flattened',
      );
      assert.deepEqual(listed[0], { type: 'error', error: failed.json.data.event.error, id: failed.json.data.event.id, date: failed.json.data.event.date });
      assert.match(listed[0].id, /^error_\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.deepEqual(listed[3], { type: 'completion', monitor_ts: completed.json.data.event.monitor_ts });
      assert.deepEqual((await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/events?lookback_period=1w`)).body.events, listed);
      // Only detected events make an event group here: a completion's or an error's group is not found.
      for (const r of [completed, failed]) {
        assertError(await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/event_groups/${groupOf(r)}`), 404, /^Event group not found$/);
      }
      const otherGroup = groupOf(of(json.monitor_id, 'monitor.event.detected')[0]);
      assertError(await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/event_groups/${otherGroup}`), 404, /^Event group not found$/);
    } finally {
      await vigil.stop();
      await receiver.close();
    }
  });

  it('lists only events within the lookback period', async () => {
    let offset = 0;
    const vigil = await startTestVigil({}, {}, { clock: () => Date.now() + offset });
    const legacy = legacyClient(vigil);
    try {
      const f = feed();
      const m = (await legacy('POST', '/v1alpha/monitors', { body: { query: `News from ${f.url}`, frequency: '30d' } })).body;
      const completions = async (n: number) => (await vigil.client.monitor.events(m.monitor_id, { include_completions: true })).events.length === n;
      await waitFor(() => completions(1), 10_000, 'the creation run');
      offset = 3 * 86_400_000;
      await vigil.client.monitor.trigger(m.monitor_id);
      await waitFor(() => completions(2), 10_000, 'the triggered run');

      const all = (await legacy('GET', `/v1alpha/monitors/${m.monitor_id}/events`)).body.events;
      assert.equal(all.length, 2);
      assert.ok(all[0].monitor_ts > all[1].monitor_ts, 'newest first');
      assert.deepEqual((await legacy('GET', `/v1alpha/monitors/${m.monitor_id}/events?lookback_period=2d`)).body.events, [all[0]]);
      assert.deepEqual((await legacy('GET', `/v1alpha/monitors/${m.monitor_id}/events?lookback_period=1w`)).body.events, all);
    } finally {
      await vigil.stop();
    }
  });

  it('simulate_event sends a correctly signed webhook of each type, and the detected test group resolves', async () => {
    const vigil = await startTestVigil();
    const receiver = await startReceiver();
    const legacy = legacyClient(vigil);
    try {
      const f = feed();
      const secret = (await (await fetch(`${vigil.url}/v1/webhooks/secret`, { headers: { 'x-api-key': vigil.apiKey } })).json()).secret;
      const verifier = new Webhook(secret, { format: 'raw' });
      // Subscribed to detected only: simulating is explicit, so the other types are sent all the same.
      const webhook = { url: receiver.url, event_types: ['monitor.event.detected'] };
      const text = (await legacy('POST', '/v1alpha/monitors', { body: { query: `News from ${f.url}`, frequency: '1d', webhook, metadata: { k: 'v' } } })).body;
      const json = (await legacy('POST', '/v1alpha/monitors', { body: { query: `News from ${f.url}`, frequency: '1d', webhook, output_schema: outputSchema } }))
        .body;
      const simulate = async (m: any, eventType?: string, options: { rawBody?: string; contentType?: string; body?: unknown } = {}) => {
        const count = receiver.received.length;
        const answer = await legacy('POST', `/v1alpha/monitors/${m.monitor_id}/simulate_event${eventType ? `?event_type=${eventType}` : ''}`, options);
        assert.equal(answer.status, 204);
        const received = await waitFor(() => receiver.received[count], 10_000, 'the simulated webhook');
        verifier.verify(received.body, received.headers);
        assert.match(received.headers['webhook-id'], /^whevent_/);
        assert.equal(received.json.data.monitor_id, m.monitor_id);
        return received.json;
      };

      // The default type; the body's event_type is ignored, as documented.
      const detected = await simulate(text, undefined, { body: { event_type: 'monitor.execution.failed' } });
      assert.equal(detected.type, 'monitor.event.detected');
      assert.deepEqual(detected.data.metadata, { k: 'v' });
      assert.deepEqual(Object.keys(detected.data.event), ['event_group_id']);
      const testGroup = detected.data.event.event_group_id;
      assert.match(testGroup, /^test_[0-9a-f]+$/);
      const resolved = (await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/event_groups/${testGroup}`)).body.events;
      assert.deepEqual(resolved, [
        {
          type: 'event',
          event_group_id: testGroup,
          output: '',
          event_date: resolved[0].event_date,
          source_urls: ['https://test.example.com'],
          result: { type: 'text', content: 'This is a test event.' },
        },
      ]);
      assert.match(resolved[0].event_date, /^\d{4}-\d{2}-\d{2}$/);

      const completion = await simulate(text, 'monitor.execution.completed', { rawBody: 'ignored', contentType: 'text/plain' });
      assert.equal(completion.type, 'monitor.execution.completed');
      assert.deepEqual(Object.keys(completion.data.event), ['type', 'monitor_ts', 'event_id', 'event_group_id', 'timestamp']);
      assert.match(completion.data.event.monitor_ts, /^completed_\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const failure = await simulate(text, 'monitor.execution.failed');
      assert.equal(failure.type, 'monitor.execution.failed');
      assert.deepEqual(Object.keys(failure.data.event), ['type', 'error', 'id', 'date', 'event_id', 'event_group_id', 'error_message', 'timestamp']);
      assert.match(failure.data.event.id, /^error_\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

      const shaped = await simulate(json, 'monitor.event.detected');
      const jsonGroup = (await legacy('GET', `/v1alpha/monitors/${json.monitor_id}/event_groups/${shaped.data.event.event_group_id}`)).body.events;
      assert.deepEqual(jsonGroup[0].result, { type: 'json', content: { title: '', url: '' } });

      // Only ids this server issued, for this monitor and a detected event, resolve.
      const notFound = /^Event group not found$/;
      assertError(await legacy('GET', `/v1alpha/monitors/${json.monitor_id}/event_groups/${testGroup}`), 404, notFound);
      assertError(await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/event_groups/${completion.data.event.event_group_id}`), 404, notFound);
      assertError(await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/event_groups/test_abc`), 404, notFound);
      assert.deepEqual(
        (await legacy('GET', `/v1alpha/monitors/${text.monitor_id}/events`)).body.events.filter((e: any) => e.type === 'event'),
        [],
        'simulated events are not in the log',
      );
    } finally {
      await vigil.stop();
      await receiver.close();
    }
  });
});

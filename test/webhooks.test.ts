import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { rss, startFixtureSite, startReceiver, startTestVigil, waitFor, type FixtureSite, type TestVigil } from './helpers.js';

let site: FixtureSite;
let feeds = 0;

before(async () => {
  site = await startFixtureSite();
});
after(async () => {
  await site.close();
});

const FAST_RETRIES = { VIGIL_WEBHOOK_RETRY_DELAY: '100ms' };

/** A new feed on the fixture site, and a setter that adds a fresh item to it. */
function feed() {
  feeds += 1;
  const path = `/wh/${feeds}.xml`;
  const items = [{ title: 'Old', link: `https://news.example.test/${feeds}/old`, date: new Date('2020-01-01') }];
  site.set(path, rss('Hooks', items));
  return {
    url: `${site.url}${path}`,
    path,
    grow: () => {
      items.unshift({ title: `Fresh ${items.length}`, link: `https://news.example.test/${feeds}/${items.length}`, date: new Date() });
      site.set(path, rss('Hooks', items));
    },
  };
}

async function api(vigil: TestVigil, method: string, path: string, body?: unknown) {
  const response = await fetch(`${vigil.url}${path}`, {
    method,
    headers: { 'x-api-key': vigil.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('webhooks', () => {
  it('sends exactly the subscribed types with the documented bodies, signed in both key modes and during rotation', async () => {
    const vigil = await startTestVigil(FAST_RETRIES);
    const receiver = await startReceiver();
    try {
      const f = feed();
      const { body: secret } = await api(vigil, 'GET', '/v1/webhooks/secret');
      assert.match(secret.secret, /^whsec_/);
      assert.equal(secret.key_mode, 'raw');
      const monitor = await vigil.client.monitor.create({
        type: 'event_stream',
        frequency: '1d',
        settings: { query: f.url },
        webhook: { url: receiver.url },
        metadata: { tenant: 'acme' },
      });
      const only = await vigil.client.monitor.create({
        type: 'event_stream',
        frequency: '1d',
        settings: { query: f.url },
        webhook: { url: `${receiver.url}?only=detected`, event_types: ['monitor.event.detected'] },
      });
      const raw = new Webhook(secret.secret, { format: 'raw' });
      const ofMonitor = (id: string) => receiver.received.filter((r) => r.json.data.monitor_id === id);

      const completed = await waitFor(() => ofMonitor(monitor.monitor_id)[0], 10_000, 'the completion webhook');
      raw.verify(completed.body, completed.headers);
      assert.match(completed.headers['webhook-id'], /^whevent_/);
      assert.equal(completed.json.type, 'monitor.execution.completed');
      assert.ok(!Number.isNaN(Date.parse(completed.json.timestamp)));
      assert.equal(completed.json.data.event.type, 'completion');
      assert.match(completed.json.data.event.monitor_ts, /^completed_\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.deepEqual(completed.json.data.metadata, { tenant: 'acme' });

      // The subscribed monitor's creation run must have recorded the feed before it grows.
      await waitFor(async () => (await vigil.client.monitor.events(only.monitor_id, { include_completions: true })).events.length > 0);
      f.grow();
      await vigil.client.monitor.trigger(monitor.monitor_id);
      await vigil.client.monitor.trigger(only.monitor_id);
      const detected = await waitFor(() => ofMonitor(monitor.monitor_id).find((r) => r.json.type === 'monitor.event.detected'));
      raw.verify(detected.body, detected.headers);
      const groupId = detected.json.data.event.event_group_id;
      assert.match(groupId, /^mevtgrp_/);
      const group = await vigil.client.monitor.events(monitor.monitor_id, { event_group_id: groupId });
      assert.equal(group.events.length, 1);
      assert.equal(group.events[0].event_type, 'event_stream');

      site.fail(f.path, 500);
      await vigil.client.monitor.trigger(monitor.monitor_id);
      await vigil.client.monitor.trigger(only.monitor_id);
      const failed = await waitFor(() => ofMonitor(monitor.monitor_id).find((r) => r.json.type === 'monitor.execution.failed'));
      raw.verify(failed.body, failed.headers);
      assert.equal(failed.json.data.event.type, 'error');
      assert.match(failed.json.data.event.error, /HTTP 500/);
      assert.match(failed.json.data.event.id, /^error_/);
      assert.equal(failed.json.data.monitor_id, monitor.monitor_id);
      await waitFor(async () => (await vigil.client.monitor.events(only.monitor_id)).events.some((e) => e.event_type === 'error'));
      await waitFor(async () => (await api(vigil, 'GET', `/v1/webhooks/deliveries?status=pending`)).body.deliveries.length === 0);
      assert.deepEqual(
        ofMonitor(only.monitor_id).map((r) => r.json.type),
        ['monitor.event.detected'],
        'only the subscribed type',
      );

      // Standard mode: the key is the base64 after whsec_, as the standardwebhooks library expects.
      assert.equal((await api(vigil, 'POST', '/v1/webhooks/settings', { key_mode: 'standard' })).body.key_mode, 'standard');
      site.set(f.path, rss('Hooks', []));
      const count = ofMonitor(monitor.monitor_id).length;
      await vigil.client.monitor.trigger(monitor.monitor_id);
      const standard = await waitFor(() => ofMonitor(monitor.monitor_id)[count]);
      new Webhook(secret.secret).verify(standard.body, standard.headers);
      assert.throws(() => raw.verify(standard.body, standard.headers));

      // Rotation: both secrets sign until the grace period ends.
      const rotated = (await api(vigil, 'POST', '/v1/webhooks/secret/rotate', {})).body;
      assert.notEqual(rotated.secret, secret.secret);
      assert.equal(rotated.previous_secret, secret.secret);
      await vigil.client.monitor.trigger(monitor.monitor_id);
      const during = await waitFor(() => ofMonitor(monitor.monitor_id)[count + 1]);
      assert.equal(during.headers['webhook-signature'].split(' ').length, 2);
      new Webhook(rotated.secret).verify(during.body, during.headers);
      new Webhook(secret.secret).verify(during.body, during.headers);
      // And with plain crypto, as the README shows.
      const expected = createHmac('sha256', Buffer.from(rotated.secret.slice(6), 'base64'))
        .update(`${during.headers['webhook-id']}.${during.headers['webhook-timestamp']}.${during.body}`)
        .digest('base64');
      assert.ok(during.headers['webhook-signature'].split(' ').includes(`v1,${expected}`));
    } finally {
      await vigil.stop();
      await receiver.close();
    }
  });

  it('retries with the same webhook-id until the receiver accepts, and honours Retry-After', async () => {
    const vigil = await startTestVigil(FAST_RETRIES);
    const receiver = await startReceiver();
    try {
      receiver.script([{ status: 500 }, { status: 500 }, { status: 500 }]);
      const f = feed();
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: f.url }, webhook: { url: receiver.url } });
      await waitFor(() => receiver.received.length === 4, 15_000, 'four attempts');
      assert.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id on every attempt');
      const delivery = await waitFor(async () => {
        const list = (await api(vigil, 'GET', `/v1/webhooks/deliveries?resource_id=${monitor.monitor_id}`)).body.deliveries;
        return list[0]?.status === 'delivered' ? list[0] : undefined;
      });
      assert.equal(delivery.attempts, 4);
      assert.equal(delivery.delivery_id, receiver.received[0].headers['webhook-id']);
      assert.equal(delivery.last_status_code, 200);

      receiver.script([{ status: 429, headers: { 'retry-after': '30' } }]);
      await vigil.client.monitor.trigger(monitor.monitor_id);
      const limited = await waitFor(async () => {
        const list = (await api(vigil, 'GET', `/v1/webhooks/deliveries?resource_id=${monitor.monitor_id}&status=pending`)).body.deliveries;
        return list[0]?.attempts === 1 ? list[0] : undefined;
      });
      assert.equal(limited.last_status_code, 429);
      const attemptAt = receiver.received.at(-1)!.at;
      assert.ok(Date.parse(limited.next_attempt_at) >= attemptAt + 29_000, 'the next attempt waits for Retry-After');

      const redelivered = await api(vigil, 'POST', `/v1/webhooks/deliveries/${limited.delivery_id}/redeliver`);
      assert.equal(redelivered.status, 422, 'a pending delivery is not redelivered twice');

      // A delivered delivery can be sent again by id, under the same webhook-id.
      const before = receiver.received.length;
      const again = await api(vigil, 'POST', `/v1/webhooks/deliveries/${delivery.delivery_id}/redeliver`);
      assert.equal(again.status, 202);
      assert.equal(again.body.status, 'pending');
      const resent = await waitFor(() => receiver.received[before]);
      assert.equal(resent.headers['webhook-id'], delivery.delivery_id);
      const detail = await api(vigil, 'GET', `/v1/webhooks/deliveries/${delivery.delivery_id}`);
      assert.equal(detail.body.payload.data.monitor_id, monitor.monitor_id);
      const other = await vigil.other();
      const foreign = await fetch(`${vigil.url}/v1/webhooks/deliveries/${delivery.delivery_id}`, { headers: { 'x-api-key': other.apiKey } });
      assert.equal(foreign.status, 404, 'another account cannot see the delivery');
    } finally {
      await vigil.stop();
      await receiver.close();
    }
  });

  it('disables an endpoint that answers 410, tells the account, and sends it nothing more until re-enabled', async () => {
    const vigil = await startTestVigil(FAST_RETRIES);
    const receiver = await startReceiver();
    try {
      receiver.script([{ status: 410 }]);
      const f = feed();
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: f.url }, webhook: { url: receiver.url } });
      const notice = await waitFor(async () => (await api(vigil, 'GET', '/v1/account/notices')).body.notices[0]);
      assert.equal(notice.kind, 'webhook_endpoint_disabled');
      assert.match(notice.message, /410/);
      const endpoints = (await api(vigil, 'GET', '/v1/webhooks/endpoints')).body.endpoints;
      assert.deepEqual(
        endpoints.map((e: any) => [e.url, e.status]),
        [[receiver.url, 'disabled']],
      );

      await vigil.client.monitor.trigger(monitor.monitor_id);
      const skipped = await waitFor(async () => {
        const list = (await api(vigil, 'GET', `/v1/webhooks/deliveries?status=failed`)).body.deliveries;
        return list.length === 2 ? list : undefined;
      });
      assert.match(skipped[0].last_error, /endpoint disabled/);
      assert.equal(receiver.received.length, 1, 'nothing is sent to a disabled endpoint');

      assert.equal((await api(vigil, 'POST', '/v1/webhooks/endpoints/enable', { url: receiver.url })).body.status, 'active');
      const again = await api(vigil, 'POST', '/v1/webhooks/deliveries/redeliver', { status: ['failed'] });
      assert.deepEqual(again, { status: 202, body: { redelivered: 2 } });
      await waitFor(() => receiver.received.length === 3, 10_000, 'the redeliveries');
      assert.equal(
        receiver.received[1].headers['webhook-id'] === receiver.received[0].headers['webhook-id'] ||
          receiver.received[2].headers['webhook-id'] === receiver.received[0].headers['webhook-id'],
        true,
        'a redelivery keeps its webhook-id',
      );
    } finally {
      await vigil.stop();
      await receiver.close();
    }
  });

  it('gives up after the retry window, and disables an endpoint that keeps failing', async () => {
    const vigil = await startTestVigil({ ...FAST_RETRIES, VIGIL_WEBHOOK_RETRY_WINDOW: '1s', VIGIL_WEBHOOK_DISABLE_AFTER: '2s' });
    const receiver = await startReceiver();
    try {
      receiver.script(Array.from({ length: 1000 }, () => ({ status: 503 })));
      const f = feed();
      await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: f.url }, webhook: { url: receiver.url } });
      // The delivery that gave up (on a loaded machine another may fail first by the endpoint's disabling).
      const failed = await waitFor(
        async () => (await api(vigil, 'GET', '/v1/webhooks/deliveries?status=failed')).body.deliveries.find((d: any) => /^gave up after/.test(d.last_error)),
        15_000,
      );
      assert.match(failed.last_error, /^gave up after \d+ attempts: HTTP 503/);
      assert.ok(failed.attempts > 1);
      const notice = await waitFor(
        async () => {
          await api(vigil, 'POST', '/v1/webhooks/deliveries/redeliver', { status: ['failed'] });
          return (await api(vigil, 'GET', '/v1/account/notices')).body.notices[0];
        },
        15_000,
        'the endpoint to be disabled',
      );
      assert.match(notice.message, /failed every delivery/);
    } finally {
      await vigil.stop();
      await receiver.close();
    }
  });

  it('sends webhooks through the address guard and does not follow redirects', async () => {
    const guarded = await startTestVigil({ ...FAST_RETRIES, VIGIL_ALLOW_NETWORKS: '' });
    const vigil = await startTestVigil(FAST_RETRIES);
    const receiver = await startReceiver();
    try {
      // The guarded server may not reach loopback: neither its feed nor its webhook receiver.
      await guarded.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: feed().url }, webhook: { url: receiver.url } });
      const refused = await waitFor(async () => (await api(guarded, 'GET', '/v1/webhooks/deliveries')).body.deliveries.find((d: any) => d.attempts > 0));
      assert.match(refused.last_error, /refused to connect to 127\.0\.0\.1 \(loopback\).*VIGIL_ALLOW_NETWORKS/);
      assert.equal(receiver.received.length, 0, 'the receiver saw nothing');

      receiver.script([{ status: 302, headers: { location: `${receiver.url}/elsewhere` } }]);
      await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: feed().url }, webhook: { url: receiver.url } });
      const delivered = await waitFor(async () => (await api(vigil, 'GET', '/v1/webhooks/deliveries?status=delivered')).body.deliveries[0]);
      assert.equal(delivered.attempts, 2, 'the 302 counted as a failed attempt');
      assert.deepEqual(
        receiver.received.map((r) => r.headers['webhook-id']),
        [delivered.delivery_id, delivered.delivery_id],
      );
    } finally {
      await guarded.stop();
      await vigil.stop();
      await receiver.close();
    }
  });

  it('does not let a slow endpoint delay deliveries to a healthy one', async () => {
    const vigil = await startTestVigil(FAST_RETRIES);
    const slow = await startReceiver();
    const fast = await startReceiver();
    try {
      slow.delay(4000);
      const f = feed();
      for (let i = 0; i < 8; i += 1) {
        await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: f.url }, webhook: { url: slow.url } });
      }
      await waitFor(() => slow.pending() >= 4, 10_000, 'the slow endpoint to hold requests');
      await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: f.url }, webhook: { url: fast.url } });
      await waitFor(() => fast.received.length === 1, 10_000, "the healthy endpoint's delivery");
      assert.ok(slow.pending() > 0, 'the healthy endpoint was served while the slow one still held requests');
    } finally {
      await vigil.stop();
      await slow.close();
      await fast.close();
    }
  });
});

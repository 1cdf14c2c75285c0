import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Parallel from 'parallel-web';
import { allEvents, rss, startReceiver, startTestVigil, waitFor, type Receiver, type RssItem, type TestVigil, triggerAndWait } from './helpers.js';
import { ok, startScriptedSite, type Handler, type ScriptedSite } from './scripted-site.js';

let vigil: TestVigil;
let client: Parallel;
let site: ScriptedSite;
let receiver: Receiver;

before(async () => {
  site = await startScriptedSite();
  receiver = await startReceiver();
  vigil = await startTestVigil();
  client = vigil.client;
});
after(async () => {
  await vigil.stop();
  await receiver.close();
  await site.close();
});

const OLD: RssItem = { title: 'Old story', link: 'https://news.example.test/old', date: new Date('2020-01-01') };
const fresh = (n: number): RssItem => ({ title: `Fresh story ${n}`, link: `https://news.example.test/health/${n}`, date: new Date() });
const failWith =
  (status: number): Handler =>
  (_req, res) =>
    res.writeHead(status).end('down');

async function outcomes(monitorId: string) {
  return allEvents(client, monitorId, { include_completions: true }) as Promise<any[]>;
}

async function create(sources: string[], webhook?: string) {
  const monitor = await client.monitor.create({
    type: 'event_stream',
    frequency: '1d',
    settings: { query: 'anything new', sources } as any,
    ...(webhook ? { webhook: { url: webhook } } : {}),
  });
  await waitFor(async () => (await outcomes(monitor.monitor_id)).length >= 1, 20_000, 'the creation run');
  return monitor.monitor_id;
}

async function sources(monitorId: string, apiKey = vigil.apiKey) {
  const res = await fetch(`${vigil.url}/v1/monitors/${monitorId}/sources`, { headers: { 'x-api-key': apiKey } });
  return { status: res.status, body: await res.json() };
}

describe('source health and noise control', () => {
  it('reports a failure once, keeps count while it repeats, reports a changed failure, and shows recovery', async () => {
    const url = `${site.url}/flaky.xml`;
    site.route('/flaky.xml', ok(rss('Flaky', [OLD])));
    const monitorId = await create([url], receiver.url);
    const healthy = (await sources(monitorId)).body.sources;
    assert.equal(healthy.length, 1);
    assert.equal(healthy[0].status, 'ok');
    const firstSuccess = healthy[0].last_success_at;

    site.route('/flaky.xml', failWith(503));
    const runs = [await triggerAndWait(client, monitorId), await triggerAndWait(client, monitorId), await triggerAndWait(client, monitorId)];
    assert.deepEqual(
      runs.map((r) => r.map((e) => e.event_type)),
      [['error'], ['completion'], ['completion']],
      'the failure is reported by the first execution only; each execution still has one outcome',
    );
    assert.match(runs[0][0].error_message, /HTTP 503/);
    for (const [completion] of runs.slice(1)) {
      assert.equal(completion.warnings.length, 1);
      assert.match(completion.warnings[0], new RegExp(`^${url.replace(/\./g, '\\.')}: .*HTTP 503 .*reported once`));
    }
    const failing = (await sources(monitorId)).body.sources[0];
    assert.equal(failing.source, url);
    assert.equal(failing.url, url);
    assert.equal(failing.status, 'failing');
    assert.equal(failing.consecutive_failures, 3);
    assert.match(failing.last_error, /HTTP 503/);
    assert.equal(failing.last_success_at, firstSuccess);
    assert.ok(Date.parse(failing.last_error_at) >= Date.parse(firstSuccess));
    assert.equal(failing.last_checked_at, failing.last_error_at);
    assert.ok(site.requests('/flaky.xml').length >= 1 + 3 * 3, 'each failing execution retried the source');

    site.route('/flaky.xml', failWith(500));
    const changed = await triggerAndWait(client, monitorId);
    assert.deepEqual(
      changed.map((e) => e.event_type),
      ['error'],
      'a different failure is reported',
    );
    assert.match(changed[0].error_message, /HTTP 500/);

    site.route('/flaky.xml', ok(rss('Flaky', [fresh(1), OLD])));
    const recovered = await triggerAndWait(client, monitorId);
    assert.deepEqual(
      recovered.map((e) => e.event_type),
      ['event_stream'],
    );
    assert.equal(recovered[0].warnings, undefined);
    const ok1 = (await sources(monitorId)).body.sources[0];
    assert.equal(ok1.status, 'ok');
    assert.equal(ok1.consecutive_failures, 0);
    assert.ok(Date.parse(ok1.last_success_at) > Date.parse(firstSuccess));
    assert.match(ok1.last_error, /HTTP 500/, 'the last error stays on record');

    const messages = await waitFor(
      () => {
        const mine = receiver.received.filter((m) => m.json.data.monitor_id === monitorId);
        return mine.length >= 6 ? mine : undefined;
      },
      20_000,
      'a webhook per execution',
    );
    assert.equal(messages.filter((m) => m.json.type === 'monitor.execution.failed').length, 2, 'two failures, two alerts');
  });

  it("settings.repeated_failures: 'error' reports every repeated failure; switching back to 'warning' quiets it; a bad value is a 422", async () => {
    site.route('/loud.xml', ok(rss('Loud', [OLD])));
    const url = `${site.url}/loud.xml`;
    const created = await client.monitor.create({
      type: 'event_stream',
      frequency: '1d',
      settings: { query: 'anything new', sources: [url], repeated_failures: 'error' } as any,
    });
    const monitorId = created.monitor_id;
    assert.equal((created.settings as any).repeated_failures, 'error');
    await waitFor(async () => (await outcomes(monitorId)).length >= 1, 20_000, 'the creation run');
    site.route('/loud.xml', failWith(503));
    const loud = [await triggerAndWait(client, monitorId), await triggerAndWait(client, monitorId)];
    assert.deepEqual(
      loud.map((r) => r.map((e) => e.event_type)),
      [['error'], ['error']],
      'each repeated failure is an error',
    );

    const updated = await client.monitor.update(monitorId, { type: 'event_stream', settings: { repeated_failures: 'warning' } as any });
    assert.equal((updated.settings as any).repeated_failures, 'warning');
    const quiet = await triggerAndWait(client, monitorId);
    assert.deepEqual(
      quiet.map((e) => e.event_type),
      ['completion'],
    );
    assert.match(quiet[0].warnings[0], /HTTP 503 .*reported once/);

    const bad = await fetch(`${vigil.url}/v1/monitors`, {
      method: 'POST',
      headers: { 'x-api-key': vigil.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'event_stream', frequency: '1d', settings: { query: 'q', sources: [url], repeated_failures: 'sometimes' } }),
    });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(await bad.json()), /repeated_failures/);
  });

  it('retries a source within the execution: one transient 503 is no failure', async () => {
    site.route('/blip.xml', (_req, res, n) =>
      n === 2 ? res.writeHead(503).end('blip') : res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Blip', [OLD])),
    );
    const monitorId = await create([`${site.url}/blip.xml`]);
    const run = await triggerAndWait(client, monitorId);
    assert.deepEqual(
      run.map((e) => e.event_type),
      ['completion'],
    );
    assert.equal(run[0].warnings, undefined);
    assert.equal(site.requests('/blip.xml').length, 3, 'the 503 was tried again');
    assert.equal((await sources(monitorId)).body.sources[0].status, 'ok');
  });

  it('reports events with a warning, not an error, when one source fails among working ones', async () => {
    site.route('/working.xml', ok(rss('Working', [OLD])));
    site.route('/broken.xml', ok(rss('Broken', [OLD])));
    const working = `${site.url}/working.xml`;
    const broken = `${site.url}/broken.xml`;
    const monitorId = await create([working, broken]);
    site.route('/broken.xml', failWith(502));
    site.route('/working.xml', ok(rss('Working', [fresh(2), OLD])));
    const run = await triggerAndWait(client, monitorId);
    assert.deepEqual(
      run.map((e) => e.event_type),
      ['event_stream'],
    );
    assert.deepEqual(run[0].warnings, [`${broken}: ${broken} answered HTTP 502`]);
    const quiet = await triggerAndWait(client, monitorId);
    assert.deepEqual(
      quiet.map((e) => e.event_type),
      ['completion'],
    );
    assert.equal(quiet[0].warnings.length, 1);
    const record = new Map((await sources(monitorId)).body.sources.map((s: any) => [s.source, s]));
    assert.equal((record.get(working) as any).status, 'ok');
    assert.equal((record.get(broken) as any).status, 'failing');
    assert.equal((record.get(broken) as any).consecutive_failures, 2);
  });

  it("answers 404 for unknown and other accounts' monitors, and is listed in /openapi.json", async () => {
    site.route('/mine.xml', ok(rss('Mine', [OLD])));
    const monitorId = await create([`${site.url}/mine.xml`]);
    const other = await vigil.other();
    for (const [id, key] of [
      [monitorId, other.apiKey],
      ['monitor_unknown', vigil.apiKey],
    ]) {
      const res = await sources(id, key);
      assert.equal(res.status, 404);
      assert.equal(res.body.error.message, 'Monitor not found');
    }
    const openapi = await (await fetch(`${vigil.url}/openapi.json`)).json();
    assert.ok(openapi.paths['/v1/monitors/{monitor_id}/sources']?.get, 'documented in the OpenAPI document');
  });
});

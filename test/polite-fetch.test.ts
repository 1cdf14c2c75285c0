import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Parallel from 'parallel-web';
import { allEvents, rss, triggerAndWait, startTestVigil, waitFor, type RssItem, type TestVigil } from './helpers.js';
import { ok, startScriptedSite, type ScriptedSite } from './scripted-site.js';

let vigil: TestVigil;
let client: Parallel;
let site: ScriptedSite;

before(async () => {
  site = await startScriptedSite();
  // Eight executions at once, so that the per-host limit (2) is what holds requests back.
  // Short frequencies let scheduled runs (which, unlike triggers, may share a copy) happen within a test.
  vigil = await startTestVigil({ VIGIL_WORKER_CONCURRENCY: '8', VIGIL_FETCH_HOST_CONCURRENCY: '2', VIGIL_MIN_FREQUENCY: '1s' });
  client = vigil.client;
});
after(async () => {
  await vigil.stop();
  await site.close();
});

const OLD: RssItem = { title: 'Old story', link: 'https://news.example.test/old', date: new Date('2020-01-01') };
const fresh = (n: number): RssItem => ({ title: `Fresh story ${n}`, link: `https://news.example.test/fresh/${n}`, date: new Date() });

async function outcomes(monitorId: string) {
  return allEvents(client, monitorId, { include_completions: true }) as Promise<any[]>;
}

async function createAndSettle(url: string) {
  const monitor = await client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `News from ${url}` } });
  await waitFor(async () => (await outcomes(monitor.monitor_id)).length >= 1, 20_000, 'the creation run');
  return monitor.monitor_id;
}

describe('polite fetching', () => {
  it('revalidates with If-None-Match/If-Modified-Since; a 304 is "nothing new", a changed feed is read', async () => {
    let version = { etag: '"v1"', body: rss('Conditional', [OLD]) };
    const lastModified = new Date('2026-01-01T00:00:00Z').toUTCString();
    site.route('/conditional.xml', (req, res) => {
      if (req.headers['if-none-match'] === version.etag) return res.writeHead(304, { etag: version.etag }).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: version.etag, 'last-modified': lastModified }).end(version.body);
    });
    const monitorId = await createAndSettle(`${site.url}/conditional.xml`);
    const [first] = site.requests('/conditional.xml');
    assert.equal(first.headers['if-none-match'], undefined, 'nothing to revalidate on the first fetch');
    assert.match(String(first.headers['user-agent']), /^Vigil\/\d+\.\d+\.\d+ \(\+https?:\/\/\S+; /, 'an honest User-Agent with version and URL');
    assert.match(String(first.headers['accept-encoding']), /gzip/);
    assert.match(String(first.headers['accept-encoding']), /br/);

    const unchanged = await triggerAndWait(client, monitorId);
    const second = site.requests('/conditional.xml')[1];
    assert.equal(second.headers['if-none-match'], '"v1"');
    assert.equal(second.headers['if-modified-since'], lastModified);
    assert.deepEqual(
      unchanged.map((e) => e.event_type),
      ['completion'],
      'a 304 yields no event',
    );
    assert.equal(unchanged[0].warnings, undefined);

    version = { etag: '"v2"', body: rss('Conditional', [fresh(1), OLD]) };
    const changed = await triggerAndWait(client, monitorId);
    assert.deepEqual(
      changed.map((e) => e.event_type),
      ['event_stream'],
    );
    assert.equal(changed[0].output.basis[0].citations[0].url, fresh(1).link);
    assert.equal(site.requests('/conditional.xml')[2].headers['if-none-match'], '"v1"');
    assert.equal(site.requests('/conditional.xml').length, 3, 'one request per execution');
  });

  it('does not re-fetch a response Cache-Control still calls fresh, and keeps nothing under no-store', async () => {
    site.route('/max-age.xml', ok(rss('Fresh for an hour', [OLD]), { 'cache-control': 'max-age=3600' }));
    // A scheduled run (a trigger always asks: test/trigger-reads-now.test.ts).
    const cached = await client.monitor.create({ type: 'event_stream', frequency: '2s', settings: { query: `News from ${site.url}/max-age.xml` } });
    const runs = await waitFor(
      async () => {
        const all = await outcomes(cached.monitor_id);
        return all.length >= 2 ? all : undefined;
      },
      20_000,
      'the creation run and a scheduled one',
    );
    await client.monitor.cancel(cached.monitor_id);
    assert.deepEqual(
      runs.map((e) => e.event_type),
      ['completion', 'completion'],
    );
    assert.equal(site.requests('/max-age.xml').length, 1, 'the fresh copy answered the scheduled execution');

    site.route('/expired.xml', ok(rss('Expired', [OLD]), { expires: new Date(Date.now() - 60_000).toUTCString(), etag: '"e"' }));
    const expired = await createAndSettle(`${site.url}/expired.xml`);
    await triggerAndWait(client, expired);
    assert.equal(site.requests('/expired.xml').length, 2, 'an Expires in the past means ask again');

    site.route('/no-store.xml', ok(rss('Private', [OLD]), { 'cache-control': 'no-store', etag: '"secret"' }));
    const unstored = await createAndSettle(`${site.url}/no-store.xml`);
    await triggerAndWait(client, unstored);
    const requests = site.requests('/no-store.xml');
    assert.equal(requests.length, 2);
    assert.equal(requests[1].headers['if-none-match'], undefined, 'no validators are kept from a no-store response');
  });

  it('honours Retry-After on 429: no request before the time it named, then the retry succeeds in the same execution', async () => {
    let limitedAt = 0;
    site.route('/limited.xml', (_req, res, n) => {
      if (n === 1) {
        limitedAt = Date.now();
        return res.writeHead(429, { 'retry-after': '2' }).end('slow down');
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Limited', [OLD]));
    });
    const monitorId = await createAndSettle(`${site.url}/limited.xml`);
    const [outcome] = await outcomes(monitorId);
    assert.equal(outcome.event_type, 'completion', 'the retry after the wait succeeded within the execution');
    const [, retry] = site.requests('/limited.xml');
    assert.ok(retry, 'the request was retried');
    assert.ok(retry.at >= limitedAt + 2000, `the retry came ${retry.at - limitedAt} ms after the 429 that asked for 2 s`);
  });

  it('fails at once, naming the host and the time, when Retry-After outlasts the execution; the host sees nothing more', async () => {
    const other = await startScriptedSite();
    try {
      other.route('/busy.xml', (_req, res) => res.writeHead(503, { 'retry-after': '3600' }).end('maintenance'));
      other.route('/also-busy.xml', ok(rss('Same host', [OLD])));
      const first = await createAndSettle(`${other.url}/busy.xml`);
      const [failed] = await outcomes(first);
      assert.equal(failed.event_type, 'error');
      const host = new URL(other.url).host.replace(/\./g, '\\.');
      assert.match(failed.error_message, new RegExp(`${host} asked \\(Retry-After\\) not to be contacted before \\d{4}-\\d\\d-\\d\\dT`));
      assert.equal(other.requests('/busy.xml').length, 1, 'no retry within the hour');

      const second = await createAndSettle(`${other.url}/also-busy.xml`);
      const [refused] = await outcomes(second);
      assert.equal(refused.event_type, 'error');
      assert.match(refused.error_message, /Retry-After/);
      assert.equal(other.requests('/also-busy.xml').length, 0, 'another monitor of the host waits too');
    } finally {
      await other.close();
    }
  });

  it('never has more requests in flight to one host than the limit, however many monitors share it', async () => {
    const busy = await startScriptedSite();
    try {
      const count = 10;
      for (let i = 0; i < count; i += 1) busy.route(`/feed/${i}.xml`, ok(rss(`Feed ${i}`, [OLD])), 150);
      const ids = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          client.monitor
            .create({
              type: 'event_stream',
              frequency: '1d',
              settings: { query: `News from ${busy.url}/feed/${i}.xml` },
            })
            .then((m) => m.monitor_id),
        ),
      );
      for (const id of ids) await waitFor(async () => (await outcomes(id)).length >= 1, 30_000, 'every creation run');
      assert.equal(busy.requests().length, count);
      assert.ok(busy.peak() <= 2, `at most 2 requests at once to the host, saw ${busy.peak()}`);
    } finally {
      await busy.close();
    }
  });

  it('fetches a URL once per wave when many monitors share it, and each monitor sees a change', async () => {
    site.route('/shared.xml', ok(rss('Shared', [OLD])), 300);
    // Scheduled waves share a copy; a trigger reads the source itself (test/trigger-reads-now.test.ts).
    const ids = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.monitor
          .create({
            type: 'event_stream',
            frequency: '5s',
            settings: { query: `News from ${site.url}/shared.xml` },
          })
          .then((m) => m.monitor_id),
      ),
    );
    try {
      for (const id of ids) await waitFor(async () => (await outcomes(id)).length >= 1, 20_000, 'every creation run');
      assert.equal(site.requests('/shared.xml').length, 1, 'six creation runs, one fetch');

      site.route('/shared.xml', ok(rss('Shared', [fresh(2), OLD])), 300);
      for (const id of ids) {
        const all = await waitFor(
          async () => {
            const list = await outcomes(id);
            return list.length >= 2 ? list : undefined;
          },
          20_000,
          'every scheduled run',
        );
        assert.equal(all[0].event_type, 'event_stream', 'each monitor reports the new item');
      }
      assert.equal(site.requests('/shared.xml').length, 2, 'six scheduled runs, one more fetch');
    } finally {
      await Promise.all(ids.map((id) => client.monitor.cancel(id)));
    }
  });
});

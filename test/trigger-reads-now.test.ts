import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Parallel from 'parallel-web';
import { allEvents, rss, startTestVigil, triggerAndWait, waitFor, type RssItem, type TestVigil } from './helpers.js';
import { ok, startScriptedSite, type ScriptedSite } from './scripted-site.js';

// "Run now" must see a change made before it was asked for, whatever copies the polite layer holds
// (VIGIL_FETCH_REUSE_WINDOW, HTTP freshness): a triggered execution reads each source now.

let vigil: TestVigil;
let client: Parallel;
let site: ScriptedSite;

before(async () => {
  site = await startScriptedSite();
  vigil = await startTestVigil({ VIGIL_FETCH_REUSE_WINDOW: '10m' });
  client = vigil.client;
});
after(async () => {
  await vigil.stop();
  await site.close();
});

const OLD: RssItem = { title: 'Old story', link: 'https://news.example.test/old', date: new Date('2020-01-01') };
const NEW: RssItem = { title: 'New story', link: 'https://news.example.test/new', date: new Date() };

async function createAndSettle(url: string): Promise<string> {
  const monitor = await client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `News from ${url}` } });
  await waitFor(async () => (await allEvents(client, monitor.monitor_id, { include_completions: true })).length >= 1, 20_000, 'the creation run');
  return monitor.monitor_id;
}

describe('a triggered execution', () => {
  it("is not answered by another monitor's copy fetched before the change", async () => {
    site.route('/shared.xml', ok(rss('Shared', [OLD])));
    const b = await createAndSettle(`${site.url}/shared.xml`);
    const a = await createAndSettle(`${site.url}/shared.xml`);
    assert.equal(site.requests('/shared.xml').length, 1, "the second creation run reuses the first one's copy");
    // A's run fetches a copy B has not read yet...
    await triggerAndWait(client, a);
    assert.equal(site.requests('/shared.xml').length, 2);
    // ...then the page changes, and B is asked to run now.
    site.route('/shared.xml', ok(rss('Shared', [NEW, OLD])));
    const outcome = await triggerAndWait(client, b);
    assert.equal(site.requests('/shared.xml').length, 3, 'the trigger asked the site');
    assert.deepEqual(
      outcome.map((e) => e.event_type),
      ['event_stream'],
      'the change is seen',
    );
    assert.equal(outcome[0].output.basis[0].citations[0].url, NEW.link);
  });

  it('asks again (conditionally) even while the copy it has is still fresh by Cache-Control', async () => {
    let version = { etag: '"v1"', body: rss('Fresh', [OLD]) };
    site.route('/fresh.xml', (req, res) => {
      if (req.headers['if-none-match'] === version.etag) return res.writeHead(304, { etag: version.etag, 'cache-control': 'max-age=600' }).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: version.etag, 'cache-control': 'max-age=600' }).end(version.body);
    });
    const monitorId = await createAndSettle(`${site.url}/fresh.xml`);
    version = { etag: '"v2"', body: rss('Fresh', [NEW, OLD]) };
    const outcome = await triggerAndWait(client, monitorId);
    const requests = site.requests('/fresh.xml');
    assert.equal(requests.length, 2, 'the trigger asked the site although its copy was fresh for 10 minutes');
    assert.equal(requests[1].headers['if-none-match'], '"v1"', 'conditionally');
    assert.deepEqual(
      outcome.map((e) => e.event_type),
      ['event_stream'],
    );
  });
});

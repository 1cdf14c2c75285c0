import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Parallel from 'parallel-web';
import { allEvents, rss, startTestVigil, triggerAndWait, waitFor, type RssItem } from './helpers.js';
import { useFixtureSite, useTestVigil } from './hooks.js';

let feedCount = 0;

const vigil = useTestVigil();
const site = useFixtureSite();

const DAY = 86_400_000;
const old = (n: number): RssItem => ({
  title: `Old story ${n}`,
  link: `https://news.example.test/old/${n}`,
  description: `Background ${n}`,
  date: new Date(Date.now() - (n + 1) * DAY),
});

/** A new feed path on the fixture site with these items. */
function newFeed(items: RssItem[], title = 'Fixture News'): { path: string; url: string; set(items: RssItem[]): void } {
  feedCount += 1;
  const path = `/feeds/${feedCount}.xml`;
  site.set(path, rss(title, items));
  return { path, url: `${site.url}${path}`, set: (next) => site.set(path, rss(title, next)) };
}

/** Number of outcomes (executions) logged so far, completions included. */
async function outcomes(monitorId: string): Promise<number> {
  return (await allEvents(vigil.client, monitorId, { include_completions: true })).length;
}

async function createAndSettle(body: Parameters<Parallel['monitor']['create']>[0]) {
  const monitor = await vigil.client.monitor.create(body);
  await waitFor(async () => (await outcomes(monitor.monitor_id)) >= 1, 15_000, 'the creation run');
  return monitor;
}

describe('feed watching (event_stream, lite)', () => {
  it('reports exactly the items a feed gains, with citations; an unchanged feed completes', async () => {
    const items = [old(1), old(2), old(3)];
    const feed = newFeed(items);
    const monitor = await createAndSettle({ type: 'event_stream', frequency: '1d', settings: { query: `New posts from ${feed.url}` } });
    const first = await allEvents(vigil.client, monitor.monitor_id, { include_completions: true });
    assert.deepEqual(
      first.map((e) => e.event_type),
      ['completion'],
      'existing items are recorded, not reported',
    );

    const fresh: RssItem[] = [
      {
        title: 'Acme raises $50M Series B',
        link: 'https://news.example.test/acme',
        description: 'Acme AI raised a $50M Series B led by Example Ventures.',
        date: new Date(),
      },
      { title: 'Beta ships 2.0', link: 'https://news.example.test/beta', description: 'Beta Corp released version 2.0.', date: new Date() },
    ];
    feed.set([...fresh, ...items]);
    const detected = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.equal(detected.length, 2);
    assert.ok(detected.every((e) => e.event_type === 'event_stream'));
    assert.equal(new Set(detected.map((e) => e.event_group_id)).size, 1, 'one execution, one group');
    assert.match(detected[0].event_id, /^evt_/);
    const byLink = new Map(detected.map((e) => [e.output.basis[0].citations[0].url, e]));
    assert.deepEqual([...byLink.keys()].sort(), ['https://news.example.test/acme', 'https://news.example.test/beta']);
    const acme = byLink.get('https://news.example.test/acme');
    assert.equal(acme.output.type, 'text');
    assert.match(acme.output.content, /Acme raises \$50M Series B/);
    assert.equal(acme.output.basis[0].field, 'output');
    assert.equal(acme.output.basis[0].citations[0].title, 'Acme raises $50M Series B');
    assert.deepEqual(acme.output.basis[0].citations[0].excerpts, ['Acme AI raised a $50M Series B led by Example Ventures.']);
    assert.equal(acme.event_date, new Date().toISOString().slice(0, 10));
    assert.ok(acme.output.basis[0].reasoning.length > 0);

    const unchanged = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.deepEqual(
      unchanged.map((e) => e.event_type),
      ['completion'],
    );
    assert.match(unchanged[0].event_id, /^cmpl_/);
    const visible = await allEvents(vigil.client, monitor.monitor_id);
    assert.deepEqual(
      visible.map((e: any) => e.event_id).sort(),
      detected.map((e) => e.event_id).sort(),
      'completions are listed only with include_completions',
    );
  });

  it('reports an unreachable feed as an error event naming the source', async () => {
    const feed = newFeed([old(1)]);
    const monitor = await createAndSettle({ type: 'event_stream', frequency: '1d', settings: { query: `Posts from ${feed.url}` } });
    site.fail(feed.path, 503);
    const failed = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].event_type, 'error');
    assert.match(failed[0].error_message, new RegExp(`${feed.url.replace(/[.?]/g, '\\$&')}: .*HTTP 503`));
    const listed = await vigil.client.monitor.events(monitor.monitor_id);
    assert.ok(
      listed.events.some((e: any) => e.event_id === failed[0].event_id),
      'errors are listed by default',
    );

    const closed = await createAndSettle({ type: 'event_stream', frequency: '1d', settings: { query: 'x', sources: ['http://127.0.0.1:1/feed.xml'] } as any });
    const [refused] = (await allEvents(vigil.client, closed.monitor_id)) as any[];
    assert.equal(refused.event_type, 'error');
    assert.match(refused.error_message, /http:\/\/127\.0\.0\.1:1\/feed\.xml: .*ECONNREFUSED/);
  });

  it('reports items of the other sources when only some fail, and one event for an item in two feeds', async () => {
    const shared: RssItem = { title: 'Shared story', link: 'https://news.example.test/shared', guid: 'story-1', date: new Date() };
    const a = newFeed([old(1)]);
    const b = newFeed([old(2)]);
    const monitor = await createAndSettle({ type: 'event_stream', frequency: '1d', settings: { query: 'anything new', sources: [a.url, b.url] } as any });
    a.set([shared, old(1)]);
    b.set([shared, old(2)]);
    const detected = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.deepEqual(
      detected.map((e) => e.event_type),
      ['event_stream'],
      'the same item through two sources is one event',
    );
    site.fail(b.path, 500);
    a.set([{ title: 'Only in A', link: 'https://news.example.test/a-only', date: new Date() }, shared, old(1)]);
    const partial = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.deepEqual(
      partial.map((e) => e.event_type),
      ['event_stream'],
    );
    assert.equal(partial[0].output.basis[0].citations[0].url, 'https://news.example.test/a-only');
  });

  it('on the first run reports only items dated after creation, or the 10 most recent with include_backfill', async () => {
    const items = Array.from({ length: 12 }, (_, i) => old(i));
    const feed = newFeed(items);
    const backfilled = await createAndSettle({
      type: 'event_stream',
      frequency: '1d',
      settings: { query: `posts ${feed.url}`, include_backfill: true },
    });
    const backfill = (await allEvents(vigil.client, backfilled.monitor_id)) as any[];
    assert.equal(backfill.length, 10);
    const links = backfill.map((e) => e.output.basis[0].citations[0].url);
    assert.deepEqual(
      links,
      items.slice(0, 10).map((i) => i.link),
      'the 10 most recent, newest first',
    );

    const future: RssItem = { title: 'Scheduled post', link: 'https://news.example.test/future', date: new Date(Date.now() + DAY) };
    const dated = newFeed([future, ...items]);
    const plain = await createAndSettle({ type: 'event_stream', frequency: '1d', settings: { query: `posts ${dated.url}` } });
    const reported = (await allEvents(vigil.client, plain.monitor_id)) as any[];
    assert.deepEqual(
      reported.map((e) => e.output.basis[0].citations[0].url),
      ['https://news.example.test/future'],
    );
  });

  it('reports only items matching the query words (stemmed), ignoring URLs and instruction words', async () => {
    const feed = newFeed([old(1)]);
    const monitor = await createAndSettle({ type: 'event_stream', frequency: '1d', settings: { query: `Track funding announcements from ${feed.url}` } });
    feed.set([
      { title: 'Acme is funded by Example Ventures', link: 'https://news.example.test/funded', date: new Date() },
      { title: 'Weather is sunny today', link: 'https://news.example.test/weather', date: new Date() },
      old(1),
    ]);
    const detected = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.deepEqual(
      detected.map((e) => e.output.basis[0].citations[0].url),
      ['https://news.example.test/funded'],
    );
  });

  it('fills an output_schema from the item, with a basis entry per field and null for what the item lacks', async () => {
    const feed = newFeed([old(1)]);
    const monitor = await createAndSettle({
      type: 'event_stream',
      frequency: '1d',
      settings: {
        query: feed.url,
        output_schema: {
          type: 'json',
          json_schema: {
            type: 'object',
            properties: {
              headline: { type: 'string' },
              url: { type: 'string' },
              published: { type: 'string' },
              summary: { type: 'string' },
              source: { type: 'string' },
              ticker: { type: 'string', description: 'Stock ticker' },
            },
          },
        },
      },
    });
    const date = new Date('2030-05-06T07:08:09Z');
    feed.set([{ title: 'Acme IPO', link: 'https://news.example.test/ipo', description: 'Acme files for an IPO.', date }, old(1)]);
    const [event] = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.equal(event.output.type, 'json');
    assert.deepEqual(event.output.content, {
      headline: 'Acme IPO',
      url: 'https://news.example.test/ipo',
      published: '2030-05-06',
      summary: 'Acme files for an IPO.',
      source: 'Fixture News',
      ticker: null,
    });
    assert.deepEqual(
      event.output.basis.map((b: any) => b.field),
      ['headline', 'url', 'published', 'summary', 'source', 'ticker'],
    );
    const ticker = event.output.basis.find((b: any) => b.field === 'ticker');
    assert.equal(ticker.confidence, 'low');
    assert.equal(event.output.basis[0].confidence, 'high');
    assert.equal(event.event_date, '2030-05-06');
  });

  it('finds the feeds a domain in include_domains advertises on its home page', async () => {
    const feed = newFeed([old(1)]);
    site.set(
      '/',
      `<html><head><title>Home</title><link rel="alternate" type="application/rss+xml" href="${feed.path}"></head><body>hi</body></html>`,
      'text/html',
    );
    const host = new URL(site.url).host;
    const monitor = await createAndSettle({
      type: 'event_stream',
      frequency: '1d',
      settings: { query: 'company news', advanced_settings: { source_policy: { include_domains: [host] } } },
    });
    assert.deepEqual(
      (await allEvents(vigil.client, monitor.monitor_id, { include_completions: true })).map((e) => e.event_type),
      ['completion'],
    );
    feed.set([{ title: 'Company news: new office', link: 'https://news.example.test/office', date: new Date() }, old(1)]);
    const detected = await triggerAndWait(vigil.client, monitor.monitor_id);
    assert.deepEqual(
      detected.map((e) => e.event_type),
      ['event_stream'],
    );
    assert.equal(detected[0].output.basis[0].citations[0].url, 'https://news.example.test/office');
  });
});

describe('outbound address guard', () => {
  it('refuses loopback sources unless VIGIL_ALLOW_NETWORKS allows them, and the source sees no request', async () => {
    const guarded = await startTestVigil({ VIGIL_ALLOW_NETWORKS: '' });
    try {
      const feed = newFeed([old(1)]);
      const monitor = await guarded.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: feed.url } });
      const [event] = await waitFor(async () => {
        const page = await guarded.client.monitor.events(monitor.monitor_id);
        return page.events.length ? (page.events as any[]) : undefined;
      });
      assert.equal(event.event_type, 'error');
      assert.match(event.error_message, /loopback.*VIGIL_ALLOW_NETWORKS/);
      assert.equal(site.hits(feed.path), 0, 'the fixture saw no request from Vigil');
    } finally {
      await guarded.stop();
    }
  });
});

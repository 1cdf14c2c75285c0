import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allEvents, rss, triggerAndWait, waitFor, type RssItem } from './helpers.js';
import { useFixtureSite, useTestVigil } from './hooks.js';

let count = 0;

const vigil = useTestVigil();
const site = useFixtureSite();

/** A fresh path on the fixture site. */
const nextPath = (ext: string) => `/p/${++count}.${ext}`;

/** Creates an event_stream monitor on these sources and waits for its first (recording) execution. */
async function watch(sources: string[], extra: Record<string, unknown> = {}) {
  const monitor = await vigil.client.monitor.create({
    type: 'event_stream',
    frequency: '1d',
    settings: { query: 'anything new', sources, ...extra } as any,
  });
  const first = await waitFor(
    async () => {
      const events = await allEvents(vigil.client, monitor.monitor_id, { include_completions: true });
      return events.length > 0 ? events : undefined;
    },
    15_000,
    'the creation run',
  );
  assert.deepEqual(
    first.map((e) => e.event_type),
    ['completion'],
    'what exists at creation is recorded, not reported',
  );
  return monitor.monitor_id;
}

const excerpts = (events: any[]) => events.map((e) => e.output.basis[0].citations[0].excerpts[0]);
const urls = (events: any[]) => events.map((e) => e.output.basis[0].citations[0].url);

/** A realistic page: chrome (nav, cookie banner, clock, ad slot, footer) around a main article. */
function changelog(main: string, chrome: { nav?: string; ad?: string; time?: string } = {}) {
  return `<!doctype html><html><head><title>Acme changelog</title></head><body>
  <header class="site-header"><a href="/">Acme</a><nav><a href="/docs">${chrome.nav ?? 'Docs'}</a></nav></header>
  <div class="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>
  <main>
    <h1 id="changelog">Changelog</h1>
    <p class="updated">Updated ${chrome.time ?? '3 minutes ago'}</p>
    ${main}
    <div class="ad-slot"><a href="https://ads.example.test/c?id=1">${chrome.ad ?? 'Try Widget Pro free'}</a></div>
  </main>
  <footer>© 2026 Acme Inc. Page generated at ${chrome.time ?? '12:04:05 UTC'}</footer></body></html>`;
}

const RELEASE = `<h2 id="v2">Version 2.0</h2><p>Version 2.0 brings a new query planner.</p>
  <ul><li>Faster builds</li><li>New dashboard</li></ul>
  <table><tr><th>Plan</th><th>Price</th></tr><tr><td>Starter</td><td>$0</td></tr><tr><td>Pro</td><td>$10</td></tr></table>`;

describe('page watching (event_stream, lite)', () => {
  it('reports exactly the paragraph, list item and table row a page gains; chrome-only changes complete', async () => {
    const path = nextPath('html');
    site.set(path, changelog(RELEASE), 'text/html; charset=utf-8');
    const monitorId = await watch([`${site.url}${path}`]);

    const grown = RELEASE.replace('</p>', '</p><p>Queries on large tables now use parallel scans.</p>')
      .replace('<li>New dashboard</li>', '<li>New dashboard</li><li>Dark mode</li>')
      .replace('</table>', '<tr><td>Team</td><td>$25</td></tr></table>');
    site.set(path, changelog(grown), 'text/html; charset=utf-8');
    const detected = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(
      detected.map((e) => e.event_type),
      ['event_stream', 'event_stream', 'event_stream'],
    );
    assert.deepEqual(excerpts(detected).sort(), ['Dark mode', 'Queries on large tables now use parallel scans.', 'Team | $25']);
    assert.ok(
      urls(detected).every((u) => u === `${site.url}${path}#v2`),
      'cited by the page URL and the heading id',
    );
    assert.equal(detected[0].output.basis[0].citations[0].title, 'Version 2.0');

    site.set(path, changelog(grown, { nav: 'Pricing', ad: 'Black Friday: 50% off', time: '1 hour ago' }), 'text/html; charset=utf-8');
    const quiet = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(
      quiet.map((e) => e.event_type),
      ['completion'],
      'navigation, ad slot and timestamps are no news',
    );
  });

  it('reports one event per link a listing page gains; the same article through a feed, with other tracking parameters, is one event', async () => {
    const listing = nextPath('html');
    const feed = nextPath('xml');
    const post = (i: number, tracking = 'utm_source=blog') => `<article><h2><a href="/posts/${i}?${tracking}">Release notes for build ${i}</a></h2>
      <p>What changed in build ${i} of the Acme vigil.client.</p><p class="byline">Posted Nov ${i}, 2026</p></article>`;
    const page = (ids: number[]) => `<html><head><title>Acme blog</title></head><body><nav><a href="/">Home</a></nav>
      <main><h1>Blog</h1>${ids.map((i) => post(i)).join('')}</main></body></html>`;
    const item = (i: number): RssItem => ({
      title: `Release notes for build ${i}`,
      link: `${site.url}/posts/${i}?utm_source=rss&utm_medium=feed&fbclid=abc`,
      guid: `feed-guid-${i}`,
      date: new Date(),
    });
    site.set(listing, page([3, 2, 1]), 'text/html');
    site.set(feed, rss('Acme', [item(1)]));
    const monitorId = await watch([`${site.url}${listing}`, `${site.url}${feed}`]);

    site.set(listing, page([5, 4, 3, 2, 1]), 'text/html');
    site.set(feed, rss('Acme', [item(5), item(1)]));
    const detected = await triggerAndWait(vigil.client, monitorId);
    assert.equal(detected.length, 2, 'posts 4 and 5, each once');
    assert.deepEqual(
      urls(detected)
        .map((u) => new URL(u).pathname)
        .sort(),
      ['/posts/4', '/posts/5'],
    );
    const four = detected.find((e) => urls([e])[0].includes('/posts/4'));
    assert.match(four.output.content, /Release notes for build 4 — What changed in build 4/);

    // The same links with changed tracking parameters are the same items.
    site.set(listing, page([5, 4, 3, 2, 1]).replace(/utm_source=blog/g, 'utm_source=newsletter&mc_cid=42'), 'text/html');
    const quiet = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(
      quiet.map((e) => e.event_type),
      ['completion'],
    );
  });

  it('never re-reports what it saw when a page turns into a listing or back into blocks', async () => {
    const path = nextPath('html');
    const post = (i: number) => `<article><h2><a href="/notes/${i}">Release notes for build ${i}</a></h2>
      <p>What changed in build ${i} of the Acme vigil.client.</p></article>`;
    const page = (ids: number[]) => `<html><head><title>Acme notes</title></head><body>
      <main><h1>Notes</h1><p>Everything we shipped, newest first.</p>${ids.map(post).join('')}</main></body></html>`;
    // Two entries are too few for a listing: the page is read as blocks.
    site.set(path, page([2, 1]), 'text/html');
    const monitorId = await watch([`${site.url}${path}`]);

    // Four entries make it a listing: only the two new entries are news.
    site.set(path, page([4, 3, 2, 1]), 'text/html');
    const grown = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(
      urls(grown)
        .map((u) => new URL(u).pathname)
        .sort(),
      ['/notes/3', '/notes/4'],
    );

    // Back to two entries (blocks again), all of them seen as listing entries: nothing is news.
    site.set(path, page([4, 3]), 'text/html');
    const shrunk = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(
      shrunk.map((e) => e.event_type),
      ['completion'],
    );

    // A block added to the page is still reported.
    site.set(path, page([4, 3]).replace('</main>', '<p>Build 5 is delayed by a week.</p></main>'), 'text/html');
    const added = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(excerpts(added), ['Build 5 is delayed by a week.']);
  });

  it('degrades identity when a feed gives every item one guid, and drops a re-published story with trivial edits', async () => {
    const feed = nextPath('xml');
    const story = (n: number, link: string, text: string): RssItem => ({
      title: `Story ${n}`,
      link,
      guid: 'same-guid-for-all',
      description: text,
      date: new Date(),
    });
    const first = story(
      1,
      'https://news.example.test/1',
      'Acme AI raised a fifty million dollar Series B round led by Example Ventures to expand its research team in Berlin',
    );
    site.set(feed, rss('Broken', [first, story(2, 'https://news.example.test/2', 'Something else entirely happened at Beta Corp this week in a long story')]));
    const monitorId = await watch([`${site.url}${feed}`]);

    const fresh = story(3, 'https://news.example.test/3', 'Gamma Labs opened an office in Lisbon and hired forty engineers for its robotics work');
    const republished = {
      ...first,
      link: 'https://mirror.example.test/acme-series-b',
      description: 'Acme AI has raised a fifty million dollar Series B round led by Example Ventures to expand its research team in Berlin.',
    };
    site.set(feed, rss('Broken', [fresh, republished, first]));
    const detected = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(urls(detected), ['https://news.example.test/3'], 'a shared guid is no identity; a near-duplicate is no news');
  });

  it('reports new elements of a JSON endpoint, by id and by content hash when elements have no key', async () => {
    const keyed = nextPath('json');
    const bare = nextPath('json');
    const releases = (ids: number[]) =>
      JSON.stringify({
        meta: { total: ids.length },
        data: ids.map((id) => ({
          id,
          name: `Release ${id}.0`,
          html_url: `https://code.example.test/releases/${id}`,
          body: `Notes for ${id}.0`,
          published_at: '2026-11-20T10:00:00Z',
        })),
      });
    site.set(keyed, releases([1, 2]), 'application/json');
    site.set(bare, JSON.stringify([{ level: 'info', msg: 'service up' }]), 'application/json');
    const monitorId = await watch([`${site.url}${keyed}`, `${site.url}${bare}`]);

    // Release 2's text changes (same id: not new); release 3 appears; the bare list gains one element.
    site.set(keyed, releases([3, 1, 2]).replace('Notes for 2.0', 'Notes for 2.0, revised'), 'application/json');
    site.set(
      bare,
      JSON.stringify([
        { msg: 'service up', level: 'info' },
        { level: 'warn', msg: 'disk at 91%' },
      ]),
      'application/json',
    );
    const detected = await triggerAndWait(vigil.client, monitorId);
    assert.equal(detected.length, 2);
    const release = detected.find((e) => /Release 3\.0/.test(e.output.content));
    assert.ok(release, 'release 3 is reported');
    assert.equal(urls([release])[0], 'https://code.example.test/releases/3');
    assert.equal(release.event_date, '2026-11-20');
    assert.ok(
      detected.some((e) => /disk at 91%/.test(e.output.content)),
      'the keyless element is reported by its content',
    );

    const quiet = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(
      quiet.map((e) => e.event_type),
      ['completion'],
    );
  });
});

describe('settings.match', () => {
  const items = (titles: string[]): RssItem[] => titles.map((title, i) => ({ title, link: `https://news.example.test/m/${count}/${i}`, date: new Date() }));

  it('filters new items with any, all, none and regex', async () => {
    const feed = nextPath('xml');
    site.set(feed, rss('M', []));
    const match = { any: ['price increase', 'new plan'], all: ['acme'], none: ['rumour'], regex: '\\bpro\\b|enterprise' };
    const monitorId = await watch([`${site.url}${feed}`], { match });
    const monitor = await vigil.client.monitor.retrieve(monitorId);
    assert.deepEqual((monitor.settings as any).match, match, 'returned in the settings');

    site.set(
      feed,
      rss(
        'M',
        items([
          'Acme announces price increases for Pro', // any (stemmed), all, regex → reported
          'Acme launches a new plan for Enterprise teams', // reported
          'Acme price increase rumour for Pro', // none → dropped
          'Beta announces a price increase for Pro', // all (acme) missing → dropped
          'Acme price increase for Starter', // regex fails → dropped
        ]),
      ),
    );
    const detected = await triggerAndWait(vigil.client, monitorId);
    assert.deepEqual(detected.map((e) => e.output.content).sort(), ['Acme announces price increases for Pro', 'Acme launches a new plan for Enterprise teams']);
  });

  it('rejects invalid filters with a 422 naming the field and rule, and writes nothing', async () => {
    const source = `${site.url}/nothing.xml`;
    const before = (await vigil.client.monitor.list({ limit: 1000 })).monitors.length;
    const post = (match: unknown) =>
      fetch(`${vigil.url}/v1/monitors`, {
        method: 'POST',
        headers: { 'x-api-key': vigil.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'event_stream', frequency: '1d', settings: { query: 'x', sources: [source], match } }),
      });
    for (const [match, loc, rule] of [
      [{ regex: '(unclosed' }, 'body.settings.match.regex', /not a valid regular expression/],
      [{ regex: '(\\w+)\\s\\1' }, 'body.settings.match.regex', /linear-time regular expression engine \(RE2\) refuses .*backreferences/],
      [{ regex: 'price(?= increase)' }, 'body.settings.match.regex', /RE2\) refuses .*lookahead/],
      [{ any: ['ok', ''] }, 'body.settings.match.any.1', /letter or digit/],
      [{ none: Array.from({ length: 51 }, (_, i) => `w${i}`) }, 'body.settings.match.none', /at most 50/],
      [{ all: ['acme', '   '] }, 'body.settings.match.all.1', /letter or digit/],
      [{ regex: '' }, 'body.settings.match.regex', /non-empty/],
      [{ any: ['x'.repeat(201)] }, 'body.settings.match.any.0', /at most 200 characters/],
    ] as const) {
      const response = await post(match);
      assert.equal(response.status, 422, JSON.stringify(match));
      const body = await response.json();
      assert.match(body.error.message, new RegExp(loc.replace(/\./g, '\\.')), body.error.message);
      assert.match(body.error.message, rule, body.error.message);
    }
    assert.equal((await vigil.client.monitor.list({ limit: 1000 })).monitors.length, before, 'no monitor was created');

    const feed = nextPath('xml');
    site.set(feed, rss('M', []));
    const monitorId = await watch([`${site.url}${feed}`], { match: { any: ['acme'] } });
    const patch = (match: unknown) =>
      fetch(`${vigil.url}/v1/monitors/${monitorId}/update`, {
        method: 'POST',
        headers: { 'x-api-key': vigil.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'event_stream', settings: { match } }),
      });
    const rejected = await patch({ regex: '[z-a]' });
    assert.equal(rejected.status, 422);
    assert.deepEqual(((await vigil.client.monitor.retrieve(monitorId)) as any).settings.match, { any: ['acme'] }, 'unchanged after a rejected update');
    assert.equal((await patch({ none: ['beta'] })).status, 200);
    assert.deepEqual(((await vigil.client.monitor.retrieve(monitorId)) as any).settings.match, { none: ['beta'] });
    assert.equal((await patch(null)).status, 200);
    assert.equal(((await vigil.client.monitor.retrieve(monitorId)) as any).settings.match, undefined, 'null clears the filter');
  });
});

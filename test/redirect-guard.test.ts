import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allEvents, rss, startTestVigil, waitFor, type TestVigil } from './helpers.js';
import { ok, startScriptedSite, type ScriptedSite } from './scripted-site.js';

// Only 127.0.0.1 is allowed; 127.0.0.2 (also loopback on Linux) stands in for an address the
// operator has not allowed, so no traffic ever leaves the machine.
let vigil: TestVigil;
let site: ScriptedSite;
let forbidden: ScriptedSite;

before(async () => {
  site = await startScriptedSite('127.0.0.1');
  forbidden = await startScriptedSite('127.0.0.2');
  vigil = await startTestVigil({ VIGIL_ALLOW_NETWORKS: '127.0.0.1/32' });
});
after(async () => {
  await vigil.stop();
  await forbidden.close();
  await site.close();
});

const FEED = rss('Feed', [{ title: 'Old story', link: 'https://news.example.test/old', date: new Date('2020-01-01') }]);

function redirectTo(location: string) {
  return (_req: unknown, res: any) => res.writeHead(302, { location }).end();
}

/** The outcome of a new monitor's creation run, whose one source is `url`. */
async function firstOutcome(url: string): Promise<any> {
  const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: 'anything', sources: [url] } as any });
  const [outcome] = await waitFor(
    async () => {
      const all = await allEvents(vigil.client, monitor.monitor_id, { include_completions: true });
      return all.length > 0 ? all : undefined;
    },
    20_000,
    'the creation run',
  );
  return outcome;
}

describe('redirects and the address guard (research fetching)', () => {
  it('follows a redirect to an allowed address', async () => {
    site.route('/feed.xml', ok(FEED));
    site.route('/moved', redirectTo('/feed.xml'));
    const outcome = await firstOutcome(`${site.url}/moved`);
    assert.equal(outcome.event_type, 'completion');
  });

  it('refuses a redirect to a disallowed address; the target sees no request', async () => {
    forbidden.route('/feed.xml', ok(FEED));
    site.route('/to-private', redirectTo(`${forbidden.url}/feed.xml`));
    const outcome = await firstOutcome(`${site.url}/to-private`);
    assert.equal(outcome.event_type, 'error');
    assert.match(outcome.error_message, /refused to connect to 127\.0\.0\.2 \(loopback\).*VIGIL_ALLOW_NETWORKS/);
    assert.equal(forbidden.requests().length, 0, 'the disallowed server was never contacted');
    assert.equal(site.requests('/to-private').length, 1, 'a refusal is final: not retried');
  });

  for (const target of ['file:///etc/passwd', 'data:text/plain,hello', 'ftp://127.0.0.1/feed.xml']) {
    it(`refuses a redirect to ${target.split(':')[0]}:`, async () => {
      const path = `/to-${target.split(':')[0]}`;
      site.route(path, redirectTo(target));
      const outcome = await firstOutcome(`${site.url}${path}`);
      assert.equal(outcome.event_type, 'error');
      assert.match(outcome.error_message, /only http: and https: URLs are allowed/);
    });
  }
});

// GET /v1/monitors/{id}/events/stream: a monitor's log over SSE, live, resumable by last_event_id
// (query) or Last-Event-ID (header) without gap or repeat, with the list's JSON per event. Sources
// are feeds on a local fixture site; traffic stays on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allEvents,
  rss,
  spawnServer,
  startTestVigil,
  sdkClient,
  tempDir,
  testDatabase,
  triggerAndWait,
  waitFor,
  type RssItem,
  type ServerProcess,
} from './helpers.js';
import { readStreamEvents, type Resume, type SseEvent } from './sse-reader.js';
import { useFixtureSite, useTestVigil } from './hooks.js';

const isPostgres = /^postgres/.test(process.env.VIGIL_TEST_DATABASE_URL ?? '');
const SKIP_MULTI = isPostgres ? false : 'several processes share a store only on PostgreSQL (set VIGIL_TEST_DATABASE_URL)';

const t = useTestVigil();
const site = useFixtureSite();

const old: RssItem = { title: 'Old story', link: 'https://news.example.test/old', date: new Date('2020-01-01') };

/** A monitor of a new feed whose creation run has ended; `grow()` adds `n` new items to the feed. */
async function feedMonitor(baseUrl: string, client = t.client) {
  const path = `/feeds/${Math.random().toString(36).slice(2)}.xml`;
  const items: RssItem[] = [old];
  site.set(path, rss('Stream news', items));
  const monitor = await client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `${site.url}${path}` } });
  await waitFor(async () => (await allEvents(client, monitor.monitor_id, { include_completions: true })).length > 0, 20_000, 'the creation run');
  let count = 0;
  return {
    id: monitor.monitor_id,
    streamUrl: `${baseUrl}/v1/monitors/${monitor.monitor_id}/events/stream`,
    grow(n: number) {
      for (let i = 0; i < n; i += 1) {
        count += 1;
        items.unshift({ title: `Story ${count}`, link: `https://news.example.test/story/${count}`, date: new Date() });
      }
      site.set(path, rss('Stream news', items));
    },
  };
}

/** Opens a stream and reads `count` events, then disconnects. */
function readEvents(url: string, apiKey: string, count: number, resume?: Resume, query = ''): Promise<SseEvent[]> {
  return readStreamEvents(query ? `${url}?${query}` : url, { 'x-api-key': apiKey }, count, resume);
}

/** The monitor's events as the list returns them, oldest first. */
async function listed(client: typeof t.client, monitorId: string, includeCompletions = false): Promise<any[]> {
  return (await allEvents(client, monitorId, { include_completions: includeCompletions })).reverse();
}

describe('monitor events stream', () => {
  it('follows the log live; resuming after any event, by query or header, gives exactly the rest, also while events commit', async () => {
    const m = await feedMonitor(t.url);
    const rounds = 6;
    const perRound = 3;
    // Executions keep committing events while the client reads, disconnects and resumes.
    const producing = (async () => {
      for (let i = 0; i < rounds; i += 1) {
        m.grow(perRound);
        await triggerAndWait(t.client, m.id);
      }
    })();
    const seen: SseEvent[] = [];
    let resume: Resume | undefined;
    for (const chunk of [1, 4, 2, 5, 3]) {
      const got = await readEvents(m.streamUrl, t.apiKey, chunk, resume);
      seen.push(...got);
      resume = { lastEventId: got.at(-1)!.data.event_id, via: resume?.via === 'query' ? 'header' : 'query' };
    }
    await producing;
    const total = rounds * perRound;
    seen.push(...(await readEvents(m.streamUrl, t.apiKey, total - seen.length, resume)));

    const ids = seen.map((e) => e.data.event_id);
    assert.equal(new Set(ids).size, ids.length, 'no event repeated');
    const list = await listed(t.client, m.id);
    assert.equal(list.length, total);
    assert.deepEqual(
      ids,
      list.map((e) => e.event_id),
      'exactly the log, in order: no gap',
    );
    assert.deepEqual(
      seen.map((e) => e.data),
      list,
      'each data is the JSON the events list returns',
    );
    for (const e of seen) assert.equal(e.event, e.data.event_type);
    // Resuming after the last event gives nothing more (until a new one commits), and the stream stays open.
    assert.deepEqual(await readEvents(m.streamUrl, t.apiKey, 0, { lastEventId: ids.at(-1)!, via: 'query' }), []);
  });

  it('include_completions streams completions as the list shows them; a new event arrives on an open stream', async () => {
    const m = await feedMonitor(t.url);
    const withCompletions = await listed(t.client, m.id, true);
    assert.equal(withCompletions[0].event_type, 'completion');
    const replay = await readEvents(m.streamUrl, t.apiKey, 1, undefined, 'include_completions=true');
    assert.deepEqual(
      replay.map((e) => e.data),
      withCompletions,
    );
    // An open stream, after the completion, gets the next run's event as it commits: nobody polls the list.
    const live = readEvents(m.streamUrl, t.apiKey, 1, { lastEventId: withCompletions[0].event_id, via: 'header' }, 'include_completions=true');
    m.grow(1);
    await t.client.monitor.trigger(m.id);
    const [event] = await live;
    assert.equal(event.data.event_type, 'event_stream');
    assert.deepEqual(event.data, (await listed(t.client, m.id)).at(-1));
  });

  it('another account gets a 404; a bad last_event_id, by query or header, is a 422 naming it; timeout ends the stream', async () => {
    const m = await feedMonitor(t.url);
    const other = await t.other();
    const forOther = await fetch(m.streamUrl, { headers: { 'x-api-key': other.apiKey } });
    assert.equal(forOther.status, 404);
    assert.equal((await forOther.json()).type, 'error');
    assert.equal((await fetch(m.streamUrl)).status, 401);
    const badQuery = await fetch(`${m.streamUrl}?last_event_id=evt_nosuchevent`, { headers: { 'x-api-key': t.apiKey } });
    assert.equal(badQuery.status, 422);
    assert.match((await badQuery.json()).error.message, /last_event_id/);
    const badHeader = await fetch(m.streamUrl, { headers: { 'x-api-key': t.apiKey, 'last-event-id': 'evt_nosuchevent' } });
    assert.equal(badHeader.status, 422);
    assert.match((await badHeader.json()).error.message, /Last-Event-ID/);
    // Another monitor's event is no position in this one's log.
    const n = await feedMonitor(t.url);
    const foreign = (await listed(t.client, n.id, true))[0].event_id;
    assert.equal((await fetch(`${m.streamUrl}?last_event_id=${foreign}`, { headers: { 'x-api-key': t.apiKey } })).status, 422);
    const ended = await fetch(`${m.streamUrl}?timeout=0.3`, { headers: { 'x-api-key': t.apiKey } });
    assert.equal(await ended.text(), '');
    const spec = await (await fetch(`${t.url}/openapi.json`)).json();
    assert.ok(spec.paths['/v1/monitors/{monitor_id}/events/stream'].get.responses['200'].content['text/event-stream']);
  });

  it('stopping the server ends every open stream', async () => {
    const own = await startTestVigil();
    try {
      const m = await feedMonitor(own.url, own.client);
      const responses = await Promise.all([0, 1, 2].map(() => fetch(m.streamUrl, { headers: { 'x-api-key': own.apiKey } })));
      const bodies = responses.map((r) => r.text());
      await own.stop();
      assert.deepEqual(await Promise.all(bodies), ['', '', ''], 'each stream ended (closed by the server)');
    } finally {
      await own.stop();
    }
  });
});

describe('monitor events stream across processes', { skip: SKIP_MULTI }, () => {
  it('a subscriber on an API process sees every event a worker process commits, in order', async () => {
    const dir = tempDir();
    const database = await testDatabase(dir.path);
    const env = {
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: 'stream-key',
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_POLL_INTERVAL: '200ms',
    };
    const servers: ServerProcess[] = [];
    try {
      const api = await spawnServer({ ...env, VIGIL_ROLES: 'api' });
      servers.push(api);
      servers.push(await spawnServer({ ...env, VIGIL_ROLES: 'worker' }));
      const client = sdkClient(api.url, 'stream-key');
      const m = await feedMonitor(api.url, client);
      const rounds = 4;
      const reading = readEvents(m.streamUrl, 'stream-key', rounds * 2);
      for (let i = 0; i < rounds; i += 1) {
        m.grow(2);
        await triggerAndWait(client, m.id);
      }
      const seen = await reading;
      assert.deepEqual(
        seen.map((e) => e.data),
        await listed(client, m.id),
        'every event, in log order, as the list has them',
      );
    } finally {
      for (const server of servers) server.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => s.exited));
      await database.drop();
      dir.remove();
    }
  });
});

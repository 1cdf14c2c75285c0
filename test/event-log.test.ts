import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listExecutions } from '../src/store/executions.repository.js';
import { allEvents, rss, startFixtureSite, startTestVigil, waitFor, type RssItem } from './helpers.js';

const item = (n: number): RssItem => ({ title: `Story ${n}`, link: `https://news.example.test/${n}`, date: new Date(Date.now() + n) });

describe('the event log', () => {
  it('pages every event exactly once, newest first, while new executions keep committing', async () => {
    const site = await startFixtureSite();
    const vigil = await startTestVigil();
    try {
      const { client } = vigil;
      let items: RssItem[] = [];
      site.set('/feed.xml', rss('Busy feed', items));
      const monitor = await client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `${site.url}/feed.xml` } });
      const id = monitor.monitor_id;
      let next = 0;
      /** Adds three items to the feed and runs the monitor, returning once the run's outcome is logged. */
      const grow = async () => {
        const count = (await allEvents(client, id, { include_completions: true })).length;
        items = [item(next++), item(next++), item(next++), ...items];
        site.set('/feed.xml', rss('Busy feed', items));
        await client.monitor.trigger(id);
        await waitFor(async () => (await allEvents(client, id, { include_completions: true })).length > count);
      };
      await waitFor(async () => (await allEvents(client, id, { include_completions: true })).length === 1);
      for (let i = 0; i < 4; i += 1) await grow();
      const existing = (await allEvents(client, id)).map((e: any) => e.event_id);
      assert.equal(existing.length, 12);

      // Page with a tiny limit while executions keep appending events above the reader's cursor.
      const itemsBefore = next;
      let stop = false;
      const writer = (async () => {
        while (!stop) await grow();
      })();
      const paged: any[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.monitor.events(id, { limit: 2, ...(cursor ? { cursor } : {}) });
        paged.push(...page.events);
        cursor = page.next_cursor ?? undefined;
        await new Promise((r) => setTimeout(r, 30));
      } while (cursor);
      stop = true;
      await writer;
      assert.ok(next > itemsBefore, 'executions committed while the reader paged');

      const ids = paged.map((e) => e.event_id);
      assert.equal(new Set(ids).size, ids.length, 'no event repeated');
      for (const eventId of existing) assert.ok(ids.includes(eventId), `event ${eventId} was not skipped`);
      const timestamps = paged.map((e) => Date.parse(e.timestamp));
      assert.deepEqual(
        timestamps,
        [...timestamps].sort((a, b) => b - a),
        'newest first',
      );

      const finalIds = (await allEvents(client, id, { limit: 3 })).map((e: any) => e.event_id);
      assert.equal(finalIds.length, next, 'every item reported once, in the end');
      assert.equal(new Set(finalIds).size, finalIds.length);
    } finally {
      await vigil.stop();
      await site.close();
    }
  });

  it('keeps the newest executions per monitor and prunes older ones with their events', async () => {
    const site = await startFixtureSite();
    const vigil = await startTestVigil({ VIGIL_RETAIN_EXECUTIONS: '3' });
    try {
      site.set('/feed.xml', rss('Feed', [item(0)]));
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `${site.url}/feed.xml` } });
      const id = monitor.monitor_id;
      for (let i = 0; i < 6; i += 1) {
        await vigil.client.monitor.trigger(id);
        await waitFor(async () => (await listExecutions(vigil.vigil.store.db, id)).every((e) => e.status === 'done'));
      }
      const executions = await listExecutions(vigil.vigil.store.db, id);
      assert.equal(executions.length, 3);
      const events = await allEvents(vigil.client, id, { include_completions: true });
      assert.deepEqual(new Set(events.map((e: any) => e.event_group_id)), new Set(executions.map((e) => e.id)));
    } finally {
      await vigil.stop();
      await site.close();
    }
  });
});

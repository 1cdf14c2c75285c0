import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEntry } from '../src/domain/event.js';
import { ID } from '../src/domain/ids.js';
import { appendEntries } from '../src/store/events.repository.js';
import { listExecutions } from '../src/store/executions.repository.js';
import { startTestVigil, waitFor } from './helpers.js';

describe('appends that commit late', () => {
  it('never let a client polling the newest events miss one (appends to a monitor are serialised)', async () => {
    const vigil = await startTestVigil();
    try {
      const { client } = vigil;
      const monitor = await client.monitor.create({
        type: 'event_stream',
        frequency: '1d',
        settings: { query: 'x', sources: ['http://127.0.0.1:1/feed.xml'] } as any,
      });
      const [creation] = await waitFor(async () => {
        const runs = await listExecutions(vigil.vigil.store.db, monitor.monitor_id);
        return runs[0]?.status === 'done' ? runs : undefined;
      });
      const entry = (title: string): LogEntry => ({
        id: ID.event(),
        monitorId: monitor.monitor_id,
        executionId: creation.id,
        createdAt: Date.now(),
        kind: 'event_stream',
        eventDate: null,
        output: { type: 'text', content: title, basis: [] },
      });
      const late = entry('late');
      const early = entry('early');

      // A client that polls the newest page and keeps what is newer than the newest event it has seen.
      const seen: string[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const page = await client.monitor.events(monitor.monitor_id, { limit: 100 });
          const fresh: string[] = [];
          for (const e of page.events as any[]) {
            if (e.event_id === seen[0]) break;
            fresh.push(e.event_id);
          }
          seen.unshift(...fresh);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();

      // Transaction 1 appends and then holds its transaction open; transaction 2 appends meanwhile.
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let appended!: () => void;
      const lateAppended = new Promise<void>((resolve) => {
        appended = resolve;
      });
      const db = vigil.vigil.store.db;
      const first = db.transaction().execute(async (tx) => {
        await appendEntries(tx, creation.accountId, [late]);
        appended();
        await held;
      });
      await lateAppended;
      let secondDone = false;
      const second = (async () => {
        await db.transaction().execute((tx) => appendEntries(tx, creation.accountId, [early]));
        secondDone = true;
      })();
      await new Promise((r) => setTimeout(r, 400));
      const overtaken = secondDone;
      release();
      await Promise.all([first, second]);
      // The log may already hold the creation run's own outcome: wait for these two events by id.
      await waitFor(() => (seen.includes(late.id) && seen.includes(early.id)) || undefined, 5_000, 'the poller to see both events').catch(() => undefined);
      polling = false;
      await poller;

      assert.equal(overtaken, false, 'the second append waited for the first to commit');
      assert.deepEqual(seen.filter((id) => id === late.id || id === early.id).sort(), [early.id, late.id].sort(), 'the polling client saw both events');
      const ordered = (await client.monitor.events(monitor.monitor_id, { limit: 100 })).events.map((e: any) => e.event_id);
      assert.ok(ordered.indexOf(early.id) < ordered.indexOf(late.id), 'the later commit is newer in the log');
    } finally {
      await vigil.stop();
    }
  });
});

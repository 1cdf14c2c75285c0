import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstDueTime } from '../src/commands/monitors.js';
import { nextDueTime } from '../src/engine/scheduler.js';
import { listEvents } from '../src/store/events.repository.js';
import { openStore } from '../src/store/db.js';
import { listExecutions } from '../src/store/executions.repository.js';
import { rss, startFixtureSite, startTestVigil, waitFor } from './helpers.js';

describe('schedule arithmetic', () => {
  it('runs the next slot on the grid, and one catch-up run after missed slots', () => {
    assert.equal(nextDueTime(10_000, 1_000, 10_000), 11_000);
    assert.equal(nextDueTime(10_000, 1_000, 10_999), 11_000);
    assert.equal(nextDueTime(10_000, 1_000, 15_500), 16_000, 'missed slots are skipped, not queued');
    assert.equal(nextDueTime(10_000, 1_000, 16_000), 17_000);
  });

  it('spreads the first due times of monitors created together with one frequency', () => {
    const now = 1_000_000;
    const times = Array.from({ length: 1000 }, () => firstDueTime(now, 3600));
    for (const t of times) assert.ok(t >= now + 3_600_000 && t <= now + 3_600_000 + 360_000);
    const spread = Math.max(...times) - Math.min(...times);
    assert.ok(spread > 300_000, `first runs spread over ${spread} ms`);
    assert.ok(new Set(times).size > 900, 'nearly every monitor gets its own start time');
    const week = firstDueTime(now, 7 * 86_400, () => 1);
    assert.equal(week, now + 7 * 86_400_000 + 15 * 60_000, 'jitter is capped at 15 minutes');
  });
});

describe('the scheduler', () => {
  it('runs each schedule slot once, never overlapping executions of one monitor', async () => {
    const site = await startFixtureSite();
    site.set('/slow.xml', rss('Slow', [{ title: 'One', link: 'https://news.example.test/1' }]));
    site.delay('/slow.xml', 700);
    const vigil = await startTestVigil({ VIGIL_MIN_FREQUENCY: '1s' });
    try {
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1s', settings: { query: `${site.url}/slow.xml` } });
      const db = vigil.vigil.store.db;
      const scheduled = await waitFor(
        async () => {
          const runs = (await listExecutions(db, monitor.monitor_id)).filter((e) => e.reason === 'schedule' && e.status === 'done');
          return runs.length >= 3 ? runs : undefined;
        },
        20_000,
        'three scheduled runs',
      );
      const slots = scheduled.map((e) => e.scheduledFor as number);
      assert.equal(new Set(slots).size, slots.length, 'each slot queued once');
      for (let i = 1; i < slots.length; i += 1) {
        assert.equal((slots[i] - slots[0]) % 1000, 0, "slots lie on the monitor's grid");
      }
      assert.equal(site.maxConcurrent('/slow.xml'), 1, 'executions of one monitor never overlap');
      const entries = await listEvents(vigil.vigil.store.lists, {
        accountId: scheduled[0].accountId,
        monitorId: monitor.monitor_id,
        limit: 1000,
        includeCompletions: true,
      });
      for (const run of scheduled) {
        assert.equal(
          entries.filter((e) => (JSON.parse(e.body) as { event_group_id: string }).event_group_id === run.id).length,
          1,
          `execution ${run.id} has one outcome`,
        );
      }
    } finally {
      await vigil.stop();
      await site.close();
    }
  });

  it('coalesces slots that come due while the previous execution runs: never more than one pending, one catch-up after', async () => {
    const site = await startFixtureSite();
    site.set('/overrun.xml', rss('Overrun', [{ title: 'One', link: 'https://news.example.test/1' }]));
    site.delay('/overrun.xml', 2500);
    const vigil = await startTestVigil({ VIGIL_MIN_FREQUENCY: '1s' });
    try {
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1s', settings: { query: `${site.url}/overrun.xml` } });
      const db = vigil.vigil.store.db;
      let mostPending = 0;
      const all = await waitFor(
        async () => {
          const executions = await listExecutions(db, monitor.monitor_id);
          mostPending = Math.max(mostPending, executions.filter((e) => e.status !== 'done').length);
          return executions.filter((e) => e.status === 'done').length >= 3 ? executions : undefined;
        },
        30_000,
        'three executions of a monitor that overruns its frequency',
      );
      assert.equal(mostPending, 1, 'slots due while an execution was queued or running were coalesced into it');
      const late = all.filter((e) => e.reason === 'schedule' && e.status === 'done');
      assert.ok(late.length >= 2, 'the schedule goes on after each overrun');
      for (const e of late) {
        assert.ok((e.scheduledFor as number) < e.createdAt, 'each scheduled execution catches up a missed slot, queued once');
        assert.ok(e.startedAt !== null && e.startedAt >= e.createdAt, 'started_at is recorded');
      }
      assert.equal(site.maxConcurrent('/overrun.xml'), 1);
    } finally {
      await vigil.stop();
      await site.close();
    }
  });

  it('abandons the fetches of a timed-out execution rather than letting them pile up', async () => {
    const site = await startFixtureSite();
    site.set('/stuck.xml', rss('Stuck', []));
    site.delay('/stuck.xml', 4000);
    const vigil = await startTestVigil({ VIGIL_MIN_FREQUENCY: '1s', VIGIL_EXECUTION_TIMEOUT: '1s' });
    try {
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1s', settings: { query: `${site.url}/stuck.xml` } });
      const errors = await waitFor(
        async () => {
          const page = await vigil.client.monitor.events(monitor.monitor_id);
          return page.events.length >= 3 ? (page.events as any[]) : undefined;
        },
        20_000,
        'three timed-out runs',
      );
      assert.ok(errors.every((e) => e.event_type === 'error' && /timed out after 1s/.test(e.error_message)));
      assert.ok(site.hits('/stuck.xml') >= 3);
      assert.equal(site.answered('/stuck.xml'), 0, 'every timed-out run abandoned its fetch instead of waiting for the answer');
      assert.ok(site.maxConcurrent('/stuck.xml') <= 2, 'abandoned fetches do not pile up');
    } finally {
      await vigil.stop();
      await site.close();
    }
  });

  it('lets an in-flight execution finish and commit when the server stops', async () => {
    const site = await startFixtureSite();
    site.set('/slow.xml', rss('Slow', [{ title: 'One', link: 'https://news.example.test/1' }]));
    site.delay('/slow.xml', 1500);
    const vigil = await startTestVigil();
    const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `${site.url}/slow.xml` } });
    await waitFor(() => site.hits('/slow.xml') === 1, 10_000, 'the creation run to start');
    const db = vigil.vigil.store.db;
    const [running] = await listExecutions(db, monitor.monitor_id);
    assert.equal(running.status, 'running');
    await vigil.stop({ keepDatabase: true });
    await site.close();
    const store = await openStore(vigil.config.databaseUrl);
    const executions = await listExecutions(store.db, monitor.monitor_id);
    await store.close();
    await vigil.removeDatabase();
    assert.deepEqual(
      executions.map((e) => [e.status, e.outcome]),
      [['done', 'completion']],
    );
  });
});

// The one leased runner (src/engine/leased-runner.ts): timeouts that fire even while garbage is
// collected (issue 11 item 4; an AbortSignal.timeout() inside AbortSignal.any() can be collected
// before it fires, nodejs/node#57736), heartbeats that keep a long run's lease, and a lost lease
// that stops its work at once. Run with `--expose-gc`, or the test exposes gc itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConfigError, loadConfig } from '../src/config.js';
import { executionWork, type RunnerDeps } from '../src/engine/execution-runner.js';
import { leaseSettings } from '../src/engine/lease-keeper.js';
import { createOutboundClient } from '../src/outbound/http.js';
import { listEvents } from '../src/store/events.repository.js';
import { listExecutions, type Execution } from '../src/store/executions.repository.js';
import { rss, startFixtureSite, startTestVigil, waitFor } from './helpers.js';

/** Collects garbage every 25 ms until stopped: the weakly held timers of composed signals go first. */
function collectGarbage(): () => void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  const timer = setInterval(gc, 25);
  return () => clearInterval(timer);
}

const feed = (n: number) => rss(`Feed ${n}`, [{ title: `Item ${n}`, link: `https://news.example.test/${n}` }]);

describe('timeouts under forced garbage collection', () => {
  it('an execution times out at its timeout, abandoning its fetch', { timeout: 60_000 }, async () => {
    const site = await startFixtureSite();
    site.set('/stuck.xml', feed(0));
    site.delay('/stuck.xml', 60_000);
    const vigil = await startTestVigil({ VIGIL_EXECUTION_TIMEOUT: '1s', VIGIL_FETCH_ATTEMPTS: '1' });
    const stopGc = collectGarbage();
    try {
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `${site.url}/stuck.xml` } });
      // Without a timer that fires, the fetch's own 15 s deadline would end the run with another message.
      const [error] = await waitFor(
        async () => {
          const page = await vigil.client.monitor.events(monitor.monitor_id);
          return page.events.length > 0 ? (page.events as any[]) : undefined;
        },
        10_000,
        "the timed-out execution's error",
      );
      assert.equal(error.event_type, 'error');
      assert.match(error.error_message, /execution timed out after 1s/);
      assert.equal(site.answered('/stuck.xml'), 0, 'the fetch was abandoned, not awaited');
    } finally {
      stopGc();
      await vigil.stop();
      await site.close();
    }
  });

  it('a task run times out at its timeout', { timeout: 60_000 }, async () => {
    const site = await startFixtureSite();
    site.set('/product', '<html><body><h1>Widget</h1><span class="price">$42</span></body></html>', 'text/html');
    site.delay('/product', 60_000);
    const vigil = await startTestVigil({ VIGIL_EXECUTION_TIMEOUT: '1s', VIGIL_FETCH_ATTEMPTS: '1' });
    const stopGc = collectGarbage();
    try {
      const run = await vigil.client.taskRun.create({ input: `${site.url}/product`, processor: 'lite' });
      const failed = await waitFor(
        async () => {
          const r = await vigil.client.taskRun.retrieve(run.run_id);
          return r.status === 'failed' ? r : undefined;
        },
        10_000,
        'the timed-out run to fail',
      );
      assert.match(failed.error?.message ?? '', /run timed out after 1s/);
      assert.equal(site.answered('/product'), 0, 'the fetch was abandoned, not awaited');
    } finally {
      stopGc();
      await vigil.stop();
      await site.close();
    }
  });

  it('a single outbound request times out at its deadline', { timeout: 30_000 }, async () => {
    const site = await startFixtureSite();
    site.set('/slow', 'late', 'text/plain');
    site.delay('/slow', 60_000);
    const client = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'vigil-test', timeoutMs: 300 });
    const stopGc = collectGarbage();
    try {
      const started = Date.now();
      await assert.rejects(client.request(`${site.url}/slow`), /timed out after 300 ms/);
      assert.ok(Date.now() - started < 10_000, 'the deadline fired rather than the answer arriving');
    } finally {
      stopGc();
      await client.close();
      await site.close();
    }
  });
});

describe('leases', () => {
  it('last VIGIL_LEASE_DURATION (12 s by default), renewed every quarter of it', () => {
    assert.deepEqual(leaseSettings(loadConfig({}).leaseMs), { leaseMs: 12_000, heartbeatMs: 3_000 });
    assert.equal(loadConfig({ VIGIL_LEASE_DURATION: '30s' }).leaseMs, 30_000);
    for (const bad of ['500ms', '11m', 'soon']) {
      assert.throws(
        () => loadConfig({ VIGIL_LEASE_DURATION: bad }),
        (err: Error) => err instanceof ConfigError && /VIGIL_LEASE_DURATION/.test(err.message),
      );
    }
  });

  it("heartbeats renew a long execution's lease and its monitor's, so it runs once", { timeout: 60_000 }, async () => {
    const site = await startFixtureSite();
    site.set('/slow.xml', feed(1));
    site.delay('/slow.xml', 3_000);
    // A 1 s lease renewed every 250 ms, around a run three times as long.
    const vigil = await startTestVigil({}, { leaseMs: 1_000 });
    try {
      const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `${site.url}/slow.xml` } });
      const db = vigil.vigil.store.db;
      const leases = new Set<number>();
      const monitorLeases = new Set<number>();
      const [done] = await waitFor(
        async () => {
          const row = await db.selectFrom('executions').select(['locked_until']).where('monitor_id', '=', monitor.monitor_id).executeTakeFirst();
          const m = await db.selectFrom('monitors').select('lease_until').where('id', '=', monitor.monitor_id).executeTakeFirstOrThrow();
          if (row?.locked_until != null) leases.add(Number(row.locked_until));
          if (m.lease_until != null) monitorLeases.add(Number(m.lease_until));
          const runs = await listExecutions(db, monitor.monitor_id);
          return runs.every((e) => e.status === 'done') ? runs : undefined;
        },
        30_000,
        'the execution to finish',
      );
      assert.equal(done.attempts, 1, 'leased once: its lease never ran out while it ran');
      assert.equal(done.outcome, 'completion');
      assert.equal(site.maxConcurrent('/slow.xml'), 1, 'never run twice at once');
      assert.ok(leases.size >= 3, `the execution's lease was renewed (${leases.size} values seen)`);
      assert.ok(monitorLeases.size >= 3, `the monitor's lease was renewed with it (${monitorLeases.size} values seen)`);
    } finally {
      await vigil.stop();
      await site.close();
    }
  });

  it('a worker whose lease was taken over stops at once: no more requests, nothing committed', { timeout: 90_000 }, async () => {
    const SOURCES = 20;
    const site = await startFixtureSite();
    const paths = Array.from({ length: SOURCES }, (_, i) => `/source/${i}.xml`);
    for (const [i, path] of paths.entries()) {
      site.set(path, feed(i));
      site.delay(path, 600);
    }
    // One request at a time to the fixture host: the sources are read one after another for about 12 s.
    const vigil = await startTestVigil({ VIGIL_FETCH_HOST_CONCURRENCY: '1', VIGIL_FETCH_ATTEMPTS: '1' }, { leaseMs: 2_000 });
    const hits = () => paths.reduce((sum, path) => sum + site.hits(path), 0);
    try {
      const monitor = await vigil.client.monitor.create({
        type: 'event_stream',
        frequency: '1d',
        settings: { query: 'Track the sources', sources: paths.map((p) => `${site.url}${p}`) } as never,
      });
      const { store } = vigil.vigil;
      await waitFor(() => hits() >= 2, 20_000, 'the execution to be reading its sources');
      const taken = await takeOver(vigil.vigil.store, monitor.monitor_id);
      assert.equal(taken.attempts, 2);
      const quiet = await waitUntilQuiet(hits, 2_000, 20_000);
      assert.ok(quiet < SOURCES, `the worker stopped reading after the takeover (${quiet} of ${SOURCES} sources read)`);
      const [row] = await listExecutions(store.db, monitor.monitor_id);
      assert.deepEqual([row.status, row.outcome, row.attempts], ['running', null, 2], 'the lost run committed nothing');
      const locked = await store.db.selectFrom('executions').select('locked_by').where('id', '=', row.id).executeTakeFirstOrThrow();
      assert.equal(locked.locked_by, 'usurper', 'the new holder keeps its lease');
      const entries = await listEvents(store.lists, { accountId: row.accountId, monitorId: monitor.monitor_id, limit: 100, includeCompletions: true });
      assert.equal(entries.length, 0, 'no outcome was appended');
    } finally {
      await vigil.stop();
      await site.close();
    }
  });
});

/** Another worker claims the monitor's running execution, as it would once the lease had run out. */
async function takeOver(store: RunnerDeps['store'], monitorId: string): Promise<Execution> {
  const usurper = executionWork({ store, workerId: 'usurper' } as RunnerDeps);
  return waitFor(
    async () => {
      const now = Date.now();
      await store.db
        .updateTable('executions')
        .set({ locked_until: now - 1 })
        .where('monitor_id', '=', monitorId)
        .where('status', '=', 'running')
        .execute();
      await store.db
        .updateTable('monitors')
        .set({ lease_until: now - 1 })
        .where('id', '=', monitorId)
        .execute();
      // The first worker's heartbeat may renew between the two statements and the claim: try again then.
      return usurper.claim(now, now + 600_000);
    },
    10_000,
    'the takeover',
  );
}

/** The request count once it has not changed for `quietMs`. */
async function waitUntilQuiet(count: () => number, quietMs: number, timeoutMs: number): Promise<number> {
  let last = count();
  let since = Date.now();
  return waitFor(
    () => {
      const now = count();
      if (now !== last) {
        last = now;
        since = Date.now();
      }
      return Date.now() - since >= quietMs ? now : undefined;
    },
    timeoutMs,
    'requests to stop',
  );
}

// Several Vigil processes on one PostgreSQL database: an API-only process and two workers, with
// hundreds of monitors due at once and a local webhook receiver. Every execution must run once
// with one outcome, never two at a time for one monitor, and every delivery must arrive, also when
// a worker is killed (kill -9) mid-run. Traffic stays on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { openStore } from '../src/store/db.js';
import { listExecutions } from '../src/store/executions.repository.js';
import { rss, sdkClient, spawnServer, startFixtureSite, startReceiver, tempDir, testDatabase, waitFor, type ServerProcess } from './helpers.js';

const MONITORS = 200;
const isPostgres = /^postgres/.test(process.env.VIGIL_TEST_DATABASE_URL ?? '');
const SKIP = isPostgres ? false : 'several processes share a store only on PostgreSQL (set VIGIL_TEST_DATABASE_URL)';

async function scenario(t: TestContext, killWorker: boolean): Promise<void> {
  const site = await startFixtureSite();
  const receiver = await startReceiver();
  const dir = tempDir();
  const database = await testDatabase(dir.path);
  const env = {
    VIGIL_DATABASE_URL: database.url,
    VIGIL_API_KEY: 'multi-key',
    VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
    VIGIL_MIN_FREQUENCY: '1s',
    VIGIL_EXECUTION_TIMEOUT: '30s',
    VIGIL_POLL_INTERVAL: '500ms',
    VIGIL_WORKER_CONCURRENCY: '8',
    VIGIL_WEBHOOK_RETRY_DELAY: '200ms',
    VIGIL_WEBHOOK_TIMEOUT: '3s',
  };
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < MONITORS; i += 1) {
      site.set(`/feed/${i}`, rss(`Feed ${i}`, [{ title: 'Old', link: `https://news.example.test/${i}/old`, date: new Date('2020-01-01') }]));
      site.delay(`/feed/${i}`, 50);
    }
    const api = await spawnServer({ ...env, VIGIL_ROLES: 'api' });
    servers.push(api);
    const client = sdkClient(api.url, 'multi-key');
    const ids: string[] = [];
    for (let i = 0; i < MONITORS; i += 1) {
      const monitor = await client.monitor.create({
        type: 'event_stream',
        frequency: '3s',
        settings: { query: `${site.url}/feed/${i}` },
        webhook: { url: receiver.url },
      });
      ids.push(monitor.monitor_id);
    }
    // The workers start after every monitor exists: all creation runs are due at once.
    const workers = [await spawnServer({ ...env, VIGIL_ROLES: 'worker' }), await spawnServer({ ...env, VIGIL_ROLES: 'worker' })];
    servers.push(...workers);
    const store = await openStore(database.url);
    try {
      if (killWorker) {
        await waitFor(
          async () => {
            const running = await store.db.selectFrom('executions').select('locked_by').where('status', '=', 'running').execute();
            return running.length >= 4 || undefined;
          },
          30_000,
          'executions in flight',
        );
        workers[0].child.kill('SIGKILL');
        assert.equal((await workers[0].exited).signal, 'SIGKILL');
        t.diagnostic('killed one worker mid-run');
      }
      // New items appear, so later runs detect events; then every monitor runs on its schedule.
      for (let i = 0; i < MONITORS; i += 2) {
        site.set(`/feed/${i}`, rss(`Feed ${i}`, [{ title: 'Fresh', link: `https://news.example.test/${i}/fresh`, date: new Date() }]));
      }
      await waitFor(
        async () => {
          const ran = await store.db
            .selectFrom('executions')
            .select('monitor_id')
            .distinct()
            .where('status', '=', 'done')
            .where('reason', '=', 'schedule')
            .where('finished_at', '>', Date.now() - 60_000)
            .execute();
          return ran.length === MONITORS || undefined;
        },
        90_000,
        'a scheduled run of every monitor',
      );
      for (const id of ids) await client.monitor.cancel(id);
      const executions = await waitFor(
        async () => {
          const all = (await Promise.all(ids.map((id) => listExecutions(store.db, id)))).flat();
          return all.every((e) => e.status === 'done') ? all : undefined;
        },
        60_000,
        'every execution to finish',
      );
      const deliveries = await waitFor(
        async () => {
          const rows = await store.db.selectFrom('webhook_deliveries').select(['id', 'status', 'resource_id']).execute();
          return rows.every((d) => d.status === 'delivered') ? rows : undefined;
        },
        60_000,
        'every delivery to be delivered',
      );

      // Every execution: one outcome, with the log entries it implies; slots queued once.
      const entries = await store.db.selectFrom('events').select(['execution_id', 'kind', 'id', 'body']).execute();
      const byExecution = new Map<string, string[]>();
      for (const e of entries) byExecution.set(e.execution_id, [...(byExecution.get(e.execution_id) ?? []), e.kind]);
      for (const e of executions) {
        const kinds = byExecution.get(e.id) ?? [];
        if (e.outcome === 'events') assert.ok(kinds.length >= 1 && kinds.every((k) => k === 'event_stream'), `${e.id}: ${kinds.join(', ')}`);
        else assert.deepEqual(kinds, [e.outcome], `${e.id} has exactly one ${e.outcome} entry`);
      }
      const failed = executions.filter((e) => e.outcome === 'error').map((e) => entries.find((x) => x.execution_id === e.id)?.body);
      assert.deepEqual(failed, [], 'no execution failed');
      const slots = executions.filter((e) => e.scheduledFor !== null).map((e) => `${e.monitorId}@${e.scheduledFor}`);
      assert.equal(new Set(slots).size, slots.length, 'each schedule slot ran once');
      assert.ok(slots.length >= MONITORS, 'scheduled rounds ran');
      assert.equal(new Set(entries.map((e) => e.id)).size, entries.length, 'no event id twice');
      if (killWorker)
        assert.ok(
          executions.some((e) => e.attempts === 2),
          "the killed worker's executions were taken over",
        );
      for (let i = 0; i < MONITORS; i += 1) assert.equal(site.maxConcurrent(`/feed/${i}`), 1, `monitor ${i} never ran twice at once`);

      // Every delivery arrived; duplicates only under the same webhook-id.
      assert.equal(deliveries.length, executions.length, 'one delivery per execution');
      const received = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      assert.deepEqual([...received].sort(), deliveries.map((d) => d.id).sort());
      t.diagnostic(`${executions.length} executions, ${receiver.received.length} webhook requests for ${deliveries.length} deliveries`);
    } finally {
      await store.close();
    }
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
    for (const server of servers) {
      const exit = await server.exited;
      if (!(killWorker && server === servers[1])) assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM stops cleanly');
    }
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
    await receiver.close();
    await site.close();
    await database.drop();
    dir.remove();
  }
}

describe('several Vigil processes on one PostgreSQL database', { skip: SKIP }, () => {
  it('run every execution once and deliver every webhook', { timeout: 180_000 }, (t) => scenario(t, false));
  it('recover the work of a worker killed mid-run', { timeout: 180_000 }, (t) => scenario(t, true));
});

// Issue 14 item 4: SIGTERM gives back unstarted work and exits within 10 s whatever the backlog.
// A real `vigil serve` runs over 50,000 queued executions (one per monitor, seeded in the store)
// whose source never answers, so every running execution must be stopped and given back. The
// store is checked afterwards: every execution is still there, queued, with no lease held.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ID } from '../src/domain/ids.js';
import { openStore, type Store } from '../src/store/db.js';
import { insertExecution } from '../src/store/executions.repository.js';
import { rss, sdkClient, spawnServer, startFixtureSite, tempDir, testDatabase, waitFor, type ServerProcess } from './helpers.js';

const BACKLOG = 50_000;
/** The bound on the stop, measured from SIGTERM to the process's exit. */
const STOP_WITHIN_MS = 10_000;

describe('stopping under load', () => {
  it(`SIGTERM with ${BACKLOG} queued executions exits within 10 s and loses nothing`, { timeout: 300_000 }, async (t) => {
    const site = await startFixtureSite();
    site.set('/hang.xml', rss('Hang', [{ title: 'One', link: 'https://news.example.test/1' }]));
    site.delay('/hang.xml', 600_000);
    const dir = tempDir();
    const database = await testDatabase(dir.path);
    const env = {
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: 'stop-key',
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_WORKER_CONCURRENCY: '32',
    };
    const servers: ServerProcess[] = [];
    let store: Store | undefined;
    try {
      // One monitor made through the API (its creation run stays queued: no worker runs), then copied.
      const api = await spawnServer({ ...env, VIGIL_ROLES: 'api' });
      servers.push(api);
      const template = await sdkClient(api.url, 'stop-key').monitor.create({
        type: 'event_stream',
        frequency: '1d',
        settings: { query: `${site.url}/hang.xml` },
      });
      api.child.kill('SIGTERM');
      await api.exited;
      store = await openStore(database.url);
      const seeded = Date.now();
      await seedBacklog(store, template.monitor_id, BACKLOG);
      t.diagnostic(`seeded ${BACKLOG} monitors and queued executions in ${Date.now() - seeded} ms`);

      const server = await spawnServer(env);
      servers.push(server);
      const db = store.db;
      const running = async () => (await db.selectFrom('executions').select('id').where('status', '=', 'running').execute()).length;
      await waitFor(async () => (await running()) >= 8, 60_000, 'executions in flight');
      const inFlight = await running();
      const stoppedAt = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      const took = Date.now() - stoppedAt;
      t.diagnostic(`SIGTERM with ${inFlight} executions in flight over a backlog of ${BACKLOG}: exited in ${took} ms`);
      assert.deepEqual(exit, { code: 0, signal: null }, `a clean exit; output:\n${server.output()}`);
      assert.ok(took < STOP_WITHIN_MS, `exited ${took} ms after SIGTERM`);

      const byStatus = await db
        .selectFrom('executions')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      const counts = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
      assert.deepEqual(counts, { queued: BACKLOG }, 'every execution is still there and queued again; none left running or lost');
      const leased = await db.selectFrom('executions').select('id').where('locked_by', 'is not', null).execute();
      assert.equal(leased.length, 0, 'no execution lease is left held');
      const given = await db.selectFrom('executions').select('id').where('attempts', '>', 0).execute();
      assert.ok(given.length >= inFlight, `the ${given.length} started executions were given back`);
      const monitorLeases = await db.selectFrom('monitors').select('id').where('running_execution_id', 'is not', null).execute();
      assert.equal(monitorLeases.length, 0, 'no monitor lease is left held');
      const events = await db.selectFrom('events').select('id').execute();
      assert.equal(events.length, 0, 'nothing was committed for a stopped execution');
    } finally {
      for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await Promise.all(servers.map((server) => server.exited));
      await store?.close();
      await site.close();
      await database.drop();
      dir.remove();
    }
  });
});

/**
 * Copies the template monitor's row until there are `total` monitors, each with one queued
 * execution (the template keeps its creation run). Monitor rows are copied whole, so columns
 * added later come along; executions are queued through the repository, as the API queues them.
 */
async function seedBacklog(store: Store, templateId: string, total: number): Promise<void> {
  const db = store.db;
  const row = await db.selectFrom('monitors').selectAll().where('id', '=', templateId).executeTakeFirstOrThrow();
  const [queued] = await db.selectFrom('executions').selectAll().where('monitor_id', '=', templateId).execute();
  assert.equal(queued?.status, 'queued', "the template's creation run is queued");
  const BATCH = 500;
  const batches: number[] = [];
  for (let done = 1; done < total; done += BATCH) batches.push(Math.min(BATCH, total - done));
  // Four transactions at once: PostgreSQL writes them side by side; SQLite takes them in turn.
  const seedBatches = async () => {
    for (let size = batches.pop(); size !== undefined; size = batches.pop()) {
      const ids = Array.from({ length: size }, () => ID.monitor());
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('monitors')
          .values(ids.map((id) => ({ ...row, id })))
          .execute();
        for (const id of ids) {
          await insertExecution(tx, {
            id: ID.execution(),
            monitorId: id,
            accountId: row.account_id,
            reason: 'create',
            scheduledFor: null,
            createdAt: Date.now(),
          });
        }
      });
    }
  };
  await Promise.all([seedBatches(), seedBatches(), seedBatches(), seedBatches()]);
}

// Issue 14 item 5: a process that dies (kill -9) holds its work only for a short lease, because the
// leases of running work are renewed by heartbeats while the process lives. With the default
// settings (a 2 min execution timeout, 12 s leases) its executions are resumed within about 15 s:
// by the same server restarted, on SQLite and PostgreSQL, and by a second live process on
// PostgreSQL without any restart. The real CLI runs as child processes; traffic stays on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { openStore, type Store } from '../src/store/db.js';
import { listExecutions, type Execution } from '../src/store/executions.repository.js';
import { rss, sdkClient, spawnServer, startFixtureSite, tempDir, testDatabase, waitFor, type FixtureSite, type ServerProcess } from './helpers.js';

const isPostgres = /^postgres/.test(process.env.VIGIL_TEST_DATABASE_URL ?? '');
/** The issue asks for about 15 s; the bound is generous for a loaded machine, the figure is printed. */
const RESUMED_WITHIN_MS = 30_000;
const PATH = '/slow.xml';

interface Setup {
  site: FixtureSite;
  env: Record<string, string>;
  servers: ServerProcess[];
  store(): Promise<Store>;
}

async function withSetup(t: TestContext, body: (s: Setup) => Promise<void>): Promise<void> {
  const site = await startFixtureSite();
  site.set(PATH, rss('Slow', [{ title: 'One', link: 'https://news.example.test/1' }]));
  // The first holder's fetch hangs, so the kill always lands mid-run.
  site.delay(PATH, 120_000);
  const dir = tempDir();
  const database = await testDatabase(dir.path);
  // Default timeout, lease and poll interval: what is measured is what an operator gets.
  const env = { VIGIL_DATABASE_URL: database.url, VIGIL_API_KEY: 'recovery-key', VIGIL_ALLOW_NETWORKS: '127.0.0.0/8' };
  const servers: ServerProcess[] = [];
  let store: Store | undefined;
  try {
    await body({ site, env, servers, store: async () => (store ??= await openStore(database.url)) });
  } catch (err) {
    for (const [n, server] of servers.entries()) t.diagnostic(`server ${n + 1} output:\n${server.output()}`);
    throw err;
  } finally {
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await Promise.all(servers.map((server) => server.exited));
    await store?.close();
    await site.close();
    await database.drop();
    dir.remove();
  }
}

/** Creates a monitor through `server` and waits until its creation run is fetching; returns the monitor id. */
async function startRun(s: Setup, server: ServerProcess): Promise<string> {
  const client = sdkClient(server.url, 'recovery-key');
  const monitor = await client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `${s.site.url}${PATH}` } });
  await waitFor(() => s.site.hits(PATH) >= 1, 30_000, 'the creation run to fetch');
  return monitor.monitor_id;
}

/** Waits until the monitor's one execution is done; returns it and when that was seen. */
async function waitUntilDone(s: Setup, monitorId: string): Promise<{ execution: Execution; at: number }> {
  const store = await s.store();
  const execution = await waitFor(
    async () => {
      const [e] = await listExecutions(store.db, monitorId);
      return e?.status === 'done' ? e : undefined;
    },
    RESUMED_WITHIN_MS + 10_000,
    'the execution to be resumed and finish',
  );
  return { execution, at: Date.now() };
}

describe('recovery from kill -9 by heartbeat leases', () => {
  it("resumes a killed server's execution within about 15 s of a restart", { timeout: 120_000 }, (t) =>
    withSetup(t, async (s) => {
      const first = await spawnServer(s.env);
      s.servers.push(first);
      const monitorId = await startRun(s, first);
      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      const killedAt = Date.now();
      s.site.delay(PATH, 0);

      const second = await spawnServer(s.env);
      s.servers.push(second);
      const readyAt = Date.now();
      const { execution, at } = await waitUntilDone(s, monitorId);
      t.diagnostic(`resumed and finished ${at - readyAt} ms after the restart (${at - killedAt} ms after the kill)`);
      assert.ok(at - readyAt < RESUMED_WITHIN_MS, `resumed ${at - readyAt} ms after the restart`);
      assert.deepEqual([execution.attempts, execution.outcome], [2, 'completion'], 'run again once, to its one outcome');
      assert.equal(s.site.hits(PATH), 2);
    }),
  );

  it(
    "a second live process resumes a killed one's execution without a restart",
    {
      timeout: 120_000,
      skip: isPostgres ? false : 'several processes share a store only on PostgreSQL',
    },
    (t) =>
      withSetup(t, async (s) => {
        const api = await spawnServer(s.env);
        const other = await spawnServer({ ...s.env, VIGIL_ROLES: 'worker' });
        s.servers.push(api, other);
        const monitorId = await startRun(s, api);
        const store = await s.store();
        const lockedBy = await waitFor(
          async () => {
            const row = await store.db.selectFrom('executions').select('locked_by').where('monitor_id', '=', monitorId).executeTakeFirst();
            return row?.locked_by ?? undefined;
          },
          10_000,
          "the execution's holder",
        );
        const holder = s.servers.find((server) => lockedBy.split(':')[1] === String(server.child.pid));
        assert.ok(holder, `the holder ${lockedBy} is one of the two processes`);
        const survivor = holder === api ? other : api;
        holder.child.kill('SIGKILL');
        assert.equal((await holder.exited).signal, 'SIGKILL');
        const killedAt = Date.now();
        s.site.delay(PATH, 0);

        const { execution, at } = await waitUntilDone(s, monitorId);
        t.diagnostic(`resumed and finished by the live process ${at - killedAt} ms after the kill`);
        assert.ok(at - killedAt < RESUMED_WITHIN_MS, `resumed ${at - killedAt} ms after the kill`);
        assert.deepEqual([execution.attempts, execution.outcome], [2, 'completion']);
        survivor.child.kill('SIGTERM');
        assert.deepEqual(await survivor.exited, { code: 0, signal: null }, 'the survivor stops cleanly');
      }),
  );
});

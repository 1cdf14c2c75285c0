// Issue acceptance: "Killing the server (kill -9) while executions are in flight and restarting
// leaves every execution with exactly one outcome, and no lost or duplicated scheduled run."
// (DESIGN.md invariants 1 and 2.) The real CLI runs as child processes sharing one database; the
// store itself is then checked. All traffic stays on 127.0.0.1.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type Parallel from 'parallel-web';
import { openStore, type Store } from '../src/store/db.js';
import { listExecutions, type Execution } from '../src/store/executions.repository.js';
import { rss, sdkClient, spawnServer, tempDir, testDatabase, waitFor, type RssItem, type ServerProcess, type TestDatabase } from './helpers.js';

const MONITORS = 10;
/** The monitor whose feed always answers HTTP 500: its executions end in `error` outcomes. */
const FAILING = MONITORS - 1;
const PERIOD_MS = 2_000;
/** Every feed answers this late, so a kill lands while fetches are in flight. */
const FEED_DELAY_MS = 1_500;
const QUERY = 'Track news about recovery';
/** Environment of every server (the default 12 s lease, renewed by heartbeats while a server lives). */
const SERVER_ENV = {
  VIGIL_MIN_FREQUENCY: '1s',
  // Well above what a local feed needs, also on a loaded machine (4 s timed out there).
  VIGIL_EXECUTION_TIMEOUT: '10s',
  VIGIL_POLL_INTERVAL: '1s',
  // Enough slots that every monitor runs at once: the queue keeps up with a 2 s schedule.
  VIGIL_WORKER_CONCURRENCY: '16',
  VIGIL_LOG_LEVEL: 'warn',
  // The failing feed fails at once, not after retries, so its executions keep to the 2 s schedule.
  VIGIL_FETCH_ATTEMPTS: '1',
};

describe('crash recovery', { concurrency: true }, () => {
  it('kill -9 with executions in flight, then restart: one outcome each, no lost or duplicated run or event', { timeout: 120_000 }, async (t) => {
    await withScenario(t, async (s) => {
      const first = await s.startServer();
      await s.runUntilFetchesHang(sdkClient(first.url, s.apiKey));
      const inFlightPaths = s.site.inFlightPaths();
      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL', 'the first server was killed, not stopped');
      t.diagnostic(`killed with ${inFlightPaths.length} feed fetches in flight: ${inFlightPaths.join(', ')}`);
      assert.ok(inFlightPaths.length >= 1, 'fetches were in flight when the kill landed');
      await waitFor(() => s.site.inFlight() === 0, 5_000, "the killed server's connections to close");

      const crash = await s.snapshot();
      s.addBatch(); // new items appear while the server is down
      await sleep(PERIOD_MS + 1_000); // a schedule slot falls due while nobody runs

      const restartAt = Date.now();
      const second = await s.startServer();
      const readyAt = Date.now();
      await s.waitUntilDone(crash.running);
      s.addBatch();
      await s.waitForRunsAfter(readyAt);
      second.child.kill('SIGTERM');
      assert.deepEqual(await second.exited, { code: 0, signal: null }, 'the second server stops cleanly on SIGTERM');

      await s.verify(t, { crash, restartAt, readyAt });
    });
  });

  it('a frozen process whose leases were taken over cannot commit when it wakes', { timeout: 120_000 }, async (t) => {
    await withScenario(t, async (s) => {
      const first = await s.startServer();
      await s.runUntilFetchesHang(sdkClient(first.url, s.apiKey));
      // SIGSTOP stands for a long GC pause or a partition: the process lives on but its leases run out.
      await freezeOutsideTransactions(s, first.child);
      const crash = await s.snapshot();
      s.addBatch();

      const restartAt = Date.now();
      const second = await s.startServer();
      const readyAt = Date.now();
      // Wake the first process only once the second holds every execution it had: whatever the
      // first then tries to commit for them must be refused.
      await waitFor(
        async () => {
          const rows = await s
            .store!.db.selectFrom('executions')
            .select(['status', 'attempts'])
            .where('id', 'in', [...crash.running])
            .execute();
          return rows.length === crash.running.size && rows.every((r) => Number(r.attempts) === 2) && rows.some((r) => r.status === 'running');
        },
        20_000,
        "the second server to take over the frozen server's executions",
      );
      first.child.kill('SIGCONT');
      await s.waitUntilDone(crash.running);
      s.addBatch();
      await s.waitForRunsAfter(readyAt);
      first.child.kill('SIGTERM');
      second.child.kill('SIGTERM');
      assert.deepEqual(await first.exited, { code: 0, signal: null }, 'the woken server stops cleanly on SIGTERM');
      assert.deepEqual(await second.exited, { code: 0, signal: null }, 'the second server stops cleanly on SIGTERM');

      await s.verify(t, { crash, restartAt, readyAt });
    });
  });
});

/** Stops a process (SIGSTOP) at a moment it holds no write lock, so the other process is not blocked. */
async function freezeOutsideTransactions(s: Scenario, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    child.kill('SIGSTOP');
    if (await s.writable()) return;
    child.kill('SIGCONT');
    await sleep(20);
  }
  throw new Error('could not freeze the server outside a write transaction');
}

/** What the store showed right after the crash (kill or freeze). */
interface CrashSnapshot {
  /** Executions leased (running) at the crash. */
  running: Set<string>;
  /** Each monitor's next due slot at the crash. */
  pendingSlot: Map<string, number>;
  done: Set<string>;
}

/** One crash scenario: a fixture site, ten monitors, their database and the servers run on it. */
interface Scenario {
  site: CountingSite;
  apiKey: string;
  store: Store | undefined;
  startServer(): Promise<ServerProcess>;
  /** Creates the monitors, triggers some, runs until every feed was read thrice and fetches hang. */
  runUntilFetchesHang(client: Parallel): Promise<void>;
  /** Adds one new item to every feed. */
  addBatch(): void;
  snapshot(): Promise<CrashSnapshot>;
  /** Whether a write transaction can start now (nobody holds the write lock). */
  writable(): Promise<boolean>;
  waitUntilDone(ids: Set<string>): Promise<void>;
  /** Waits until every monitor ran a scheduled slot after `readyAt`, every new item is reported, and 10 s passed. */
  waitForRunsAfter(readyAt: number): Promise<void>;
  verify(t: TestContext, times: { crash: CrashSnapshot; restartAt: number; readyAt: number }): Promise<void>;
}

async function withScenario(t: TestContext, body: (s: Scenario) => Promise<void>): Promise<void> {
  const dir = tempDir();
  let database: TestDatabase | undefined;
  const site = await startCountingSite(FEED_DELAY_MS);
  const servers: ServerProcess[] = [];
  let s: Scenario | undefined;
  try {
    database = await testDatabase(dir.path);
    s = scenario(site, database.url, servers);
    await body(s);
  } catch (err) {
    for (const [n, c] of servers.entries()) t.diagnostic(`server ${n + 1} output:\n${c.output()}`);
    if (s?.store) t.diagnostic(`store at failure:\n${await describeStore(s.store).catch(String)}`);
    throw err;
  } finally {
    for (const c of servers) {
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    }
    await Promise.all(servers.map((c) => c.exited));
    await s?.store?.close();
    await site.close();
    await database?.drop();
    dir.remove();
  }
}

function scenario(site: CountingSite, databaseUrl: string, servers: ServerProcess[]): Scenario {
  const apiKey = `crash-key-${Math.random().toString(36).slice(2)}`;
  const feeds = Array.from({ length: MONITORS }, (_, i) => `/feed/${i}`);
  const added = new Map<string, string[]>(feeds.map((p) => [p, []]));
  const monitorIds: string[] = [];
  const triggers = new Map<string, number>();
  let batch = 0;
  // Items present before the monitors exist: recorded by the creation run, never reported.
  const old = new Date(Date.now() - 86_400_000);
  for (const path of feeds) site.add(path, [{ title: `Recovery archive ${path}`, link: `http://127.0.0.1/old${path}`, date: old }]);
  site.fail(feeds[FAILING], 500);

  const s: Scenario = {
    site,
    apiKey,
    store: undefined,

    async startServer() {
      const server = await spawnServer({
        ...SERVER_ENV,
        VIGIL_DATABASE_URL: databaseUrl,
        VIGIL_API_KEY: apiKey,
        VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      });
      servers.push(server);
      return server;
    },

    async runUntilFetchesHang(client) {
      for (const path of feeds) {
        const monitor = await client.monitor.create({
          type: 'event_stream',
          frequency: `${PERIOD_MS / 1000}s`,
          settings: { query: QUERY, sources: [`${site.url}${path}`] } as never,
        });
        monitorIds.push(monitor.monitor_id);
        triggers.set(monitor.monitor_id, 0);
      }
      const trigger = async (i: number) => {
        await client.monitor.trigger(monitorIds[i]);
        triggers.set(monitorIds[i], triggers.get(monitorIds[i])! + 1);
      };
      for (const i of [0, 1, 2]) await trigger(i);
      // After the creation runs have answered: a creation run records what exists, reporting nothing older.
      await waitFor(() => feeds.every((p) => site.hits(p) >= 2), 15_000, 'every feed fetched twice');
      s.addBatch();
      await waitFor(() => feeds.every((p) => site.hits(p) >= 3), 20_000, 'every feed fetched three times');
      await waitFor(() => site.inFlight() >= 3, 15_000, 'three fetches in flight at once');
      // Triggers acknowledged just before the crash must survive it.
      for (const i of [3, 4]) await trigger(i);
    },

    addBatch() {
      batch += 1;
      for (const path of feeds) {
        const link = `http://127.0.0.1/item${path}/${batch}`;
        site.add(path, [{ title: `Recovery bulletin ${batch}`, link, description: `Recovery work, batch ${batch}`, date: new Date() }]);
        added.get(path)!.push(link);
      }
    },

    async snapshot() {
      s.store ??= await openStore(databaseUrl);
      const db = s.store.db;
      const running = await db.selectFrom('executions').selectAll().where('status', '=', 'running').execute();
      assert.ok(running.length >= 1, 'executions were running (leased) at the crash');
      for (const row of running) assert.equal(Number(row.attempts), 1, 'each execution running at the crash was leased once');
      const monitors = await db.selectFrom('monitors').select(['id', 'next_run_at']).execute();
      const done = await db.selectFrom('executions').select('id').where('status', '=', 'done').execute();
      assert.ok(done.length >= 2 * MONITORS, 'executions finished before the crash too');
      return {
        running: new Set(running.map((r) => r.id)),
        pendingSlot: new Map(monitors.map((r) => [r.id, Number(r.next_run_at)])),
        done: new Set(done.map((r) => r.id)),
      };
    },

    async writable() {
      if (databaseUrl.startsWith('sqlite:')) {
        const probe = new SQLite(databaseUrl.slice('sqlite:'.length), { timeout: 300 });
        try {
          probe.exec('BEGIN IMMEDIATE');
          probe.exec('ROLLBACK');
          return true;
        } catch {
          return false;
        } finally {
          probe.close();
        }
      }
      s.store ??= await openStore(databaseUrl);
      try {
        await s.store.db.transaction().execute(async (tx) => {
          await sql`SET LOCAL lock_timeout = '300ms'`.execute(tx);
          await sql`SELECT 1 FROM monitors FOR UPDATE`.execute(tx);
          await sql`SELECT 1 FROM executions WHERE status <> 'done' FOR UPDATE`.execute(tx);
          throw new Rollback();
        });
      } catch (err) {
        return err instanceof Rollback;
      }
      return true;
    },

    async waitUntilDone(ids) {
      await waitFor(
        async () => {
          const rows = await s
            .store!.db.selectFrom('executions')
            .select('status')
            .where('id', 'in', [...ids])
            .execute();
          return rows.length === ids.size && rows.every((r) => r.status === 'done');
        },
        25_000,
        'the executions running at the crash to finish after the restart',
      );
    },

    async waitForRunsAfter(readyAt) {
      const db = s.store!.db;
      await waitFor(
        async () => {
          if (Date.now() - readyAt < 10_000) return false;
          for (let i = 0; i < MONITORS; i += 1) {
            const after = await db
              .selectFrom('executions')
              .select('id')
              .where('monitor_id', '=', monitorIds[i])
              .where('reason', '=', 'schedule')
              .where('status', '=', 'done')
              .where('scheduled_for', '>', readyAt)
              .execute();
            if (after.length === 0) return false;
            if (i !== FAILING && (await reportedLinks(s.store!, monitorIds[i])).length < batch) return false;
          }
          return true;
        },
        30_000,
        'scheduled runs after the restart and every new item reported',
      );
    },

    async verify(t, { crash, restartAt, readyAt }) {
      const store = s.store!;
      const db = store.db;
      const monitorRows = new Map((await db.selectFrom('monitors').selectAll().execute()).map((r) => [r.id, r]));
      const entries = await db.selectFrom('events').selectAll().where('monitor_id', 'in', monitorIds).orderBy('seq').execute();
      assert.equal(new Set(entries.map((e) => e.id)).size, entries.length, 'no event id appears twice');
      const entriesByExecution = new Map<string, typeof entries>();
      for (const e of entries) entriesByExecution.set(e.execution_id, [...(entriesByExecution.get(e.execution_id) ?? []), e]);
      const all = new Map<string, Execution>();
      let scheduledAfterRestart = 0;
      for (let i = 0; i < MONITORS; i += 1) {
        const id = monitorIds[i];
        const executions = await listExecutions(db, id);
        for (const e of executions) {
          all.set(e.id, e);
          const where = `execution ${e.id} (${e.reason}) of monitor ${i}`;
          const own = entriesByExecution.get(e.id) ?? [];
          assert.notEqual(e.status, 'running', `${where} is not left running`);
          if (e.status === 'queued') {
            // A run the final stop never started; one given back by the stop would have attempts > 0.
            assert.equal(e.attempts, 0, `${where} is queued only if never started`);
            assert.ok(!crash.running.has(e.id), `${where} was running at the crash and is queued again`);
            assert.equal(e.outcome, null, `${where} is queued without an outcome`);
            assert.equal(own.length, 0, `${where} is queued without log entries`);
            continue;
          }
          assert.ok(e.outcome !== null && e.finishedAt !== null, `${where} has an outcome`);
          // Leased once, or twice when its first worker died or froze holding it: never run over a live lease.
          assert.equal(e.attempts, crash.running.has(e.id) ? 2 : 1, `${where} attempts`);
          assert.ok(
            own.every((x) => x.monitor_id === id),
            `${where}: its entries belong to its monitor`,
          );
          const kinds = own.map((x) => x.kind);
          if (e.outcome === 'events') {
            assert.ok(
              kinds.length >= 1 && kinds.every((k) => k === 'event_stream'),
              `${where}: events outcome → event_stream entries, got ${kinds.join(', ')}`,
            );
          } else {
            assert.deepEqual(kinds, [e.outcome], `${where}: ${e.outcome} outcome → exactly one ${e.outcome} entry`);
          }
          // A healthy feed answers well within the timeout: an error here is a stale or abandoned run's outcome.
          // The failing feed's failure is reported once (an error); its repeats are completions (noise control).
          if (i === FAILING) assert.notEqual(e.outcome, 'events', `${where}: outcome ${e.outcome}`);
          else assert.notEqual(e.outcome, 'error', `${where}: outcome ${e.outcome}: ${own.map((x) => x.body).join(' ')}`);
        }
        if (i === FAILING) assert.equal(executions.find((e) => e.reason === 'create')?.outcome, 'error', 'the failure is reported when it begins');
        assert.equal(executions.filter((e) => e.reason === 'create').length, 1, `monitor ${i}: one creation run`);
        assert.equal(executions.filter((e) => e.reason === 'trigger').length, triggers.get(id), `monitor ${i}: one run per acknowledged trigger`);

        // The schedule: each slot queued once; each next slot is the first grid point after the moment
        // the previous one was queued (slots missed while down collapse into one catch-up run, never none).
        const monitor = monitorRows.get(id)!;
        const scheduled = executions.filter((e) => e.reason === 'schedule').sort((a, b) => a.scheduledFor! - b.scheduledFor!);
        const slots = scheduled.map((e) => e.scheduledFor!);
        assert.equal(new Set(slots).size, slots.length, `monitor ${i}: no schedule slot is run twice`);
        const created = Number(monitor.created_at);
        assert.ok(
          slots[0] >= created + PERIOD_MS && slots[0] <= created + PERIOD_MS * 1.1,
          `monitor ${i}: the first slot is one period (plus jitter) after creation`,
        );
        for (let k = 1; k <= scheduled.length; k += 1) {
          const previous = scheduled[k - 1];
          const next = k < scheduled.length ? slots[k] : Number(monitor.next_run_at);
          assert.equal(
            next,
            firstGridPointAfter(previous.scheduledFor!, previous.createdAt),
            `monitor ${i}: the slot after ${previous.scheduledFor} (queued at ${previous.createdAt}) is ${next}; none lost or invented`,
          );
        }
        const catchUp = scheduled.find((e) => e.scheduledFor === crash.pendingSlot.get(id));
        assert.ok(catchUp && catchUp.createdAt >= restartAt, `monitor ${i}: the slot pending at the crash is run once, after the restart`);
        const after = scheduled.filter((e) => e.scheduledFor! > readyAt && e.status === 'done');
        assert.ok(after.length >= 1, `monitor ${i}: scheduled runs go on after the restart`);
        scheduledAfterRestart += after.length;

        // Every new item reported exactly once; items older than the monitor never.
        const links = await reportedLinks(store, id);
        assert.equal(new Set(links).size, links.length, `monitor ${i}: no feed item reported twice (${links.join(', ')})`);
        assert.deepEqual([...links].sort(), i === FAILING ? [] : [...added.get(feeds[i])!].sort(), `monitor ${i}: every new item reported`);
      }
      for (const id of crash.running) assert.equal(all.get(id)?.status, 'done', `execution ${id}, running at the crash, is done after the restart`);
      for (const id of crash.done) assert.equal(all.get(id)?.attempts, 1, `execution ${id}, done before the crash, was not redone`);
      assert.ok(
        entries.every((e) => all.has(e.execution_id)),
        'every log entry belongs to a known execution',
      );
      for (const path of feeds) assert.equal(site.maxConcurrent(path), 1, `${path}: one monitor's executions never overlap`);
      t.diagnostic(
        `${all.size} executions, ${entries.length} log entries, ${crash.running.size} running at the crash, ` +
          `${scheduledAfterRestart} scheduled runs after the restart`,
      );
    },
  };
  return s;
}

class Rollback extends Error {}

/** The first point of a slot's grid (`slot + k·period`, k ≥ 1) strictly after `queuedAt`. */
function firstGridPointAfter(slot: number, queuedAt: number): number {
  let next = slot + PERIOD_MS;
  while (next <= queuedAt) next += PERIOD_MS;
  return next;
}

/** The item links a monitor's event_stream entries cite, in log order. */
async function reportedLinks(store: Store, monitorId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('events')
    .select('body')
    .where('monitor_id', '=', monitorId)
    .where('kind', '=', 'event_stream')
    .orderBy('seq')
    .execute();
  return rows.map((r) => {
    const payload = JSON.parse(r.body) as { output: { basis: { citations: { url: string }[] }[] } };
    return payload.output.basis[0].citations[0].url;
  });
}

/** Each monitor's executions in brief, for a failure's diagnostics. */
async function describeStore(store: Store): Promise<string> {
  const monitors = await store.db.selectFrom('monitors').select(['id', 'next_run_at']).orderBy('created_at').execute();
  const lines: string[] = [];
  for (const m of monitors) {
    const runs = (await listExecutions(store.db, m.id)).map(
      (e) => `${e.reason[0]}${e.scheduledFor ?? ''}@${e.createdAt}:${e.status}/${e.outcome ?? '-'}/${e.attempts}`,
    );
    lines.push(`${m.id} next=${m.next_run_at} links=${(await reportedLinks(store, m.id)).length} ${runs.join(' ')}`);
  }
  return lines.join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A feed site on 127.0.0.1 that answers slowly and records, per path, the most requests it held at once. */
interface CountingSite {
  url: string;
  /** Prepends items to a path's RSS feed (creating it). */
  add(path: string, items: RssItem[]): void;
  /** Makes a path answer with this status from now on. */
  fail(path: string, status: number): void;
  hits(path: string): number;
  /** Requests being answered right now, over all paths. */
  inFlight(): number;
  inFlightPaths(): string[];
  maxConcurrent(path: string): number;
  close(): Promise<void>;
}

async function startCountingSite(delayMs: number): Promise<CountingSite> {
  const feeds = new Map<string, { items: RssItem[]; status: number }>();
  const hits = new Map<string, number>();
  const open = new Map<string, number>();
  const peak = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    open.set(path, (open.get(path) ?? 0) + 1);
    peak.set(path, Math.max(peak.get(path) ?? 0, open.get(path)!));
    // 'close' fires once the answer is sent, or when the client's connection drops (a killed process).
    res.once('close', () => open.set(path, open.get(path)! - 1));
    setTimeout(() => {
      if (res.destroyed) return;
      const feed = feeds.get(path);
      if (!feed) res.writeHead(404).end('not found');
      else if (feed.status !== 200) res.writeHead(feed.status, { 'content-type': 'text/plain' }).end('failure');
      else res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(`Feed ${path}`, feed.items));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    add(path, items) {
      const feed = feeds.get(path) ?? { items: [], status: 200 };
      feeds.set(path, { ...feed, items: [...items, ...feed.items] });
    },
    fail(path, status) {
      const feed = feeds.get(path) ?? { items: [], status };
      feeds.set(path, { ...feed, status });
    },
    hits: (path) => hits.get(path) ?? 0,
    inFlight: () => [...open.values()].reduce((a, b) => a + b, 0),
    inFlightPaths: () => [...open.entries()].filter(([, n]) => n > 0).map(([p]) => p),
    maxConcurrent: (path) => peak.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

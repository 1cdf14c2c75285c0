// The FindAll stream on the shared fan-out (issue 15): many subscribers of one run's events are fed
// by ONE tail, so each commit costs one read of the log, not one per subscriber. The route is
// served by a small Fastify app holding a fan-out this test can count; entries are appended as a
// run's steps append them (lease-checked transaction, then the run's log hint), on SQLite or
// PostgreSQL (VIGIL_TEST_DATABASE_URL).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { findAllRoutes } from '../src/api/parallel/findall.js';
import { createFindAllRun } from '../src/commands/findall.js';
import { createLogFanout, logTopic, type LogFanout } from '../src/delivery/log-fanout.js';
import { FINDALL_LOG } from '../src/delivery/log-sources.js';
import { eventIdOf, type FindAllCandidate, type FindAllRun } from '../src/domain/findall.js';
import { ID } from '../src/domain/ids.js';
import { recordCandidate } from '../src/engine/findall-events.js';
import { openStore, type Store } from '../src/store/db.js';
import { claimFindAllRun, holdFindAllRun } from '../src/store/findall-runs.repository.js';
import type { Account } from '../src/store/accounts.repository.js';
import { fixtureFindAll, saasRun } from './findall-research-fixture.js';
import { readSse } from './sse-reader.js';
import { tempDir, testDatabase, waitFor, type TestDatabase } from './helpers.js';

const SUBSCRIBERS = 25;
const COMMITS = 10;
const ACCOUNT = 'acct_fanout';

let store: Store;
let database: TestDatabase;
let app: FastifyInstance;
let fanout: LogFanout;
let url: string;
const dir = tempDir();

before(async () => {
  database = await testDatabase(dir.path);
  store = await openStore(database.url);
  // The fallback poll is a minute: every read here is woken by a hint.
  fanout = createLogFanout({ hints: store.logHints, pollMs: 60_000 });
  app = Fastify();
  app.decorateRequest('account', null as unknown as Account);
  app.addHook('onRequest', async (request) => {
    request.account = { id: ACCOUNT } as Account;
  });
  const deps = { store, clock: Date.now, wake: () => {}, research: fixtureFindAll };
  await app.register(findAllRoutes, { deps, findAllCreatesPerHour: 1000, fanout });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await fanout.stop();
  await app.close();
  await store.close();
  await database.drop();
  dir.remove();
});

/** Opens a run's stream and collects its event ids until aborted. */
function subscribe(runId: string, controller: AbortController): { ids: string[]; done: Promise<void> } {
  const ids: string[] = [];
  const done = (async () => {
    const response = await fetch(`${url}/v1beta/findall/runs/${runId}/events`, { signal: controller.signal });
    assert.equal(response.status, 200);
    try {
      for await (const event of readSse(response.body!)) ids.push(event.data.event_id);
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
  })();
  return { ids, done };
}

/** Commits one generated candidate as a run's step does (the lease-checked hold first), then its hint. */
async function appendCandidate(run: FindAllRun, n: number): Promise<void> {
  const candidate: FindAllCandidate = {
    id: ID.candidate(),
    runId: run.id,
    ordinal: n,
    key: `k${n}`,
    name: `Company ${n}`,
    url: `http://127.0.0.1/${n}`,
    description: null,
    matchStatus: 'generated',
    output: null,
    basis: null,
    enrichmentsDone: 0,
  };
  await store.db.transaction().execute(async (tx) => {
    const held = await holdFindAllRun(tx, run.id, 'test-worker');
    assert.ok(held, "the test holds the run's lease");
    await recordCandidate(tx, held, 'generated', candidate, Date.now());
  });
  store.logHints.notify(logTopic(FINDALL_LOG, run.id));
}

test('many subscribers of one FindAll run share one read of its log per commit', async () => {
  const created = await createFindAllRun({ store, clock: Date.now, wake: () => {}, research: fixtureFindAll }, ACCOUNT, saasRun('http://127.0.0.1/list', 5));
  const run = await claimFindAllRun(store.db, store.dialect, { workerId: 'test-worker', now: Date.now(), leaseUntil: Date.now() + 600_000 });
  assert.equal(run?.id, created.id);
  const controller = new AbortController();
  const subscribers = Array.from({ length: SUBSCRIBERS }, () => subscribe(created.id, controller));
  await waitFor(() => subscribers.every((s) => s.ids.length === 1), 15_000, 'every subscriber has the queued status');
  await waitFor(() => fanout.stats().following === SUBSCRIBERS, 15_000, 'every subscriber to follow the tail');
  assert.equal(fanout.stats().tails, 1, 'one tail for the run');
  const readsBefore = fanout.stats().reads;
  for (let n = 1; n <= COMMITS; n += 1) {
    await appendCandidate(run, n);
    await waitFor(() => subscribers.every((s) => s.ids.length === n + 1), 15_000, `every subscriber has entry ${n}`);
  }
  const reads = fanout.stats().reads - readsBefore;
  // One read per commit, and at most one more when a hint lands during a read: never one per subscriber.
  assert.ok(reads >= COMMITS && reads <= 2 * COMMITS, `${reads} reads for ${COMMITS} commits and ${SUBSCRIBERS} subscribers`);
  const ids = subscribers[0].ids;
  assert.deepEqual(ids, [...ids].sort(), 'in log order');
  for (const s of subscribers) assert.deepEqual(s.ids, ids, 'every subscriber got the same entries');
  assert.ok(ids.every((id) => /^[0-9a-f]{13}$/.test(id)) && ids.at(-1) !== eventIdOf(0));
  controller.abort();
  await Promise.allSettled(subscribers.map((s) => s.done));
});

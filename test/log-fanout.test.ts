// The live fan-out of the log (src/delivery/log-fanout.ts) over a real store and a real monitor log:
// subscribers at many resume points each get exactly their suffix, while entries keep committing,
// from one shared tail woken by hints (the fallback poll is set to a minute, so nothing here polls);
// a subscriber that stops draining is dropped while the others go on; stop() ends every stream.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogFanout, logTopic, type EndReason, type LogFanout } from '../src/delivery/log-fanout.js';
import { MONITOR_EVENTS_LOG, monitorEventLog } from '../src/delivery/log-sources.js';
import { ID } from '../src/domain/ids.js';
import { openStore, type Store } from '../src/store/db.js';
import { appendEntries, type StoredEvent } from '../src/store/events.repository.js';
import { tempDir, testDatabase, waitFor, type TestDatabase } from './helpers.js';

let store: Store;
let database: TestDatabase;
const dir = tempDir();
before(async () => {
  database = await testDatabase(dir.path);
  store = await openStore(database.url);
});
// Every fan-out a test made is stopped before the store closes, also when the test failed half-way:
// a tail left running would keep this file's process alive, and the suite with it.
const fanouts: LogFanout[] = [];
function newFanout(options: Parameters<typeof createLogFanout>[0]): LogFanout {
  const fanout = createLogFanout(options);
  fanouts.push(fanout);
  return fanout;
}
after(async () => {
  await Promise.all(fanouts.map((f) => f.stop()));
  await store.close();
  await database.drop();
  dir.remove();
});

/** Commits `count` entries to a monitor's log, `batch` per transaction, each commit followed by its hint (as the runner does). */
async function append(monitorId: string, count: number, batch = 1): Promise<void> {
  for (let i = 0; i < count; i += batch) {
    const entries = Array.from({ length: Math.min(batch, count - i) }, () => ({
      id: ID.error(),
      monitorId,
      executionId: ID.execution(),
      createdAt: Date.now(),
      kind: 'error' as const,
      message: `entry ${i}`,
    }));
    await store.db.transaction().execute((tx) => appendEntries(tx, 'acct', entries));
    store.logHints.notify(logTopic(MONITOR_EVENTS_LOG, monitorId));
  }
}

const positions = async (monitorId: string) => (await monitorEventLog(store).read(monitorId, 0, 100_000)).map((r) => r.seq);

/** A subscriber that records what it is handed; `stallAfter` makes it report a full buffer after that many rows. */
function collector(fanout: LogFanout, monitorId: string, afterSeq: number, stallAfter = Infinity) {
  const got: number[] = [];
  let ended: EndReason | undefined;
  const subscription = fanout.subscribe(monitorEventLog(store), monitorId, afterSeq, {
    push: (row: StoredEvent) => {
      got.push(row.seq);
      return got.length < stallAfter;
    },
    end: (reason) => {
      ended = reason;
    },
  });
  return { got, subscription, ended: () => ended };
}

test('subscribers at many resume points each get exactly their suffix, from one shared tail, while entries commit', async () => {
  const monitorId = ID.monitor();
  await append(monitorId, 60, 7);
  const before = await positions(monitorId);
  // A small page makes both the tail and the backlogs read in several pages.
  const fanout = newFanout({ hints: store.logHints, page: 8, pollMs: 60_000 });
  const resumes = [0, ...before.filter((_, i) => i % 3 === 0), before.at(-1)!];
  const subscribers = resumes.map((seq) => ({ from: seq, ...collector(fanout, monitorId, seq) }));
  // More subscribers join while the log grows, at points behind and at the head.
  const producing = append(monitorId, 90, 3);
  const late: typeof subscribers = [];
  for (let i = 0; i < 20; i += 1) {
    await new Promise((r) => setTimeout(r, 5));
    const known = await positions(monitorId);
    const from = i % 2 === 0 ? known[Math.floor(known.length / 2)] : known.at(-1)!;
    late.push({ from, ...collector(fanout, monitorId, from) });
  }
  await producing;
  const all = await positions(monitorId);
  assert.equal(all.length, 150);
  for (const s of [...subscribers, ...late]) {
    const expected = all.filter((seq) => seq > s.from);
    await waitFor(() => s.got.length >= expected.length, 15_000, `the suffix after ${s.from}`);
    assert.deepEqual(s.got, expected, `exactly the entries after ${s.from}, in order`);
  }
  const stats = fanout.stats();
  assert.equal(stats.tails, 1, 'one tail for the monitor, whatever the number of subscribers');
  assert.equal(stats.subscribers, subscribers.length + late.length);
  await fanout.stop();
  for (const s of [...subscribers, ...late]) assert.equal(s.ended(), 'stopped');
  assert.equal(fanout.stats().subscribers, 0);
});

test('a subscriber that stops draining is dropped; the others go on; a closed one hears nothing more', async () => {
  const monitorId = ID.monitor();
  const fanout = newFanout({ hints: store.logHints, pollMs: 60_000 });
  const steady = collector(fanout, monitorId, 0);
  const stalled = collector(fanout, monitorId, 0, 5);
  const leaving = collector(fanout, monitorId, 0);
  await append(monitorId, 3);
  await waitFor(() => leaving.got.length === 3, 15_000, 'the first entries');
  leaving.subscription.close();
  await append(monitorId, 20, 2);
  const all = await positions(monitorId);
  await waitFor(() => steady.got.length === all.length, 15_000, 'every entry at the steady subscriber');
  assert.deepEqual(steady.got, all);
  assert.equal(stalled.ended(), 'dropped');
  assert.deepEqual(stalled.got, all.slice(0, 5), 'it was handed nothing after its buffer was full');
  assert.deepEqual(leaving.got, all.slice(0, 3));
  assert.equal(leaving.ended(), undefined, 'a subscriber that closed is not told it ended');
  assert.equal(fanout.stats().subscribers, 1);
  await fanout.stop();
  assert.equal(steady.ended(), 'stopped');
});

test('a subscriber replaying a long backlog is paced by its drain, not dropped for a full buffer', async () => {
  const monitorId = ID.monitor();
  await append(monitorId, 40, 10);
  const all = await positions(monitorId);
  const fanout = newFanout({ hints: store.logHints, page: 8, pollMs: 60_000 });
  const got: number[] = [];
  let ended: EndReason | undefined;
  let drains = 0;
  // Its buffer reports full after every row, as a socket does when a page outgrows it; it drains on request.
  const subscription = fanout.subscribe(monitorEventLog(store), monitorId, 0, {
    push: (row: StoredEvent) => {
      got.push(row.seq);
      return false;
    },
    end: (reason) => {
      ended = reason;
    },
    drained: async () => {
      drains += 1;
      await new Promise((r) => setTimeout(r, 2));
    },
  });
  await waitFor(() => got.length === all.length, 15_000, 'the whole backlog');
  assert.deepEqual(got, all, 'every entry, in order, none dropped');
  assert.equal(ended, undefined, 'not dropped while replaying');
  assert.ok(drains >= all.length / 8, `a drain between pages (${drains})`);
  subscription.close();
  await fanout.stop();
});

test('stop() ends every stream, those still reading their backlog too, and later subscriptions at once; start() again resumes service', async () => {
  const monitorId = ID.monitor();
  await append(monitorId, 30, 10);
  const fanout = newFanout({ hints: store.logHints, page: 2, pollMs: 60_000 });
  fanout.start();
  fanout.start();
  const head = collector(fanout, monitorId, (await positions(monitorId)).at(-1)!);
  await waitFor(() => fanout.stats().tails === 1, 5_000, 'the tail');
  const behind = Array.from({ length: 10 }, () => collector(fanout, monitorId, 0));
  await fanout.stop();
  await fanout.stop();
  for (const s of [head, ...behind]) assert.equal(s.ended(), 'stopped');
  assert.equal(fanout.stats().tails, 0);
  assert.equal(fanout.stats().subscribers, 0);
  const refused = collector(fanout, monitorId, 0);
  await waitFor(() => refused.ended() === 'stopped', 5_000, 'a subscription after stop to end');
  fanout.start();
  const again = collector(fanout, monitorId, 0);
  await waitFor(() => again.got.length === 30, 15_000, 'the log after a restart');
  await fanout.stop();
});

test('a commit costs its subscribers one shared read, however many they are', async () => {
  const monitorId = ID.monitor();
  const fanout = newFanout({ hints: store.logHints, pollMs: 60_000 });
  const subscribers = Array.from({ length: 50 }, () => collector(fanout, monitorId, 0));
  // Each new subscriber reads once to find it is at the head, then follows the one tail.
  await waitFor(() => fanout.stats().following === subscribers.length, 5_000, 'every subscriber to follow the tail');
  const readsBefore = fanout.stats().reads;
  const commits = 10;
  for (let i = 0; i < commits; i += 1) {
    await append(monitorId, 1);
    await waitFor(() => subscribers.every((s) => s.got.length === i + 1), 15_000, `entry ${i} at every subscriber`);
  }
  // One read per hint (two when a hint lands while a read is in flight), never one per subscriber.
  assert.ok(fanout.stats().reads - readsBefore <= 2 * commits, `${fanout.stats().reads - readsBefore} reads for ${commits} commits`);
  await fanout.stop();
});

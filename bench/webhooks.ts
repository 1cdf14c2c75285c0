// bench/webhooks: sustained signed webhook deliveries per second from Vigil's outbox to a local
// receiver, as a ratio of plain undici POSTs per second to the same receiver with the same
// concurrency, both measured in the same run (target ≥ 0.5).
//
//   cd /work/main && node --import tsx bench/webhooks.ts
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/webhooks.ts
//
// Settings (environment): BENCH_DELIVERIES per measured run (20_000), BENCH_WARMUP_DELIVERIES
// (2_000, both sides), BENCH_ROUNDS (1: floor then Vigil, repeated; the best of each side counts),
// BENCH_URLS receiver URLs (4), BENCH_VERIFY_EVERY (verify every n-th signature at the receiver;
// 50), BENCH_DATABASE_URL (a postgres:// URL: run on a fresh database created beside it, dropped at
// the end; a SQLite file in a temporary directory otherwise), BENCH_DIAG (1: time the steps of one
// delivery in-process, and the floor's POSTs through Vigil's outbound client alone; 0 skips),
// BENCH_QUERY_LOG (1: time every SQL statement of the measured run through Kysely's log and print
// them; 0), BENCH_LOG_LEVEL (the dispatcher's pino level; warn).
//
// With BENCH_DIAG, each measured run also prints the CPU time it took per request or delivery, read
// from /proc (Linux): this process's main thread, its other threads (the receiver, GC helpers), and
// every `postgres` process on the machine. Unlike the rates, these barely move when other work
// loads the machine, so they compare versions of the code fairly on a shared box.
//
// The receiver is a node:http server on 127.0.0.1 in a worker thread (its own event loop, as a real
// receiver would be another process): it reads each body, answers 200 with no body, counts, and
// checks every n-th `webhook-signature` with its own HMAC (node:crypto), so signing is proven real.
//
// The floor is plain undici `request()` on a default Agent: the same body bytes, spread over the same
// receiver URLs, 16 loops at once, 4 per URL, which is the dispatcher's limit for one account (16
// in flight per account by default, of 32 in all; 4 per URL). Vigil's figure is createDispatcher as `vigil serve` runs it (createOutboundClient
// with its address guard, the config's webhook settings), timed from its start until no delivery
// is pending: deliveries/s = deliveries / elapsed. All traffic goes to 127.0.0.1.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Kysely, sql, type LogEvent } from 'kysely';
import pino from 'pino';
import { Agent, request } from 'undici';
import { ensureAccount } from '../src/accounts.js';
import { loadConfig } from '../src/config.js';
import { createDispatcher } from '../src/engine/webhook-dispatcher.js';
import { signatureHeaders, signingKey } from '../src/delivery/signing.js';
import { newWorkerId } from '../src/engine/worker.js';
import { ID } from '../src/domain/ids.js';
import { createOutboundClient, type OutboundClient } from '../src/outbound/http.js';
import { findAccountById, type Account } from '../src/store/accounts.repository.js';
import { openStore, type Store } from '../src/store/db.js';
import { openDialect } from '../src/store/dialect.js';
import type { Database } from '../src/store/tables.js';
import { claimDeliveries, insertDeliveries, recordAttempt, type NewDelivery } from '../src/store/deliveries.repository.js';
import { findEndpoint, saveEndpoint } from '../src/store/endpoints.repository.js';
import { assertLoopback, envInt, machineLine, openBenchDatabase, printRate, seconds, type BenchDatabase } from './lib.js';

const TARGET_RATIO = 0.5;
/** The dispatcher's limits for the bench's one account (src/engine/webhook-dispatcher.ts, VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY): requests in flight, and to one URL. */
const CONCURRENCY = 16;
const PER_URL = 4;
/** Like src/server.ts's USER_AGENT (not imported: that would load the whole app). */
const USER_AGENT = 'Vigil/0.1 (+self-hosted web monitor; https://github.com/vigil) bench';

const deliveries = envInt('BENCH_DELIVERIES', 20_000, 1);
const warmupDeliveries = envInt('BENCH_WARMUP_DELIVERIES', 2_000, 0);
const rounds = envInt('BENCH_ROUNDS', 1, 1);
const urlCount = envInt('BENCH_URLS', CONCURRENCY / PER_URL, 1);
const verifyEvery = envInt('BENCH_VERIFY_EVERY', 50, 1);
const diagnostics = envInt('BENCH_DIAG', 1, 0) > 0;
const queryLog = envInt('BENCH_QUERY_LOG', 0, 0) > 0;
/** Deliveries the diagnostics claim, send and record one at a time. */
const DIAG_DELIVERIES = 1000;
const log = pino({ level: process.env.BENCH_LOG_LEVEL?.trim() || 'warn' });

// ---------------------------------------------------------------------------------------------
// The receiver, in a worker thread. Plain CommonJS evaluated as the worker's code (no TypeScript
// loader needed there). Counters are shared: [received, signatures verified, signatures wrong].
const RECEIVER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { createHmac } = require('node:crypto');
const counters = new Int32Array(workerData.counters);
const key = Buffer.from(workerData.key, 'base64');
const verifyEvery = workerData.verifyEvery;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const n = Atomics.add(counters, 0, 1);
    const id = req.headers['webhook-id'];
    if (id !== undefined && n % verifyEvery === 0) {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = 'v1,' + createHmac('sha256', key).update(id + '.' + req.headers['webhook-timestamp'] + '.' + body).digest('base64');
      const given = String(req.headers['webhook-signature'] || '').split(' ');
      const fresh = Math.abs(Date.now() / 1000 - Number(req.headers['webhook-timestamp'])) < 300;
      Atomics.add(counters, given.includes(expected) && fresh ? 1 : 2, 1);
    }
    res.writeHead(200, { 'content-length': '0' });
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.close(() => parentPort.close());
  server.closeAllConnections();
});
`;

interface Receiver {
  origin: string;
  received(): number;
  verified(): number;
  wrong(): number;
  close(): Promise<void>;
}

async function startReceiver(key: Buffer): Promise<Receiver> {
  const shared = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  const counters = new Int32Array(shared);
  const worker = new Worker(RECEIVER_SOURCE, {
    eval: true,
    execArgv: [],
    workerData: { counters: shared, key: key.toString('base64'), verifyEvery },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  const origin = `http://127.0.0.1:${port}`;
  assertLoopback(origin);
  return {
    origin,
    received: () => Atomics.load(counters, 0),
    verified: () => Atomics.load(counters, 1),
    wrong: () => Atomics.load(counters, 2),
    close: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await worker.terminate();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Messages: what an execution that found events writes into the outbox (monitorDeliveries in
// src/delivery/monitor-webhooks.ts), one monitor per message, spread over the receiver's URLs.
function newDeliveries(accountId: string, urls: string[], count: number, now: number): NewDelivery[] {
  return Array.from({ length: count }, (_, i) => {
    const monitorId = ID.monitor();
    const body = {
      type: 'monitor.event.detected',
      timestamp: new Date(now).toISOString(),
      data: { monitor_id: monitorId, event: { event_group_id: ID.execution() }, metadata: { team: `team-${i % 10}`, source: 'bench' } },
    };
    return {
      id: ID.delivery(),
      accountId,
      resourceType: 'monitor',
      resourceId: monitorId,
      eventType: 'monitor.event.detected',
      url: urls[i % urls.length],
      body: JSON.stringify(body),
      createdAt: now,
    };
  });
}

async function insertAll(store: Store, rows: NewDelivery[]): Promise<void> {
  const batch = 1000;
  for (let i = 0; i < rows.length; i += batch) await insertDeliveries(store.db, rows.slice(i, i + batch));
}

// ---------------------------------------------------------------------------------------------
// BENCH_DIAG: CPU time per item from /proc (clock ticks of 10 ms; runs of 20,000 items make them
// fine enough). Zero where /proc is not there.
interface CpuSnapshot {
  main: number;
  process: number;
  postgres: Map<string, number>;
}
interface CpuSpent {
  main: number;
  process: number;
  postgres: number;
}

function ticksOf(statPath: string): number {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

function cpuSnapshot(): CpuSnapshot {
  const postgres = new Map<string, number>();
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) postgres.set(pid, ticksOf(`/proc/${pid}/stat`));
      } catch {
        /* the process ended */
      }
    }
  } catch {
    /* no /proc */
  }
  return { main: ticksOf(`/proc/${process.pid}/task/${process.pid}/stat`), process: ticksOf(`/proc/${process.pid}/stat`), postgres };
}

/** The CPU ticks spent since `before` (by postgres processes alive at the end: backends come and go). */
function cpuSince(before: CpuSnapshot): CpuSpent {
  const after = cpuSnapshot();
  let postgres = 0;
  for (const [pid, ticks] of after.postgres) postgres += ticks - (before.postgres.get(pid) ?? 0);
  return { main: after.main - before.main, process: after.process - before.process, postgres };
}

function cpuLine(label: string, spent: CpuSpent, items: number): string {
  const us = (ticks: number) => ((ticks * 10_000) / items).toFixed(0);
  return (
    `${label} CPU per item: main thread ${us(spent.main)} µs, other threads ${us(spent.process - spent.main)} µs, ` +
    `postgres processes ${us(spent.postgres)} µs`
  );
}

// ---------------------------------------------------------------------------------------------
// The floor: plain undici POSTs, CONCURRENCY loops, PER_URL of them per URL.
type Post = (url: string, body: string) => Promise<number>;

/** POSTs `count` bodies with CONCURRENCY loops, PER_URL of them per URL; returns requests/s. */
async function runPosts(post: Post, urls: string[], bodies: string[], count: number): Promise<{ rate: number; errors: number; cpu: CpuSpent }> {
  let next = 0;
  let errors = 0;
  const cpu = cpuSnapshot();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, loop) => {
      const url = urls[loop % urls.length];
      for (let i = next++; i < count; i = next++) {
        if ((await post(url, bodies[i % bodies.length])) !== 200) errors++;
      }
    }),
  );
  return { rate: count / ((performance.now() - started) / 1000), errors, cpu: cpuSince(cpu) };
}

/** The floor's POST: plain undici request() on a default Agent, the answer read. */
const plainPost =
  (agent: Agent): Post =>
  async (url, body) => {
    const response = await request(url, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.body.arrayBuffer();
    return response.statusCode;
  };

/** The dispatcher's POST without the outbox: Vigil's outbound client, the dispatcher's options, no signing. */
const clientPost =
  (client: OutboundClient): Post =>
  async (url, body) => {
    const response = await client.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      timeoutMs: 15_000,
      followRedirects: false,
      maxBytes: 2048,
      truncateBody: true,
    });
    return response.status;
  };

// ---------------------------------------------------------------------------------------------
// Vigil: the dispatcher drains `count` pending deliveries.
const pendingCount = async (store: Store): Promise<number> => {
  const row = await store.db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

async function runVigil(store: Store, http: OutboundClient, rows: NewDelivery[]): Promise<{ rate: number; elapsed: number; cpu: CpuSpent }> {
  await insertAll(store, rows);
  queryStats.clear();
  const dispatcher = createDispatcher({
    store,
    http,
    clock: Date.now,
    log,
    workerId: newWorkerId(),
    intervalMs: loadConfig().pollIntervalMs,
    webhooks: loadConfig().webhooks,
  });
  const cpu = cpuSnapshot();
  const started = performance.now();
  dispatcher.start();
  let pending = rows.length;
  let lastProgress = performance.now();
  try {
    while (pending > 0) {
      // Coarse polls while far from done, fine ones near the end: the end time is what counts.
      await new Promise((resolve) => setTimeout(resolve, pending > 500 ? 100 : 5));
      const now = await pendingCount(store);
      if (now < pending) lastProgress = performance.now();
      pending = now;
      if (performance.now() - lastProgress > 30_000) throw new Error(`no progress for 30 s; ${pending} deliveries still pending`);
    }
  } finally {
    await dispatcher.stop();
  }
  const elapsed = (performance.now() - started) / 1000;
  return { rate: rows.length / elapsed, elapsed, cpu: cpuSince(cpu) };
}

async function tally(store: Store): Promise<Record<string, number>> {
  const rows = await store.db
    .selectFrom('webhook_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

// ---------------------------------------------------------------------------------------------
// BENCH_QUERY_LOG: the same database through a Kysely that times every statement (including the
// BEGIN and COMMIT of transactions), grouped by statement. Durations exclude waiting for the
// connection; on SQLite they are the statement's synchronous run, on PostgreSQL its round trip.
const queryStats = new Map<string, { count: number; ms: number }>();
function recordQuery(event: LogEvent): void {
  const text = event.query.sql
    .replace(/\s+/g, ' ')
    .replace(/\$\d+/g, '?')
    .replace(/\(\?(?:, \?)*\)/g, '(…)');
  const stat = queryStats.get(text) ?? { count: 0, ms: 0 };
  stat.count += 1;
  stat.ms += event.queryDurationMillis;
  queryStats.set(text, stat);
}

function openLoggedStore(url: string): Store {
  const { dialect, info } = openDialect(url, storeError);
  const db = new Kysely<Database>({ dialect, log: recordQuery });
  const workHints = info.hintChannel('work');
  const logHints = info.hintChannel('log');
  return {
    db,
    dialect: info,
    workHints,
    logHints,
    lists: { db, dialect: info },
    close: async () => {
      await workHints.close();
      await logHints.close();
      await db.destroy();
    },
  };
}

function printQueryStats(elapsedSeconds: number, count: number): void {
  const rows = [...queryStats].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, s]) => sum + s.ms, 0);
  console.log(
    `SQL of the measured run (${fmt(count)} deliveries in ${elapsedSeconds.toFixed(2)} s; ` +
      `statements took ${(total / 1000).toFixed(2)} s in all, ${((total * 1000) / count).toFixed(0)} µs per delivery):`,
  );
  console.log(`  ${'count'.padStart(8)} ${'per dlv'.padStart(7)} ${'mean µs'.padStart(8)} ${'total s'.padStart(8)}  statement`);
  for (const [text, stat] of rows) {
    console.log(
      `  ${fmt(stat.count).padStart(8)} ${(stat.count / count).toFixed(2).padStart(7)} ${((stat.ms * 1000) / stat.count).toFixed(0).padStart(8)} ` +
        `${(stat.ms / 1000).toFixed(2).padStart(8)}  ${text.length > 150 ? `${text.slice(0, 150)}…` : text}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

let database: BenchDatabase | undefined;
let store: Store | undefined;
let receiver: Receiver | undefined;
let http: OutboundClient | undefined;
let agent: Agent | undefined;
let cleaned = false;
/** Failures of idle database connections; those at the end (DROP DATABASE … WITH (FORCE)) are expected. */
const storeError = (err: unknown) => {
  if (!cleaned) log.warn({ err }, 'store error');
};
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await agent?.close().catch(() => {});
  await http?.close().catch(() => {});
  await receiver?.close().catch(() => {});
  await store?.close().catch(() => {});
  await database?.remove().catch((err: unknown) => console.error(`could not remove the bench database: ${String(err)}`));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  console.log(`bench/webhooks — ${machineLine()}`);
  database = await openBenchDatabase('vigil_bench');
  console.log(`database: ${database.label}`);
  console.log(
    `${fmt(deliveries)} deliveries per run after ${fmt(warmupDeliveries)} warm-up, ${rounds} round(s), ` +
      `${urlCount} receiver URLs, ${CONCURRENCY} in flight (${PER_URL} per URL)`,
  );

  store = await openStore(database.url, storeError);
  if (queryLog) {
    // Migrated above; from here on through a Kysely that times each statement.
    await store.close();
    store = openLoggedStore(database.url);
  }
  const account = await ensureAccount(store, 'bench');
  receiver = await startReceiver(signingKey(account.webhookSecret, account.webhookKeyMode));
  const urls = Array.from({ length: urlCount }, (_, i) => `${receiver!.origin}/hook/${i}`);
  http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: USER_AGENT });
  agent = new Agent();
  const bodies = newDeliveries(account.id, urls, 1000, Date.now()).map((d) => d.body);
  console.log(`body: ${Buffer.byteLength(bodies[0])} bytes, e.g. ${bodies[0]}`);

  if (diagnostics) await timeParts(store, http, account, urls);

  if (warmupDeliveries > 0) {
    const started = performance.now();
    await runPosts(plainPost(agent), urls, bodies, warmupDeliveries);
    if (diagnostics) await runPosts(clientPost(http), urls, bodies, warmupDeliveries);
    await runVigil(store, http, newDeliveries(account.id, urls, warmupDeliveries, Date.now() - 1));
    console.log(`warm-up done in ${seconds(started)}`);
  }

  let floorBest = 0;
  let vigilBest = 0;
  let floorErrors = 0;
  let lastElapsed = 0;
  for (let round = 1; round <= rounds; round++) {
    const floor = await runPosts(plainPost(agent), urls, bodies, deliveries);
    floorErrors += floor.errors;
    if (diagnostics) {
      // Not part of the ratio: how much of the gap is the HTTP client alone.
      const client = await runPosts(clientPost(http), urls, bodies, deliveries);
      console.log(
        `round ${round}: diagnostic: the same POSTs through createOutboundClient (no outbox, no signing): ` +
          `${fmt(client.rate)} req/s (${(client.rate / floor.rate).toFixed(2)} of plain undici)`,
      );
    }
    const before = receiver.received();
    const vigil = await runVigil(store, http, newDeliveries(account.id, urls, deliveries, Date.now() - 1));
    const received = receiver.received() - before;
    console.log(
      `round ${round}: plain undici ${fmt(floor.rate)} req/s; Vigil ${fmt(vigil.rate)} deliveries/s ` +
        `(${fmt(deliveries)} in ${vigil.elapsed.toFixed(2)} s; receiver got ${fmt(received)})`,
    );
    if (diagnostics) {
      console.log(`round ${round}: ${cpuLine('plain undici', floor.cpu, deliveries)}`);
      console.log(`round ${round}: ${cpuLine('Vigil', vigil.cpu, deliveries)}`);
    }
    lastElapsed = vigil.elapsed;
    floorBest = Math.max(floorBest, floor.rate);
    vigilBest = Math.max(vigilBest, vigil.rate);
  }

  if (queryLog) printQueryStats(lastElapsed, deliveries);
  const statuses = await tally(store);
  const expected = (diagnostics ? DIAG_DELIVERIES : 0) + warmupDeliveries + rounds * deliveries;
  console.log('');
  console.log(`plain undici POST (floor):  ${fmt(floorBest).padStart(8)} req/s`);
  console.log(`Vigil signed deliveries:    ${fmt(vigilBest).padStart(8)} deliveries/s`);
  printRate(`webhooks / plain undici`, vigilBest, floorBest, 'per s', TARGET_RATIO);
  console.log(`database: ${database.kind}; cores: ${availableParallelism()}`);
  console.log(
    `signatures checked at the receiver: ${fmt(receiver.verified())} valid, ${fmt(receiver.wrong())} wrong; ` + `outbox: ${JSON.stringify(statuses)}`,
  );

  let failed = false;
  if (receiver.wrong() > 0 || receiver.verified() === 0) {
    console.error('WARNING: the receiver found wrong signatures (or checked none); the figures above are not valid');
    failed = true;
  }
  if ((statuses.delivered ?? 0) !== expected) {
    console.error(`WARNING: expected ${expected} delivered, outbox says ${JSON.stringify(statuses)}; the figures above are not valid`);
    failed = true;
  }
  if (floorErrors > 0) {
    console.error(`WARNING: ${floorErrors} floor requests were not answered 200; the figures above are not valid`);
    failed = true;
  }
  return failed ? 1 : 0;
}

/**
 * Times, in-process and one delivery at a time, each step the dispatcher takes for one delivery:
 * the claim (a handful of leases held, as in a run), findEndpoint, findAccountById, signing, the POST
 * through Vigil's outbound client, and the recording transaction; then the same POSTs through plain
 * undici. On SQLite the database steps run on the one thread, so their sum bounds throughput; on
 * PostgreSQL concurrent deliveries overlap their round trips, and the sum is latency, not cost.
 */
async function timeParts(s: Store, client: OutboundClient, account: Account, urls: string[]): Promise<void> {
  const n = DIAG_DELIVERIES;
  const workerId = newWorkerId();
  const rows = newDeliveries(account.id, urls, n, Date.now() - 1);
  await insertAll(s, rows);
  const db = s.db;
  const steps = [
    'claimDeliveries (1)',
    'findEndpoint',
    'findAccountById',
    'signatureHeaders (HMAC)',
    'POST via createOutboundClient',
    'record: tx(recordAttempt + saveEndpoint)',
    'POST via plain undici request()',
    "pending COUNT (the bench's own poll)",
  ];
  const totals = new Map<string, number>(steps.map((step) => [step, 0]));
  const time = async <T>(step: string, fn: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const out = await fn();
    totals.set(step, totals.get(step)! + performance.now() - started);
    return out;
  };
  const plain = new Agent();
  for (let i = 0; i < n; i++) {
    const now = Date.now();
    const [delivery] = await time(steps[0], () => claimDeliveries(db, s.dialect, { workerId, now, leaseUntil: now + 60_000, busyUrls: [], limit: 1 }));
    if (!delivery) throw new Error('diagnostics: a claim found nothing');
    const endpoint = await time(steps[1], () => findEndpoint(db, delivery.accountId, delivery.url));
    const found = await time(steps[2], () => findAccountById(db, delivery.accountId));
    const headers = await time(steps[3], () => signatureHeaders(found!, delivery.id, delivery.body, Date.now()));
    await time(steps[4], () =>
      client.request(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: delivery.body,
        timeoutMs: 15_000,
        followRedirects: false,
        maxBytes: 2048,
        truncateBody: true,
      }),
    );
    await time(steps[5], () =>
      db.transaction().execute(async (tx) => {
        const at = Date.now();
        await recordAttempt(tx, delivery.id, workerId, { status: 'delivered', lastStatus: 200, lastError: null, at });
        await saveEndpoint(tx, delivery.accountId, { ...endpoint, failingSince: null, lastSuccessAt: at }, at);
      }),
    );
    await time(steps[6], async () => {
      const response = await request(delivery.url, {
        dispatcher: plain,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: delivery.body,
      });
      await response.body.arrayBuffer();
    });
    await time(steps[7], () => pendingCount(s));
  }
  await plain.close();
  console.log(`in-process cost of the steps of one delivery (mean of ${n} deliveries, one at a time; ${fmt(n)} pending at the start):`);
  for (const [step, ms] of totals) console.log(`  ${step.padEnd(48)} ${((ms * 1000) / n).toFixed(1).padStart(8)} µs`);
  if (s.dialect.name === 'sqlite') {
    const now = Date.now();
    const plan = await sql<{ detail: string }>`explain query plan select id from webhook_deliveries
      where status = 'pending' and next_attempt_at <= ${now} and (locked_until is null or locked_until < ${now})
      order by attempts, next_attempt_at limit 1`.execute(db);
    console.log(`  claim's candidate query plan: ${plan.rows.map((r) => r.detail).join('; ')}`);
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}

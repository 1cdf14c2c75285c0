// bench/sse-fanout (issue 15, last bullet; issue 18 item 2): 5,000 concurrent subscribers on one
// FindAll run's events stream (GET /v1beta/findall/runs/{id}/events; BENCH_TARGET=findall, the
// default) or on one monitor's (GET /v1/monitors/{id}/events/stream; BENCH_TARGET=monitor), both
// served through the shared log fan-out, src/delivery/log-fanout.ts. Events are appended one at a
// time, each committed as its writer commits it: a FindAll run's step (the lease-checked hold of the
// run, its candidate event, then the run's log hint), or an execution (appendEntries in a
// transaction, then its log hint); the figure is the
// commit-to-arrival latency at the LAST subscriber (the time until every one of the 5,000 has it),
// p50 and p99. The floor, in the same run and process: a bare Node HTTP server holding as many SSE
// connections and writing the same bytes to each of them, timed from the moment it has the event.
// Vigil and floor events alternate, so both see the same machine load. Target: p99 ratio ≤ 2.
//
//   npm run bench:sse-fanout
//   BENCH_TARGET=monitor npm run bench:sse-fanout
//   BENCH_SUBSCRIBERS=5000 BENCH_EVENTS=100 BENCH_WARMUP=10 npm run bench:sse-fanout
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:sse-fanout
//
// File descriptors: this process holds 2 × BENCH_SUBSCRIBERS server sockets, and the subscriber
// process (bench/sse-clients.ts, forked) as many client sockets; `ulimit -n` must allow that plus
// a margin (the script checks it; 5,000 subscribers need about 10,500). All traffic is on 127.0.0.1.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Parallel from 'parallel-web';
import { sseFrame } from '../src/api/sse.js';
import { loadConfig } from '../src/config.js';
import { logTopic } from '../src/delivery/log-fanout.js';
import { FINDALL_LOG, MONITOR_EVENTS_LOG } from '../src/delivery/log-sources.js';
import type { LogEntry } from '../src/domain/event.js';
import type { FindAllCandidate } from '../src/domain/findall.js';
import { candidateRecord, eventRecord } from '../src/domain/wire.js';
import { ID } from '../src/domain/ids.js';
import { recordCandidate } from '../src/engine/findall-events.js';
import { startVigil, type Vigil } from '../src/server.js';
import { appendEntries } from '../src/store/events.repository.js';
import { claimFindAllRun, holdFindAllRun } from '../src/store/findall-runs.repository.js';
import { envInt, machineLine, openBenchDatabase, type BenchDatabase } from './lib.js';

const SUBSCRIBERS = envInt('BENCH_SUBSCRIBERS', 5000, 1);
const EVENTS = envInt('BENCH_EVENTS', 100, 1);
const WARMUP = envInt('BENCH_WARMUP', 10, 0);
const TARGET_P99_RATIO = 2;
const TARGET = process.env.BENCH_TARGET ?? 'findall';
if (TARGET !== 'findall' && TARGET !== 'monitor') throw new Error(`BENCH_TARGET must be findall or monitor; got ${JSON.stringify(TARGET)}`);
const API_KEY = 'bench-sse-key';
const now = () => performance.timeOrigin + performance.now();

/** The soft limit on open files this process inherited (Node cannot read or raise it itself). */
function openFileLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out);
}

/** One event as an execution appends it, with its number in its text so the subscribers can tell events apart. */
function benchEntry(monitorId: string, n: number): LogEntry {
  return {
    id: ID.event(),
    monitorId,
    executionId: ID.execution(),
    createdAt: Date.now(),
    kind: 'event_stream',
    eventDate: new Date().toISOString().slice(0, 10),
    output: {
      type: 'text',
      content: `bench event ${n}: Acme Corp announces a new product line for industrial sensors, shipping next quarter in three regions.`,
      basis: [
        {
          field: 'output',
          reasoning: 'The item is new in the watched feed and matches the query.',
          confidence: 'high',
          citations: [
            { url: `https://news.example.test/acme/${n}`, title: 'Acme Corp announces sensors', excerpts: ['Acme Corp today announced a new product line…'] },
          ],
        },
      ],
    },
  };
}

/** The floor: a bare Node HTTP server that holds SSE connections and writes each event to all of them. */
async function startFloor(): Promise<{ url: string; broadcast(frame: Buffer): void; close(): Promise<void> }> {
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    open.add(res);
    res.on('close', () => open.delete(res));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`,
    broadcast: (frame) => {
      for (const res of open) res.write(frame);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The subscriber process and a way to wait for "every subscriber of `target` has event n". */
function startSubscribers(): { child: ChildProcess; ready: Promise<void>; arrival(target: string, n: number): Promise<number> } {
  const child = fork(new URL('./sse-clients.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
  const waiting = new Map<string, (at: number) => void>();
  const early = new Map<string, number>();
  let readyResolve!: () => void;
  let readyReject!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  child.on('message', (m: { type: string; target?: string; n?: number; at?: number; message?: string }) => {
    if (m.type === 'ready') readyResolve();
    if (m.type === 'failed') readyReject(new Error(`subscribers failed: ${m.message}`));
    if (m.type !== 'arrived') return;
    const key = `${m.target}:${m.n}`;
    const resolve = waiting.get(key);
    if (resolve) {
      waiting.delete(key);
      resolve(m.at!);
    } else early.set(key, m.at!);
  });
  child.on('exit', (code) => {
    if (code) readyReject(new Error(`the subscriber process exited with ${code}`));
  });
  return {
    child,
    ready,
    arrival: (target, n) =>
      new Promise((resolve, reject) => {
        const key = `${target}:${n}`;
        if (early.has(key)) {
          resolve(early.get(key)!);
          return;
        }
        const timer = setTimeout(() => reject(new Error(`event ${n} did not reach every ${target} subscriber within 60 s`)), 60_000);
        waiting.set(key, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      }),
  };
}

/** What the subscribers follow on Vigil: its stream's path, how one event is committed (returns the commit time), and the floor's bytes for it. */
interface Target {
  path: string;
  commit(n: number): Promise<number>;
  floorFrame(n: number): Buffer;
}

/** One monitor's events stream; with no worker its creation run stays queued, so the log holds only what this script appends. */
async function monitorTarget(vigil: Vigil, client: Parallel): Promise<Target> {
  const monitor = await client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: 'https://news.example.test/feed.xml' } });
  const store = vigil.store;
  const { account_id: accountId } = await store.db.selectFrom('monitors').select('account_id').where('id', '=', monitor.monitor_id).executeTakeFirstOrThrow();
  return {
    path: `/v1/monitors/${monitor.monitor_id}/events/stream`,
    commit: async (n) => {
      await store.db.transaction().execute((tx) => appendEntries(tx, accountId, [benchEntry(monitor.monitor_id, n)]));
      const committed = now();
      store.logHints.notify(logTopic(MONITOR_EVENTS_LOG, monitor.monitor_id));
      return committed;
    },
    floorFrame: (n) => sseFrame('event_stream', JSON.stringify(eventRecord(benchEntry(monitor.monitor_id, n)))),
  };
}

/** A generated candidate with its number in its description, as a run's research would find it. */
function benchCandidate(runId: string, n: number): FindAllCandidate {
  return {
    id: ID.candidate(),
    runId,
    ordinal: n,
    key: `bench-${n}`,
    name: `Acme Corp ${n}`,
    url: `https://acme-${n}.example.test/`,
    description: `bench event ${n}: Acme Corp sells industrial sensor software as a service to manufacturers in three regions.`,
    matchStatus: 'generated',
    output: null,
    basis: null,
    enrichmentsDone: 0,
  };
}

/**
 * One FindAll run's events stream. With no worker the run stays queued; this script leases it as a
 * worker would and commits each candidate as the run's step does (src/engine/findall-runner.ts):
 * the lease-checked hold, the candidate's event, then the run's log hint.
 */
async function findAllTarget(vigil: Vigil, client: Parallel): Promise<Target> {
  const created = await client.beta.findall.create({
    objective: 'Find SaaS companies that sell industrial sensor software',
    entity_type: 'companies',
    generator: 'core',
    match_conditions: [{ name: 'saas', description: 'The company sells software as a service' }],
    match_limit: 1000,
  });
  const store = vigil.store;
  const run = await claimFindAllRun(store.db, store.dialect, { workerId: 'bench', now: Date.now(), leaseUntil: Date.now() + 3_600_000 });
  if (run?.id !== created.findall_id) throw new Error('the bench could not lease its FindAll run');
  return {
    path: `/v1beta/findall/runs/${run.id}/events`,
    commit: async (n) => {
      await store.db.transaction().execute(async (tx) => {
        const held = await holdFindAllRun(tx, run.id, 'bench');
        if (!held) throw new Error("the bench lost its FindAll run's lease");
        await recordCandidate(tx, held, 'generated', benchCandidate(run.id, n), Date.now());
      });
      const committed = now();
      store.logHints.notify(logTopic(FINDALL_LOG, run.id));
      return committed;
    },
    floorFrame: (n) =>
      sseFrame(
        'findall.candidate.generated',
        JSON.stringify({
          type: 'findall.candidate.generated',
          event_id: '0000000000001',
          timestamp: new Date().toISOString(),
          data: candidateRecord(benchCandidate(run.id, n)),
        }),
      ),
  };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  const limit = openFileLimit();
  const needed = 2 * SUBSCRIBERS + 500;
  if (limit < needed) throw new Error(`ulimit -n is ${limit}; ${SUBSCRIBERS} subscribers need about ${needed} (run \`ulimit -n ${needed}\` first)`);
  let database: BenchDatabase | undefined;
  let vigil: Vigil | undefined;
  let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
  let subscribers: ReturnType<typeof startSubscribers> | undefined;
  try {
    database = await openBenchDatabase('sse_fanout');
    console.log(`bench/sse-fanout (${TARGET}): ${SUBSCRIBERS} subscribers per server, ${EVENTS} events each (after ${WARMUP} warm-up), ${database.label}`);
    console.log(`machine: ${machineLine()}; ulimit -n ${limit}`);
    const config = loadConfig({
      VIGIL_PORT: '0',
      VIGIL_HOST: '127.0.0.1',
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: API_KEY,
      VIGIL_ROLES: 'api',
      VIGIL_LOG_LEVEL: 'silent',
    });
    vigil = await startVigil(config);
    const client = new Parallel({ apiKey: API_KEY, baseURL: vigil.url, maxRetries: 0 });
    const target = TARGET === 'findall' ? await findAllTarget(vigil, client) : await monitorTarget(vigil, client);
    floor = await startFloor();
    subscribers = startSubscribers();
    const started = performance.now();
    subscribers.child.send({
      type: 'connect',
      count: SUBSCRIBERS,
      targets: [
        { name: 'vigil', url: `${vigil.url}${target.path}`, headers: { 'x-api-key': API_KEY } },
        { name: 'floor', url: floor.url, headers: {} },
      ],
    });
    await subscribers.ready;
    console.log(`${2 * SUBSCRIBERS} streams open in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const emit = {
      vigil: target.commit,
      floor: async (n: number) => {
        const frame = target.floorFrame(n);
        const had = now();
        floor!.broadcast(frame);
        return had;
      },
    };
    const latencies = { vigil: [] as number[], floor: [] as number[] };
    let n = 0;
    for (let i = 0; i < WARMUP + EVENTS; i += 1) {
      // Alternate which goes first, so neither always follows the other's burst.
      const order = i % 2 === 0 ? (['vigil', 'floor'] as const) : (['floor', 'vigil'] as const);
      for (const target of order) {
        n += 1;
        const arrived = subscribers.arrival(target, n);
        const t0 = await emit[target](n);
        const at = await arrived;
        if (i >= WARMUP) latencies[target].push(at - t0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    report(latencies);
  } finally {
    subscribers?.child.send({ type: 'close' });
    await floor?.close();
    await vigil?.stop();
    await database?.remove();
  }
}

function report(latencies: { vigil: number[]; floor: number[] }): void {
  const figures = Object.fromEntries(
    Object.entries(latencies).map(([name, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return [name, { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1)! }];
    }),
  ) as Record<'vigil' | 'floor', { p50: number; p99: number; max: number }>;
  console.log('commit-to-arrival at the last subscriber (ms):');
  console.log('  target   p50      p99      max');
  for (const [name, f] of Object.entries(figures)) {
    console.log(`  ${name.padEnd(7)}${f.p50.toFixed(1).padStart(6)}${f.p99.toFixed(1).padStart(9)}${f.max.toFixed(1).padStart(9)}`);
  }
  const p50 = figures.vigil.p50 / figures.floor.p50;
  const p99 = figures.vigil.p99 / figures.floor.p99;
  console.log(`p50 ratio (Vigil / bare Node): ${p50.toFixed(2)}`);
  console.log(`p99 ratio (Vigil / bare Node): ${p99.toFixed(2)} (target ≤ ${TARGET_P99_RATIO}) ${p99 <= TARGET_P99_RATIO ? 'PASS' : 'ABOVE TARGET'}`);
}

await main();

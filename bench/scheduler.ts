// bench/scheduler (issue 14): how many executions a Vigil process sustains, how late they start,
// and what a claim costs as the history grows, each beside a floor measured in the same run.
//
//   floor      the same fetch, parse and commit (processor + one transaction of outcome, seen
//              items, monitor row) done by a bare loop over the monitors: no schedule, no leases
//   A          N monitors at frequency F (default 1,000 at 1 s) against a local feed fixture
//   B          many monitors at 1 h (default 100,000) with due times backdated over the past hour:
//              all due at once, an overload that must level off with bounded memory; every execution
//              is its monitor's first (every item new), so it is set beside the floor's first runs
//   C          claim cost with 10k … 2M executions of history (EXPLAIN plans printed)
//   D          (PostgreSQL) A's monitors run by 1, then 2 … worker processes (BENCH_WORKER_PROCESSES),
//              with the CPU per execution of the workers, the database and the feed fixture
//
// Settings (env): BENCH_MONITORS, BENCH_FREQUENCY_S, BENCH_LARGE_MONITORS (0 skips B), BENCH_SECONDS,
// BENCH_CONCURRENCY, BENCH_ACCOUNTS, BENCH_HISTORY (comma list; empty skips C), BENCH_WORKER_PROCESSES
// (0 skips D; not BENCH_WORKERS, which other benches use for autocannon threads), BENCH_IDLE_MONITORS
// (RSS of a fresh process holding that many monitors not yet due; 0 skips it), BENCH_FEED_DELAY_MS
// (the fixture answers after this long, as a feed across a network would; 0 by default), BENCH_FEED_ITEMS
// (items in the fixture's feed, 20 by default: fewer make every execution cheaper, for the floor and
// Vigil alike, which shows the start lag on a machine too slow to run 1,000 of 20 items a second), BENCH_DATABASE_URL.
// Everything runs against loopback only. The feed fixture runs in a process of its own
// (bench/feed-fixture.ts), as a real feed is served by another machine; its CPU is printed apart.
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { startVigil } from '../src/server.js';
import { machineLine, envInt, openBenchDatabase, printRate } from './lib.js';
import { everyMonitorRan, runFloor, seedMonitors, percentile, startFeed, startLags, type FeedFixture } from './scheduler-lib.js';
import { claimCosts } from './scheduler-claims.js';
import { printProcessesRun, runProcesses } from './scheduler-processes.js';

const MONITORS = envInt('BENCH_MONITORS', 1000, 1);
const FREQUENCY_S = envInt('BENCH_FREQUENCY_S', 1, 1);
const LARGE = envInt('BENCH_LARGE_MONITORS', 100_000);
const SECONDS = envInt('BENCH_SECONDS', 20, 2);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 64, 1);
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 10, 1);
const PROCESSES = envInt('BENCH_WORKER_PROCESSES', 0);
const FEED_DELAY_MS = envInt('BENCH_FEED_DELAY_MS', 0);
const FEED_ITEMS = envInt('BENCH_FEED_ITEMS', 20, 1);
const HISTORY = (process.env.BENCH_HISTORY ?? '10000,100000,1000000')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map(Number);

/** The configuration of a Vigil worker under the bench (every run and process alike). */
function vigilEnv(): Record<string, string> {
  return {
    VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
    VIGIL_LOG_LEVEL: 'error',
    VIGIL_ROLES: 'worker',
    VIGIL_WORKER_CONCURRENCY: String(CONCURRENCY),
    VIGIL_MIN_FREQUENCY: '1s',
    VIGIL_POLL_INTERVAL: '200ms',
    VIGIL_ACCOUNT_EXECUTIONS_IN_FLIGHT: String(Math.ceil(CONCURRENCY / 2)),
    // One fixture host stands in for many sites, and every run must really fetch: no politeness, no reuse.
    VIGIL_FETCH_HOST_CONCURRENCY: String(CONCURRENCY),
    VIGIL_FETCH_HOST_SPACING: '0',
    VIGIL_FETCH_REUSE_WINDOW: '0',
  };
}

/** Runs Vigil (scheduler and worker) over seeded monitors for SECONDS; the measured window is the second half. */
async function runVigil(label: string, feed: FeedFixture, count: number, frequencyS: number, backdateMs: number, { afterFirstRuns = false } = {}) {
  const database = await openBenchDatabase('vigil_bench_scheduler');
  try {
    const config = loadConfig({ ...vigilEnv(), VIGIL_DATABASE_URL: database.url });
    const seedStart = performance.now();
    const now = Date.now();
    await seedMonitors(database.url, {
      count,
      accounts: ACCOUNTS,
      frequencyS,
      origin: feed.origin,
      firstDue: (i) => now - backdateMs + Math.floor((i / count) * (backdateMs || frequencyS * 1000)),
    });
    console.log(`${label}: seeded ${count.toLocaleString('en-US')} monitors in ${((performance.now() - seedStart) / 1000).toFixed(1)} s on ${database.label}`);
    const stalls = monitorEventLoopDelay({ resolution: 20 });
    stalls.enable();
    const vigil = await startVigil(config);
    const began = Date.now();
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
    // A first run reports all its feed's items as new, several times the work of a later run: a window
    // that held first runs would set them beside the floor's repeat runs.
    if (afterFirstRuns) await everyMonitorRan(vigil.store.db, count, label, began);
    const windowStart = Date.now();
    const [cpu0, feedCpu0] = [process.cpuUsage(), await feed.cpuMs()];
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
    const windowEnd = Date.now();
    const [cpu, feedCpu] = [process.cpuUsage(cpu0), (await feed.cpuMs()) - feedCpu0];
    const rss = process.memoryUsage().rss;
    stalls.disable();
    const lags = await startLags(vigil.store.db, windowStart, windowEnd);
    await vigil.stop();
    const done = lags.finished;
    const rate = done / ((windowEnd - windowStart) / 1000);
    const half = (windowStart + windowEnd) / 2;
    const all = lags.samples.map((s) => s.lag);
    const result = {
      rate,
      demand: count / frequencyS,
      p99: percentile(all, 99),
      earlyP50: percentile(
        lags.samples.filter((s) => s.startedAt < half).map((s) => s.lag),
        50,
      ),
      lateP50: percentile(
        lags.samples.filter((s) => s.startedAt >= half).map((s) => s.lag),
        50,
      ),
    };
    console.log(
      `${label}: ${rate.toFixed(0)} executions/s sustained (demand ${result.demand.toFixed(0)}/s), start lag p50 ${percentile(all, 50)} ms, p99 ${result.p99} ms (p50 first half ${result.earlyP50} ms → second half ${result.lateP50} ms), CPU ${((cpu.user + cpu.system) / 1000 / Math.max(1, done)).toFixed(2)} ms/execution (the feed fixture ${(feedCpu / Math.max(1, done)).toFixed(2)} ms more), RSS ${(rss / 1e6).toFixed(0)} MB, longest event-loop stall ${(stalls.max / 1e6).toFixed(0)} ms, after ${((windowEnd - began) / 1000).toFixed(0)} s`,
    );
    return result;
  } finally {
    await database.remove();
  }
}

/**
 * A's start-lag target: p99 ≤ 2 s when the floor keeps up with the demand; when it cannot, no
 * scheduler can, and the lag must level off (the window's second half no later than its first, give
 * or take a tenth).
 */
function printStartLag(a: { demand: number; p99: number; earlyP50: number; lateP50: number }, floorRate: number): void {
  if (floorRate >= a.demand) {
    console.log(`A start lag p99 with the floor above the demand: ${a.p99} ms (target ≤ 2000 ms) ${a.p99 <= 2000 ? 'PASS' : 'BELOW TARGET'}`);
  } else {
    const level = a.lateP50 <= a.earlyP50 * 1.1;
    console.log(
      `A start lag with the floor below the demand (${floorRate.toFixed(0)} < ${a.demand.toFixed(0)}/s): p50 ${a.earlyP50} → ${a.lateP50} ms (target: levels off) ${level ? 'PASS' : 'GROWING'}`,
    );
  }
}

/** Part D: the A monitors run by 1, then 2 … PROCESSES worker processes sharing one PostgreSQL database (target: 0.8 × n times one, 1.6 for two). */
async function twoProcesses(feed: FeedFixture): Promise<void> {
  if (!/^postgres/.test(process.env.BENCH_DATABASE_URL ?? '')) {
    console.log('D skipped: several worker processes share a store only on PostgreSQL (set BENCH_DATABASE_URL)');
    return;
  }
  const runs = [];
  for (let processes = 1; processes <= PROCESSES; processes += 1) {
    const run = await runProcesses({
      processes,
      monitors: MONITORS,
      frequencyS: FREQUENCY_S,
      accounts: ACCOUNTS,
      seconds: SECONDS,
      feed,
      vigilEnv: vigilEnv(),
    });
    printProcessesRun(run);
    runs.push(run);
  }
  for (const run of runs.slice(1)) printRate(`D ${run.processes} processes / 1`, run.rate, runs[0].rate, 'executions/s', 0.8 * run.processes);
}

async function main(): Promise<void> {
  console.log(
    `bench/scheduler — ${machineLine()}; concurrency ${CONCURRENCY}, ${ACCOUNTS} accounts, ${SECONDS} s per run, feed answers after ${FEED_DELAY_MS} ms`,
  );
  if (envInt('BENCH_IDLE_MONITORS', 100_000) > 0) {
    // Its own process, so the RSS is that of a Vigil holding the monitors and nothing else.
    process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', new URL('./scheduler-idle.ts', import.meta.url).pathname], { env: process.env }));
  }
  const feed = await startFeed(FEED_ITEMS, FEED_DELAY_MS);
  try {
    const floor = await runFloor(feed.origin, { monitors: MONITORS, concurrency: CONCURRENCY, seconds: SECONDS / 2 });
    console.log(
      `floor (bare loop: fetch, parse, commit): ${floor.rate.toFixed(0)} executions/s, CPU ${floor.cpuMsPerExecution.toFixed(2)} ms/execution; ` +
        `first runs (${FEED_ITEMS} new items each): ${floor.firstRuns.rate.toFixed(0)} executions/s, CPU ${floor.firstRuns.cpuMsPerExecution.toFixed(2)} ms/execution`,
    );
    const a = await runVigil(`A ${MONITORS}@${FREQUENCY_S}s`, feed, MONITORS, FREQUENCY_S, 0, { afterFirstRuns: true });
    printRate(`A sustained / min(floor, demand)`, a.rate, Math.min(floor.rate, a.demand), 'executions/s', 0.5);
    printStartLag(a, floor.rate);
    if (LARGE > 0) {
      const b = await runVigil(`B ${LARGE}@1h backdated`, feed, LARGE, 3600, 3_600_000);
      // Every backdated monitor is due at once: the demand is the whole backlog, so the floor is the
      // bound; and each execution is its monitor's first, so the floor's first runs are the same work.
      printRate(`B sustained / floor's first runs`, b.rate, floor.firstRuns.rate, 'executions/s', 0.5);
    }
    if (PROCESSES > 0) await twoProcesses(feed);
    if (HISTORY.length > 0) await claimCosts(HISTORY);
  } finally {
    feed.close();
  }
}

await main();

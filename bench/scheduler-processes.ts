// bench/scheduler, part D (PostgreSQL): the same seeded monitors run by 1 and then by 2 Vigil
// worker processes (bench/scheduler-worker.ts, each with its own concurrency), and where the CPU
// went: the workers, the database's backends for the bench database, and the feed fixture's
// process. The machine's whole CPU use in the window says whether it was the limit.
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { openBenchDatabase } from './lib.js';
import { seedMonitors, startLags, type FeedFixture } from './scheduler-lib.js';
import { openStore } from '../src/store/db.js';

/** What one run with `processes` workers sustained, and the CPU per execution of each part. */
export interface ProcessesRun {
  processes: number;
  rate: number;
  workersMs: number;
  postgresMs: number;
  fixtureMs: number;
  busyCores: number;
}

const TICKS_PER_MS = 100 / 1000; // USER_HZ is 100 on Linux

/** CPU (ms) used so far by the PostgreSQL backends serving `database` (their process title names it). */
function backendsCpuMs(database: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      /* the backend ended */
    }
  }
  return ticks / TICKS_PER_MS;
}

/** The machine's busy and total CPU time so far (ms, all cores), from /proc/stat. */
function machineCpuMs(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3] + fields[4];
  return { busy: (total - idle) / TICKS_PER_MS, total: total / TICKS_PER_MS };
}

function ask(child: ChildProcess, message: string): Promise<{ cpuMs: number }> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as { cpuMs: number }));
    child.send(message);
  });
}

/** Runs the monitors with `processes` worker processes for `seconds`; the window is the second half. */
export async function runProcesses(o: {
  processes: number;
  monitors: number;
  frequencyS: number;
  accounts: number;
  seconds: number;
  feed: FeedFixture;
  vigilEnv: Record<string, string>;
}): Promise<ProcessesRun> {
  const database = await openBenchDatabase('vigil_bench_scheduler_procs');
  const name = new URL(database.url).pathname.slice(1);
  const children: ChildProcess[] = [];
  try {
    const now = Date.now();
    await seedMonitors(database.url, {
      ...o,
      origin: o.feed.origin,
      count: o.monitors,
      firstDue: (i) => now + Math.floor((i / o.monitors) * o.frequencyS * 1000),
    });
    const env = { ...process.env, BENCH_VIGIL_ENV: JSON.stringify({ ...o.vigilEnv, VIGIL_DATABASE_URL: database.url }) };
    for (let i = 0; i < o.processes; i += 1) {
      const child = fork(new URL('./scheduler-worker.ts', import.meta.url).pathname, { execArgv: ['--import', 'tsx'], env });
      children.push(child);
      await new Promise((resolve) => child.once('message', resolve));
    }
    await new Promise((r) => setTimeout(r, (o.seconds * 1000) / 2));
    for (const child of children) child.send('mark');
    const [pg0, fixture0, machine0, windowStart] = [backendsCpuMs(name), await o.feed.cpuMs(), machineCpuMs(), Date.now()];
    await new Promise((r) => setTimeout(r, (o.seconds * 1000) / 2));
    const [pg1, fixture1, machine1, windowEnd] = [backendsCpuMs(name), await o.feed.cpuMs(), machineCpuMs(), Date.now()];
    const workersMs = (await Promise.all(children.map((c) => ask(c, 'report')))).reduce((sum, r) => sum + r.cpuMs, 0);
    const store = await openStore(database.url);
    const { finished } = await startLags(store.db, windowStart, windowEnd).finally(() => store.close());
    const done = Math.max(1, finished);
    const wallMs = machine1.total - machine0.total;
    return {
      processes: o.processes,
      rate: finished / ((windowEnd - windowStart) / 1000),
      workersMs: workersMs / done,
      postgresMs: (pg1 - pg0) / done,
      fixtureMs: (fixture1 - fixture0) / done,
      busyCores: ((machine1.busy - machine0.busy) / wallMs) * availableParallelism(),
    };
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) {
              resolve(undefined);
              return;
            }
            child.once('exit', resolve);
            child.send('stop');
          }),
      ),
    );
    await database.remove();
  }
}

/** Prints one run's line. */
export function printProcessesRun(r: ProcessesRun): void {
  console.log(
    `D ${r.processes} worker process${r.processes > 1 ? 'es' : ''}: ${r.rate.toFixed(0)} executions/s sustained; CPU per execution: ` +
      `workers ${r.workersMs.toFixed(2)} ms, PostgreSQL backends ${r.postgresMs.toFixed(2)} ms, feed fixture ${r.fixtureMs.toFixed(2)} ms; ` +
      `machine busy ${r.busyCores.toFixed(2)} of ${availableParallelism()} cores (load average ${loadavg()[0].toFixed(1)})`,
  );
}

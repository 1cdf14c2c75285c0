// Evaluations per second with all six lite scorers over 1,000 fixed prompt/output pairs, through
// the whole of Vigil (HTTP submit, the queue, leasing, scoring, the log, the commit), beside a
// floor measured in the same run: the same scorers called in a bare loop over the same pairs.
// Prints the p50/p99 time from submit to completed too. Target (issue 16): ≥ 200 evaluations/s.
//
//   npm run bench:evaluations               SQLite in a temporary directory
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:evaluations
//   BENCH_PAIRS=1000 BENCH_CLIENTS=16       pairs to submit, and submissions in flight at once
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { METRICS, scoreLite } from '../src/evaluation/metrics.js';
import { startVigil } from '../src/server.js';
import { envInt, machineLine, openBenchDatabase, printRate } from './lib.js';

const PAIRS = envInt('BENCH_PAIRS', 1_000, 1);
const CLIENTS = envInt('BENCH_CLIENTS', 16, 1);
const TARGET = 200;

/** The JSON answers the bench reads: a monitor id, and the stats it polls. */
interface BenchJson {
  monitor_id: string;
  stats: { completed_evaluations: number; failed_evaluations: number };
}

/** Fixed pairs: varied instructions, facts, references and contexts; some outputs right, some wrong. */
function pairs(n: number) {
  const cities = ['Paris', 'Berlin', 'Madrid', 'Rome', 'Vienna', 'Lisbon', 'Prague', 'Warsaw', 'Dublin', 'Oslo'];
  const countries = ['France', 'Germany', 'Spain', 'Italy', 'Austria', 'Portugal', 'Czechia', 'Poland', 'Ireland', 'Norway'];
  const instructions = [
    'Answer in fewer than 60 words.',
    'Do not use any commas.',
    'Answer in all lowercase letters.',
    'Include the keywords "capital" and "population".',
    'Wrap your entire response with double quotation marks.',
  ];
  return Array.from({ length: n }, (_, i) => {
    const c = i % cities.length;
    const population = 1 + (i % 7);
    const right = i % 3 !== 0;
    const city = right ? cities[c] : cities[(c + 1) % cities.length];
    const output =
      `The capital of ${countries[c]} is ${city}. Its population is about ${right ? population : population + 2} million people. ` +
      `${i % 5 === 0 ? 'Contact the city hall at info@city.example for details. ' : ''}It has many museums and parks.`;
    return {
      model_input: {
        system_prompt: `You are a concise travel assistant. ${instructions[i % instructions.length]}`,
        user_prompt: `What is the capital of ${countries[c]} and what is its population? List 2 things to see.`,
        ground_truth: `The capital of ${countries[c]} is ${cities[c]}. Its population is about ${population} million people.`,
        context: [`${cities[c]} is the capital of ${countries[c]}.`, `${cities[c]} has about ${population} million people.`],
      },
      model_output: output,
    };
  });
}

/** The scorers in a bare loop: evaluations per second of wall time, and CPU ms per evaluation. */
function floorRate(all: ReturnType<typeof pairs>): { rate: number; cpuMs: number } {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (const p of all) {
    scoreLite(
      {
        userPrompt: p.model_input.user_prompt,
        systemPrompt: p.model_input.system_prompt,
        groundTruth: p.model_input.ground_truth,
        context: p.model_input.context,
        files: [],
        modelOutput: p.model_output,
      },
      METRICS,
    );
  }
  const cpu = process.cpuUsage(cpuStart);
  return { rate: all.length / ((performance.now() - started) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / all.length };
}

async function main(): Promise<void> {
  console.log(`bench/evaluations: ${PAIRS} pairs, six lite metrics; ${machineLine()}`);
  const all = pairs(PAIRS);
  floorRate(all.slice(0, 100)); // warm up the scorers' code paths
  const { rate: floor, cpuMs: floorCpuMs } = floorRate(all);
  const database = await openBenchDatabase('vigil_bench_evaluations');
  const key = 'bench-evaluations-key';
  const config = loadConfig(
    { VIGIL_PORT: '0', VIGIL_HOST: '127.0.0.1', VIGIL_DATABASE_URL: database.url, VIGIL_API_KEY: key, VIGIL_LOG_LEVEL: 'warn' },
    { pollIntervalMs: 100 },
  );
  const vigil = await startVigil(config);
  // The clients share this process's one core with Vigil: undici's request API on a keep-alive
  // pool costs about half of what fetch() does per request, which would otherwise count as Vigil's.
  const pool = new Pool(vigil.url!, { connections: CLIENTS });
  try {
    /** One JSON request; the bench reads only the fields it names, so a loose shape is enough. */
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<BenchJson> => {
      const res = await pool.request({
        method,
        path,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${await res.body.text()}`);
      return res.body.json() as Promise<BenchJson>;
    };
    const { monitor_id: monitorId } = await call('POST', '/monitor', { name: 'bench', guardrail_metrics: METRICS });
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < all.length) await call('POST', `/monitor/${monitorId}/events`, all[next++]);
      }),
    );
    const submittedIn = (performance.now() - started) / 1000;
    for (;;) {
      const { stats } = await call('GET', `/monitor/${monitorId}?limit=0`);
      if (stats.completed_evaluations + stats.failed_evaluations >= PAIRS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const rows = await vigil.store.db.selectFrom('evaluations').select(['created_at', 'finished_at', 'status']).where('monitor_id', '=', monitorId).execute();
    const latencies = rows.map((r) => Number(r.finished_at) - Number(r.created_at)).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    const rate = PAIRS / elapsed;
    console.log(`database: ${database.label}`);
    console.log(
      `submitted ${PAIRS} in ${submittedIn.toFixed(2)} s; all terminal after ${elapsed.toFixed(2)} s (${rows.filter((r) => r.status === 'completed').length} completed)`,
    );
    const cpuMs = (cpu.user + cpu.system) / 1000 / PAIRS;
    console.log(
      `submit → completed: p50 ${pct(50)} ms, p99 ${pct(99)} ms; CPU ${cpuMs.toFixed(2)} ms per evaluation (this process: API, worker, database client, HTTP clients)`,
    );
    console.log(`floor (the scorers in a bare loop): ${floor.toFixed(0)} evaluations/s, ${floorCpuMs.toFixed(2)} ms CPU per evaluation`);
    // CPU per evaluation barely moves when other processes share the cores; wall-clock rates do.
    console.log(`CPU per evaluation, floor / Vigil: ${(floorCpuMs / cpuMs).toFixed(3)} (one core's worth: ${(1000 / cpuMs).toFixed(0)} evaluations/s)`);
    printRate('evaluations/s through Vigil vs the floor', rate, floor, 'evaluations/s', 0.5);
    console.log(`evaluations/s: ${rate.toFixed(0)} (target ≥ ${TARGET}) ${rate >= TARGET ? 'PASS' : 'BELOW TARGET'}`);
  } finally {
    await pool.close();
    await vigil.stop();
    await database.remove();
  }
}

await main();

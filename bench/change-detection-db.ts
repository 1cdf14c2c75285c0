// The database-backed side of bench/change-detection: a real Vigil (startVigil: store, scheduler,
// leasing worker with VIGIL_WORKER_CONCURRENCY = the bench's concurrency, outbound client) with one
// `event_stream` monitor per page, created through the monitor commands (the API's path without
// HTTP and its rate limit). The creation executions are the baseline; the measured check triggers
// every monitor and ends when every triggered execution has committed its outcome.
import { ensureAccount } from '../src/accounts.js';
import { loadConfig } from '../src/config.js';
import { createMonitor, triggerMonitor, type CommandDeps } from '../src/commands/monitors.js';
import { startVigil, type Vigil } from '../src/server.js';
import { listExecutions } from '../src/store/executions.repository.js';
import { openBenchDatabase, type BenchDatabase } from './lib.js';

/** A running database-backed Vigil watching the bench's pages. */
export interface DbSide {
  label: string;
  /** Waits for the creation executions (the baseline); returns their seconds. */
  baseline(): Promise<number>;
  /** Triggers every monitor and waits for every outcome; returns seconds and the pages reported changed. */
  check(): Promise<{ seconds: number; detected: Set<number>; errors: number }>;
  close(): Promise<void>;
}

export async function startDbSide(pageUrls: string[], concurrency: number): Promise<DbSide> {
  const database: BenchDatabase = await openBenchDatabase('vigil_bench_change');
  const config = loadConfig(
    {
      VIGIL_PORT: '0',
      VIGIL_HOST: '127.0.0.1',
      VIGIL_DATABASE_URL: database.url,
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_WORKER_CONCURRENCY: String(concurrency),
      VIGIL_LOG_LEVEL: 'error',
      // The one fixture host stands for many sites: per-host politeness would measure the limit, not the checking.
      VIGIL_FETCH_HOST_CONCURRENCY: String(concurrency),
      VIGIL_FETCH_HOST_SPACING: '0',
      VIGIL_API_KEY: `bench-${Date.now()}`,
    },
    { pollIntervalMs: 50 },
  );
  const vigil: Vigil = await startVigil(config);
  const account = await ensureAccount(vigil.store, 'bench-change-detection');
  const deps: CommandDeps = { store: vigil.store, config, clock: Date.now, wake: () => vigil.store.workHints.notify() };
  const start = performance.now();
  const ids: string[] = [];
  for (const url of pageUrls) {
    const monitor = await createMonitor(deps, account.id, {
      type: 'event_stream',
      frequency: '1d',
      settings: { query: `Tell me about changes on ${url}` },
    });
    ids.push(monitor.id);
  }
  return {
    label: database.label,
    baseline: async () => {
      await allDone(vigil, ids, 1);
      return (performance.now() - start) / 1000;
    },
    async check() {
      const began = performance.now();
      for (const id of ids) await triggerMonitor(deps, account.id, id);
      const outcomes = await allDone(vigil, ids, 2);
      const seconds = (performance.now() - began) / 1000;
      const detected = new Set<number>();
      let errors = 0;
      outcomes.forEach((outcome, i) => {
        if (outcome === 'events') detected.add(i);
        if (outcome === 'error') errors += 1;
      });
      return { seconds, detected, errors };
    },
    async close() {
      await vigil.stop();
      await database.remove();
    },
  };
}

/**
 * Waits until every monitor has `count` finished executions; returns the last one's outcome per
 * monitor. Polls the monitors still pending, in creation order, a few at a time, so the polling
 * stays a small share of the work it waits for.
 */
async function allDone(vigil: Vigil, ids: string[], count: number): Promise<(string | null)[]> {
  const outcomes = new Array<string | null>(ids.length).fill(null);
  let pending = ids.map((_, i) => i);
  while (pending.length > 0) {
    const still: number[] = [];
    let misses = 0;
    for (const i of pending) {
      if (misses >= 20) {
        still.push(i);
        continue;
      }
      const done = (await listExecutions(vigil.store.db, ids[i])).filter((e) => e.status === 'done');
      if (done.length >= count) outcomes[i] = done.at(-1)!.outcome;
      else {
        still.push(i);
        misses += 1;
      }
    }
    pending = still;
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return outcomes;
}

// bench/scheduler, idle part: RSS of a fresh process (API and workers) holding N monitors at 1 h
// that are not due yet. Run in its own process by bench/scheduler.ts so no other run's heap counts.
import { loadConfig } from '../src/config.js';
import { startVigil } from '../src/server.js';
import { envInt, openBenchDatabase } from './lib.js';
import { seedMonitors } from './scheduler-lib.js';

const COUNT = envInt('BENCH_IDLE_MONITORS', 100_000, 1);
const database = await openBenchDatabase('vigil_bench_scheduler_idle');
try {
  const now = Date.now();
  await seedMonitors(database.url, {
    count: COUNT,
    accounts: 10,
    frequencyS: 3600,
    origin: 'http://127.0.0.1:9',
    firstDue: (i) => now + 600_000 + Math.floor((i / COUNT) * 3_000_000),
  });
  const vigil = await startVigil(
    loadConfig({
      VIGIL_DATABASE_URL: database.url,
      VIGIL_PORT: '0',
      VIGIL_HOST: '127.0.0.1',
      VIGIL_LOG_LEVEL: 'error',
      VIGIL_API_KEY: `bench-${now}`,
    }),
  );
  await new Promise((r) => setTimeout(r, 10_000));
  await fetch(`${vigil.url}/metrics`);
  const rss = process.memoryUsage().rss;
  await vigil.stop();
  console.log(
    `idle: ${COUNT.toLocaleString('en-US')} monitors at 1 h not yet due, API and workers running 10 s: RSS ${(rss / 1e6).toFixed(0)} MB (target < 300 MB)`,
  );
} finally {
  await database.remove();
}

// bench/scheduler, two-process part: one Vigil worker process (VIGIL_ROLES=worker), started by
// bench/scheduler-processes.ts with its configuration in BENCH_VIGIL_ENV. It answers the parent's
// messages: 'mark' starts its CPU count, 'report' sends the CPU used since, 'stop' stops it.
import { loadConfig } from '../src/config.js';
import { startVigil } from '../src/server.js';

const vigil = await startVigil(loadConfig(JSON.parse(process.env.BENCH_VIGIL_ENV ?? '{}') as Record<string, string>));
let cpu0 = process.cpuUsage();
process.on('message', (message) => {
  if (message === 'mark') cpu0 = process.cpuUsage();
  if (message === 'report') process.send?.({ cpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpu0)) });
  if (message === 'stop') void vigil.stop().then(() => process.exit(0));
});
process.send?.('ready');

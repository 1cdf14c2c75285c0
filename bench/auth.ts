// bench/auth: what reading the API key on every request costs (issue 18: a revoked key is refused at
// once in every process, so authentication keeps a key only while the store's change mark says nothing
// changed, on SQLite; on PostgreSQL it reads every time). Two bare Fastify routes in this process
// serve `GET /m/:id` (one monitor read, as `GET /v1/monitors/:id` does) from the same store: the
// figure authenticates with Vigil's authenticator (src/api/auth.ts: one indexed read of the key per
// request; on SQLite, only when the store's change mark moved), the floor with a key cache (a map hit, as a cache that outlived revocations would). The
// ratio is the share of throughput the per-request read leaves; target ≥ 0.6. Vigil's own route is
// printed beside them for scale. A second, load-independent figure: sequential in-process calls of
// the authenticator (the key read) against a floor of the route's own read (one monitor by id), as
// calls per CPU second and per wall second; target ≥ 0.5 (a key check costs at most two such reads).
//
//   node --import tsx bench/auth.ts
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/auth.ts
// Settings: BENCH_CONNECTIONS (16), BENCH_DURATION seconds per round (5), BENCH_ROUNDS (3, floor and
// figure alternate, the best of each is kept), BENCH_WORKERS (1). All traffic goes to 127.0.0.1.
import Fastify, { type FastifyRequest } from 'fastify';
import { createAuthenticator } from '../src/api/auth.js';
import { loadConfig } from '../src/config.js';
import { startVigil } from '../src/server.js';
import { findMonitor, findMonitorById } from '../src/store/monitors.repository.js';
import type { Store } from '../src/store/db.js';
import { sdkClient } from '../test/helpers.js';
import { envInt, machineLine, openBenchDatabase, printRate, printRatio, printResults, runLoad, type LoadResult } from './lib.js';

const settings = { connections: envInt('BENCH_CONNECTIONS', 16, 1), duration: envInt('BENCH_DURATION', 5, 1), workers: envInt('BENCH_WORKERS', 1, 0) };
const rounds = envInt('BENCH_ROUNDS', 3, 1);

/** A bare route reading one monitor, authenticated by `authenticate`. */
async function route(store: Store, authenticate: (request: FastifyRequest) => Promise<void>) {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', authenticate);
  app.get<{ Params: { id: string } }>('/m/:id', async (request) => findMonitor(store.db, request.account.id, request.params.id));
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin, close: () => app.close() };
}

/** Vigil's authenticator behind a cache of resolved keys: the floor, what per-request reads are weighed against. */
function cached(authenticate: (request: FastifyRequest) => Promise<void>) {
  const hits = new Map<string, { account: FastifyRequest['account']; keyId: string }>();
  return async (request: FastifyRequest) => {
    const key = request.headers['x-api-key'] as string;
    const hit = hits.get(key);
    if (hit) {
      request.account = hit.account;
      request.apiKeyId = hit.keyId;
      return;
    }
    await authenticate(request);
    hits.set(key, { account: request.account, keyId: request.apiKeyId });
  };
}

async function findMonitorAccount(store: Store, id: string): Promise<string> {
  return (await findMonitorById(store.db, id))!.accountId;
}

/** Calls per CPU second and per wall second of `call`, run `n` times one after another. */
async function rates(n: number, call: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  for (let i = 0; i < Math.min(n, 200); i += 1) await call();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i += 1) await call();
  const cpu = process.cpuUsage(cpu0);
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / ((performance.now() - wall0) / 1000) };
}

/** The sequential comparison: the authenticator's key read against one monitor read, best of `rounds`. */
async function sequential(store: Store, authenticate: (request: FastifyRequest) => Promise<void>, monitorId: string, accountId: string) {
  const n = envInt('BENCH_CALLS', 5000, 1);
  const request = { headers: { 'x-api-key': apiKey }, log: { warn: () => {} } } as unknown as FastifyRequest;
  const best = { auth: { cpu: 0, wall: 0 }, read: { cpu: 0, wall: 0 } };
  for (let round = 0; round < rounds; round += 1) {
    const read = await rates(n, () => findMonitor(store.db, accountId, monitorId));
    const auth = await rates(n, () => authenticate(request));
    best.read = { cpu: Math.max(best.read.cpu, read.cpu), wall: Math.max(best.read.wall, read.wall) };
    best.auth = { cpu: Math.max(best.auth.cpu, auth.cpu), wall: Math.max(best.auth.wall, auth.wall) };
  }
  console.log(`sequential, ${n} calls × ${rounds} rounds (best kept):`);
  printRate('key checks / monitor reads, per CPU second', best.auth.cpu, best.read.cpu, 'calls/CPU s', 0.5);
  printRate('key checks / monitor reads, per wall second', best.auth.wall, best.read.wall, 'calls/s', 0.5);
}

const database = await openBenchDatabase('vigil_bench_auth');
const apiKey = 'bench-auth-key';
const vigil = await startVigil(
  loadConfig(
    {
      VIGIL_DATABASE_URL: database.url,
      VIGIL_PORT: '0',
      VIGIL_API_KEY: apiKey,
      VIGIL_ROLES: 'api',
      VIGIL_LOG_LEVEL: 'silent',
    },
    { monitorCreatesPerMinute: 1_000_000 },
  ),
);
try {
  const monitor = await sdkClient(vigil.url as string, apiKey).monitor.create({
    type: 'event_stream',
    frequency: '1d',
    settings: { query: 'bench', sources: ['http://127.0.0.1:9/feed.xml'] } as never,
  });
  const reader = createAuthenticator(vigil.store, Date.now);
  const figure = await route(vigil.store, reader);
  const floor = await route(vigil.store, cached(reader));
  console.log(`bench/auth on ${database.label}; ${machineLine()}; ${settings.connections} connections, ${settings.duration} s × ${rounds} rounds`);
  const headers = { 'x-api-key': apiKey };
  const best = { floor: undefined as LoadResult | undefined, figure: undefined as LoadResult | undefined, vigil: undefined as LoadResult | undefined };
  const keep = (slot: keyof typeof best, r: LoadResult) => {
    if (!best[slot] || r.rps > best[slot].rps) best[slot] = r;
  };
  for (let round = 0; round < rounds; round += 1) {
    keep('floor', await runLoad({ title: 'floor: key cached', origin: floor.origin, path: `/m/${monitor.monitor_id}`, headers }, settings));
    keep('figure', await runLoad({ title: 'key read per request', origin: figure.origin, path: `/m/${monitor.monitor_id}`, headers }, settings));
    keep(
      'vigil',
      await runLoad({ title: 'Vigil GET /v1/monitors/:id', origin: vigil.url as string, path: `/v1/monitors/${monitor.monitor_id}`, headers }, settings),
    );
  }
  printResults([best.floor!, best.figure!, best.vigil!]);
  printRatio('per-request key read / cached key', best.figure!, best.floor!, 0.6);
  const accountId = await findMonitorAccount(vigil.store, monitor.monitor_id);
  await sequential(vigil.store, reader, monitor.monitor_id, accountId);
  await figure.close();
  await floor.close();
} finally {
  await vigil.stop();
  await database.remove();
}

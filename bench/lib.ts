// Shared helpers of the benchmarks in bench/: loopback load runs with autocannon, the bare Fastify
// floor each figure is divided by, settings from the environment, and printing.
//
// Network rule (DESIGN.md, Testing): benchmarks send traffic only to loopback. `runLoad` refuses
// any other target.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';

const require = createRequire(import.meta.url);
/** Absolute path of the `setupRequest` module that picks one of a request's `paths` at random. */
export const RANDOM_PATH_MODULE = fileURLToPath(new URL('./random-path.cjs', import.meta.url));

/** An integer setting from the environment (underscores allowed: `1_000_000`), or the fallback. */
export function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name]?.trim().replaceAll('_', '');
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}; got "${process.env[name]}"`);
  return n;
}

/** A fresh temporary directory and its removal. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The database a benchmark runs on: a fresh SQLite file in a temporary directory by default, or,
 * when BENCH_DATABASE_URL names a PostgreSQL server (postgres://user@127.0.0.1:5432/postgres), a
 * fresh database `<prefix>_<random>` created beside the one it names and dropped by `remove`.
 */
export interface BenchDatabase {
  /** A VIGIL_DATABASE_URL for openStore / loadConfig. */
  url: string;
  kind: 'sqlite' | 'postgres';
  /** For printing: the kind and where (never a password). */
  label: string;
  /** The SQLite file, when the kind is sqlite. */
  sqliteFile?: string;
  remove(): Promise<void>;
}

export async function openBenchDatabase(prefix: string): Promise<BenchDatabase> {
  const admin = process.env.BENCH_DATABASE_URL?.trim();
  if (!admin) {
    const dir = tempDir(prefix);
    const file = join(dir.path, 'vigil.db');
    return { url: `sqlite:${file}`, kind: 'sqlite', label: `SQLite (${file})`, sqliteFile: file, remove: async () => dir.remove() };
  }
  if (!/^postgres(ql)?:\/\//.test(admin)) throw new Error(`BENCH_DATABASE_URL must be a postgres:// URL; got "${admin}"`);
  const url = new URL(admin);
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname) && url.hostname !== 'localhost' && url.hostname !== '[::1]') {
    throw new Error(`benchmarks talk only to loopback; refusing the PostgreSQL server at ${url.hostname}`);
  }
  const name = `${prefix.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const adminQuery = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await adminQuery(`CREATE DATABASE "${name}"`);
  url.pathname = `/${name}`;
  let removed = false;
  return {
    url: url.href,
    kind: 'postgres',
    label: `PostgreSQL (database ${name} on ${url.host})`,
    remove: async () => {
      if (removed) return;
      removed = true;
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Throws unless the URL points at loopback (127.0.0.0/8 or ::1). */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== '[::1]') {
    throw new Error(`benchmarks send traffic only to loopback; refusing ${url}`);
  }
}

/** How hard and how long to load a target; the same for a figure and its floor. */
export interface LoadSettings {
  connections: number;
  /** Seconds. */
  duration: number;
  /**
   * autocannon worker threads generating the load; 0 runs autocannon on the main thread, where it
   * competes with the server under test for the same event loop.
   */
  workers: number;
}

/** Reads BENCH_CONNECTIONS (50), BENCH_DURATION (10 s), BENCH_WARMUP (3 s) and BENCH_WORKERS (1). */
export function loadSettingsFromEnv(): LoadSettings & { warmup: number } {
  return {
    connections: envInt('BENCH_CONNECTIONS', 50, 1),
    duration: envInt('BENCH_DURATION', 10, 1),
    warmup: envInt('BENCH_WARMUP', 3, 0),
    workers: envInt('BENCH_WORKERS', 1, 0),
  };
}

/** What to load: one path, or many picked at random per request. */
export interface LoadTarget {
  title: string;
  /** Origin, e.g. `http://127.0.0.1:1234`. */
  origin: string;
  path?: string;
  paths?: string[];
  method?: string;
  headers?: Record<string, string>;
}

/** One load run's figures. Latencies are in milliseconds. */
export interface LoadResult {
  title: string;
  /** Mean requests per second over the run's one-second samples. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Mean response bytes per second. */
  bytesPerSecond: number;
  statusCodes: Record<string, number>;
}

/** Runs autocannon against a loopback target. */
export async function runLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  assertLoopback(target.origin);
  const inWorkers = settings.workers > 0;
  const request: autocannon.Request = {
    method: target.method ?? 'GET',
    path: target.path ?? target.paths?.[0] ?? '/',
    headers: target.headers ?? {},
  };
  if (target.paths && target.paths.length > 1) {
    request.paths = target.paths;
    request.setupRequest = inWorkers ? RANDOM_PATH_MODULE : (require(RANDOM_PATH_MODULE) as (request: unknown) => unknown);
  }
  const result = await autocannon({
    title: target.title,
    url: target.origin,
    connections: settings.connections,
    duration: settings.duration,
    ...(inWorkers ? { workers: settings.workers } : {}),
    requests: [request],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
  return {
    title: target.title,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerSecond: result.throughput.average,
    statusCodes,
  };
}

/**
 * The floor: a bare Fastify app (default options, no logger, no hooks) on 127.0.0.1 with one GET
 * route answering `body`, serialised per request as a Fastify route without a schema does.
 */
export async function startFloor(body: unknown, path = '/floor'): Promise<{ origin: string; path: string; close: () => Promise<void> }> {
  const app = Fastify();
  app.get(path, async () => body);
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin, path, close: () => app.close() };
}

/** One line about the machine: figures only compare within a run, but the reader wants context. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores (${cpu}), Node ${process.version}, ${process.platform}/${process.arch}`;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Prints load results as an aligned table. */
export function printResults(results: LoadResult[]): void {
  const rows = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors', 'MB/s'],
    ...results.map((r) => [
      r.title,
      fmt(r.rps),
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      fmt(r.requests),
      fmt(r.non2xx),
      fmt(r.errors + r.timeouts),
      fmt(r.bytesPerSecond / 1e6, 1),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) {
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  }
}

/** Prints a figure as a ratio of its floor against a target; returns whether it meets it. */
export function printRatio(label: string, figure: LoadResult, floor: LoadResult, target: number): boolean {
  return printRate(label, figure.rps, floor.rps, 'req/s', target);
}

/** Prints a rate as a ratio of its floor's rate against a target; returns whether it meets it. */
export function printRate(label: string, figure: number, floor: number, unit: string, target: number): boolean {
  const ratio = figure / floor;
  const pass = ratio >= target;
  console.log(`${label}: ${ratio.toFixed(3)} (${fmt(figure)} / ${fmt(floor)} ${unit}; target ≥ ${target}) ${pass ? 'PASS' : 'BELOW TARGET'}`);
  return pass;
}

/** Elapsed seconds since `start` (a `performance.now()` reading), for progress lines. */
export function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

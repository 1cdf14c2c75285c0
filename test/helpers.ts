import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parallel, { APIError } from 'parallel-web';
import pg from 'pg';
import { createApiKey } from '../src/accounts.js';
import { loadConfig, type Config } from '../src/config.js';
import { startVigil, type Vigil, type VigilOptions } from '../src/server.js';

/** A temporary directory removed by the returned cleanup. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A fresh database for a test and its removal. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database: a new PostgreSQL database beside `VIGIL_TEST_DATABASE_URL` when that is set
 * (so the whole suite runs on PostgreSQL too), else a new SQLite file in `dir`.
 */
export async function testDatabase(dir: string): Promise<TestDatabase> {
  const base = process.env.VIGIL_TEST_DATABASE_URL;
  if (!base) return { url: `sqlite:${join(dir, 'vigil.db')}`, drop: async () => {} };
  const name = `vigil_test_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A running Vigil on a loopback port with a key, an SDK client and a cleanup. */
export interface TestVigil {
  vigil: Vigil;
  url: string;
  apiKey: string;
  client: Parallel;
  config: Config;
  /** A second account's key and client, for isolation tests. */
  other(): Promise<{ apiKey: string; client: Parallel }>;
  /** Stops Vigil; the database is deleted unless kept (then `removeDatabase` deletes it later). */
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
  removeDatabase(): Promise<void>;
}

/**
 * Fetch politeness for tests: the fixture site is one host standing in for many sites, so requests
 * to it are neither limited per host nor spaced out, and retries come quickly. Politeness tests set
 * their own values.
 */
export const FIXTURE_FETCHING = {
  VIGIL_FETCH_HOST_CONCURRENCY: '64',
  VIGIL_FETCH_HOST_SPACING: '0',
  VIGIL_FETCH_RETRY_DELAY: '100ms',
} as const;

/**
 * Starts Vigil on 127.0.0.1:0 with loopback allowed for outbound requests and fast polling;
 * `options.clock` replaces its clock (e.g. to move time on by days).
 */
export async function startTestVigil(env: Record<string, string> = {}, overrides: Partial<Config> = {}, options: VigilOptions = {}): Promise<TestVigil> {
  const dir = tempDir();
  const database = await testDatabase(dir.path);
  const apiKey = `test-key-${Math.random().toString(36).slice(2)}`;
  const config = loadConfig(
    {
      VIGIL_PORT: '0',
      VIGIL_HOST: '127.0.0.1',
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: apiKey,
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_LOG_LEVEL: 'silent',
      ...FIXTURE_FETCHING,
      ...env,
    },
    { pollIntervalMs: 100, ...overrides },
  );
  const vigil = await startVigil(config, options);
  const url = vigil.url as string;
  const removeDatabase = async () => {
    await database.drop();
    dir.remove();
  };
  return {
    vigil,
    url,
    apiKey,
    config,
    client: sdkClient(url, apiKey),
    async other() {
      const { key } = await createApiKey(vigil.store, `other-${Math.random().toString(36).slice(2)}`);
      return { apiKey: key, client: sdkClient(url, key) };
    },
    async stop(options = {}) {
      await vigil.stop();
      if (!options.keepDatabase) await removeDatabase();
    },
    removeDatabase,
  };
}

/** The official SDK pointed at a Vigil; no retries, so failures show at once. */
export function sdkClient(baseURL: string, apiKey: string): Parallel {
  return new Parallel({ apiKey, baseURL, maxRetries: 0, timeout: 20_000 });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Triggers a monitor and returns the records its triggered execution committed, once it has. */
export async function triggerAndWait(client: Parallel, monitorId: string): Promise<any[]> {
  const outcomes = () => allEvents(client, monitorId, { include_completions: true }) as Promise<any[]>;
  const before = new Set((await outcomes()).map((e) => e.event_group_id));
  await client.monitor.trigger(monitorId);
  return waitFor(
    async () => {
      const added = (await outcomes()).filter((e) => !before.has(e.event_group_id));
      return added.length > 0 ? added : undefined;
    },
    20_000,
    'the triggered outcome',
  );
}

/** The status and envelope message of a request the SDK rejected; fails when it succeeded. */
export async function apiFailure(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof APIError) return { status: err.status as number, message: err.error?.error?.message ?? '' };
    throw err;
  }
  throw new Error('expected the request to fail');
}

/** A local web site whose pages a test sets and changes; it counts requests per path. */
export interface FixtureSite {
  url: string;
  set(path: string, body: string, contentType?: string): void;
  /** Makes a path answer with this status (e.g. 500) until set again. */
  fail(path: string, status: number): void;
  /** Delays every answer of a path by `ms`. */
  delay(path: string, ms: number): void;
  hits(path: string): number;
  /** The most requests of a path that were ever in flight at once. */
  maxConcurrent(path: string): number;
  /** Requests of a path whose answer was written before the client went away. */
  answered(path: string): number;
  close(): Promise<void>;
}

/** Starts a fixture site on 127.0.0.1. */
export async function startFixtureSite(): Promise<FixtureSite> {
  const pages = new Map<string, { body: string; type: string; status: number; delay: number }>();
  const counts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const peaks = new Map<string, number>();
  const answers = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    counts.set(path, (counts.get(path) ?? 0) + 1);
    inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
    peaks.set(path, Math.max(peaks.get(path) ?? 0, inFlight.get(path) ?? 0));
    res.on('close', () => inFlight.set(path, (inFlight.get(path) ?? 1) - 1));
    const page = pages.get(path);
    const answer = () => {
      if (res.destroyed) return;
      answers.set(path, (answers.get(path) ?? 0) + 1);
      if (!page) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(page.status, { 'content-type': page.type }).end(page.body);
    };
    if (!page?.delay) {
      answer();
      return;
    }
    // A request the client gave up on (or a closed site) must not keep the test process alive until its delay ends.
    const timer = setTimeout(answer, page.delay);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    set(path, body, type = 'application/rss+xml') {
      pages.set(path, { body, type, status: 200, delay: pages.get(path)?.delay ?? 0 });
    },
    fail(path, status) {
      const page = pages.get(path) ?? { body: 'failure', type: 'text/plain', status, delay: 0 };
      pages.set(path, { ...page, status });
    },
    delay(path, ms) {
      const page = pages.get(path);
      if (page) page.delay = ms;
    },
    hits: (path) => counts.get(path) ?? 0,
    maxConcurrent: (path) => peaks.get(path) ?? 0,
    answered: (path) => answers.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One RSS item for `rss()`. */
export interface RssItem {
  title: string;
  link: string;
  description?: string;
  date?: Date;
  guid?: string;
}

/** An RSS 2.0 document with these items, newest first as feeds usually are. */
export function rss(title: string, items: RssItem[]): string {
  const body = items
    .map(
      (i) => `
    <item>
      <title>${escape(i.title)}</title>
      <link>${escape(i.link)}</link>
      ${i.guid ? `<guid isPermaLink="false">${escape(i.guid)}</guid>` : ''}
      ${i.description ? `<description>${escape(i.description)}</description>` : ''}
      ${i.date ? `<pubDate>${i.date.toUTCString()}</pubDate>` : ''}
    </item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${escape(title)}</title><link>https://example.test/</link>${body}</channel></rss>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Every event of a monitor through the SDK, following cursors. */
export async function allEvents(client: Parallel, monitorId: string, query: { include_completions?: boolean; limit?: number } = {}) {
  const events: Awaited<ReturnType<Parallel['monitor']['events']>>['events'] = [];
  let cursor: string | undefined;
  const seenCursors = new Set<string>();
  for (;;) {
    const page = await client.monitor.events(monitorId, { ...query, ...(cursor ? { cursor } : {}) });
    events.push(...page.events);
    if (!page.next_cursor) return events;
    if (seenCursors.has(page.next_cursor)) throw new Error('cursor repeated');
    seenCursors.add(page.next_cursor);
    cursor = page.next_cursor;
  }
}

/** One request a webhook receiver got. */
export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  json: any;
  at: number;
}

/** A local webhook receiver whose answers a test scripts. */
export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answers to give, in order, before falling back to 200 (e.g. [500, 500, 500]). */
  script(answers: { status: number; headers?: Record<string, string>; delayMs?: number }[]): void;
  /** Delay every answer (after the script) by this much. */
  delay(ms: number): void;
  /** Requests received but not yet answered. */
  pending(): number;
  close(): Promise<void>;
}

/** Starts a webhook receiver on 127.0.0.1 (on `port` when given). */
export async function startReceiver(port = 0): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  let answers: { status: number; headers?: Record<string, string>; delayMs?: number }[] = [];
  let delayMs = 0;
  let pending = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.push({ headers, body, json: body ? JSON.parse(body) : undefined, at: Date.now() });
      const answer = answers.shift() ?? { status: 200, delayMs };
      pending += 1;
      setTimeout(() => {
        pending -= 1;
        res.writeHead(answer.status, answer.headers).end('ok');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    script: (next) => {
      answers = [...next];
    },
    delay: (ms) => {
      delayMs = ms;
    },
    pending: () => pending,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `vigil serve` child process; `url` is empty for a worker-only process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output(): string;
}

/**
 * Spawns the real CLI (`node bin/vigil.js serve`) on a free loopback port and waits until it has
 * started; `script` runs another entry instead (a test fixture that starts Vigil with injected parts).
 */
export async function spawnServer(env: Record<string, string>, options: { script?: string; startTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const bin = join(import.meta.dirname, '..', 'bin', 'vigil.js');
  const args = options.script ? ['--import', 'tsx', options.script, 'serve'] : [bin, 'serve'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, VIGIL_PORT: '0', VIGIL_HOST: '127.0.0.1', VIGIL_LOG_LEVEL: 'warn', ...FIXTURE_FETCHING, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  await waitFor(
    () => {
      if (gone) throw new Error('vigil serve exited before it started');
      return /Vigil started/.test(output);
    },
    options.startTimeoutMs ?? 30_000,
    'the server to start',
  ).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(err as Error).message}; output: ${output}`, { cause: err });
  });
  const url = /Vigil listening on (\S+)/.exec(output)?.[1] ?? '';
  return { url, child, exited, output: () => output };
}

/** A loopback port nothing listens on (yet). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

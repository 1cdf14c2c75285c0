import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import type Parallel from 'parallel-web';
import { allEvents, rss, startTestVigil, waitFor, type TestVigil } from './helpers.js';

// Issue 11: one account's hostile source must never stall the server for everyone. Each case
// serves a hostile body from a local fixture, runs it, and checks that /health kept answering
// within 200 ms (p99) and the event loop never stalled that long (p99) throughout, that the
// hostile source failed cleanly (or simply matched nothing), and that another account's monitor
// ran meanwhile.

type Handler = (res: ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: Server;
let origin: string;
let vigil: TestVigil;
let other: Parallel;
let benign: { id: string; items: number };

const send =
  (body: string | Buffer, type: string, headers: Record<string, string> = {}): Handler =>
  (res) => {
    res.writeHead(200, { 'content-type': type, ...headers }).end(body);
  };

before(async () => {
  server = createServer((req, res) => {
    const handler = routes.get((req.url ?? '/').split('?')[0]);
    if (handler) handler(res);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // One try per fetch (the slow drip needs no retries to prove its point); enough workers that the
  // other account's monitor never waits for a slot (fair shares are tested elsewhere).
  vigil = await startTestVigil({ VIGIL_FETCH_ATTEMPTS: '1', VIGIL_WORKER_CONCURRENCY: '16' });
  other = (await vigil.other()).client;
  routes.set('/benign.xml', send(benignFeed(0), 'application/rss+xml'));
  const monitor = await other.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: 'AI', sources: [`${origin}/benign.xml`] } as never });
  benign = { id: monitor.monitor_id, items: 0 };
  await waitFor(async () => (await outcomes(other, benign.id)).length >= 1, 30_000, "the benign monitor's creation run");
  // Warm-up: each route compiles its schemas on first use (a one-off stall that is no hostile input's doing).
  routes.set('/plain', send('<!doctype html><html><body><p>AI plain page</p></body></html>', 'text/html'));
  const run = await vigil.client.taskRun.create({
    input: `Read ${origin}/plain`,
    processor: 'lite',
    task_spec: {
      output_schema: { type: 'json', json_schema: { type: 'object', properties: { w: { type: 'string', description: 'w', 'x-regex': 'AI (\\w+)' } } } },
    },
  } as never);
  await waitFor(async () => ['completed', 'failed'].includes((await vigil.client.taskRun.retrieve(run.run_id)).status), 30_000, 'the warm-up run');
  await other.monitor.trigger(benign.id);
  await (await fetch(`${vigil.url}/health`)).arrayBuffer();
});
after(async () => {
  await vigil?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

function benignFeed(count: number): string {
  return rss(
    'Benign',
    Array.from({ length: count }, (_, i) => ({
      title: `AI story ${i}`,
      link: `https://benign.example.test/${i}`,
      date: new Date(Date.now() - 60_000 + i),
    })),
  );
}

/** Polls like waitFor, but four times a second: the probes should measure Vigil, not the test's own polling. */
async function poll<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const outcomes = async (client: Parallel, monitorId: string) => allEvents(client, monitorId, { include_completions: true }) as Promise<any[]>;

/**
 * A thread that probes its own trivial HTTP server exactly as the test probes /health: its
 * latencies and loop delay are what the machine alone imposes at that moment (this 2-core machine
 * is shared with other jobs). They are added to the 200 ms bounds, so that only a stall of Vigil's
 * own making fails the test.
 */
function startControl(): { stop(): Promise<{ health: number; loop: number }> } {
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
    const http = require('node:http');
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const latencies = [];
    let probing = true;
    const server = http.createServer((req, res) => res.end('{"status":"ok"}'));
    server.listen(0, '127.0.0.1', async () => {
      const url = 'http://127.0.0.1:' + server.address().port + '/health';
      const start = performance.now();
      for (let k = 0; probing; k += 1) {
        const due = start + k * 25;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        try {
          await (await fetch(url)).arrayBuffer();
        } catch (err) {
          // A probe in flight when 'stop' closed the server's connections is no figure; any other failure is.
          if (probing) throw err;
          break;
        }
        latencies.push(performance.now() - due);
      }
    });
    parentPort.on('message', () => {
      probing = false;
      h.disable();
      latencies.sort((a, b) => a - b);
      parentPort.postMessage({ health: latencies[Math.floor(latencies.length * 0.99)] ?? 0, loop: h.percentile(99) / 1e6 });
      server.close();
      server.closeAllConnections();
    });
  `,
    { eval: true },
  );
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', (figures: { health: number; loop: number }) => {
          void worker.terminate();
          resolve(figures);
        });
        worker.postMessage('stop');
      }),
  };
}

/**
 * Runs `hostile` (which starts the hostile work and resolves when it has ended) while probing
 * /health every 25 ms and sampling the event loop's delay, and while the other account's monitor
 * gains an item and is triggered: its new event must arrive.
 */
async function underProbe<T>(hostile: () => Promise<T>): Promise<T> {
  const control = startControl();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const latencies: number[] = [];
  const statuses = new Set<number>();
  let probing = true;
  const probe = (async () => {
    const start = performance.now();
    for (let k = 0; probing; k += 1) {
      // Latency counts from when the probe was due, so a stalled timer counts as a late answer.
      const due = start + k * 25;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const response = await fetch(`${vigil.url}/health`);
      await response.arrayBuffer();
      statuses.add(response.status);
      latencies.push(performance.now() - due);
    }
  })();
  try {
    benign.items += 1;
    routes.set('/benign.xml', send(benignFeed(benign.items), 'application/rss+xml'));
    const seen = new Set((await outcomes(other, benign.id)).map((e) => e.event_group_id));
    const result = hostile();
    await other.monitor.trigger(benign.id);
    const fresh = await poll(
      async () => {
        const added = (await outcomes(other, benign.id)).filter((e) => !seen.has(e.event_group_id));
        return added.length > 0 ? added : undefined;
      },
      60_000,
      "the other account's triggered run",
    );
    assert.ok(
      fresh.some((e) => e.event_type === 'event_stream' && String(e.output?.content).startsWith(`AI story ${benign.items - 1}`)),
      JSON.stringify(fresh),
    );
    return await result;
  } finally {
    probing = false;
    await probe;
    loop.disable();
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Infinity;
    const loopP99 = loop.percentile(99) / 1e6;
    const machine = await control.stop();
    const figures =
      `/health p99 ${p99.toFixed(0)} ms over ${latencies.length} probes (max ${latencies.at(-1)?.toFixed(0)} ms); ` +
      `event loop delay p99 ${loopP99.toFixed(0)} ms (max ${(loop.max / 1e6).toFixed(0)} ms); ` +
      `the control thread's probe p99 ${machine.health.toFixed(0)} ms and loop delay p99 ${machine.loop.toFixed(0)} ms`;
    assert.deepEqual([...statuses], [200], '/health answered 200 every time');
    assert.ok(p99 < 200 + machine.health, figures);
    assert.ok(loopP99 < 200 + machine.loop, figures);
    if (process.env.VIGIL_TEST_VERBOSE) console.log(figures);
  }
}

/** Creates a monitor of the hostile account on one source and returns its creation run's outcome. */
async function monitorOutcome(path: string, extra: Record<string, unknown> = {}): Promise<any> {
  const monitor = await vigil.client.monitor.create({
    type: 'event_stream',
    frequency: '1d',
    settings: { query: 'AI', sources: [`${origin}${path}`], ...extra },
  } as never);
  const [outcome] = await poll(
    async () => {
      const all = await outcomes(vigil.client, monitor.monitor_id);
      return all.length > 0 ? all : undefined;
    },
    60_000,
    `the outcome of ${path}`,
  );
  return outcome;
}

/** Asserts an error outcome naming the source and matching the reason. */
function failedCleanly(outcome: any, path: string, reason: RegExp): void {
  assert.equal(outcome.event_type, 'error', JSON.stringify(outcome));
  assert.ok(outcome.error_message.includes(`${origin}${path}`), outcome.error_message);
  assert.match(outcome.error_message, reason);
}

describe('hostile sources cannot stall the server', { timeout: 300_000 }, () => {
  it('ReDoS via settings.match.regex (a|a)+$ over a feed title of "AI " + 40 a + "!" completes at once', async () => {
    const title = `AI ${'a'.repeat(40)}!`;
    routes.set('/redos.xml', send(rss('ReDoS', [{ title, link: 'https://redos.example.test/1', date: new Date(Date.now() + 60_000) }]), 'application/rss+xml'));
    const outcome = await underProbe(() => monitorOutcome('/redos.xml', { match: { regex: '(a|a)+$' } }));
    assert.equal(outcome.event_type, 'completion', JSON.stringify(outcome));
  });

  it("ReDoS via a task x-regex ((a)+)+$ over 30 a's completes at once", async () => {
    routes.set('/redos-page', send(`<!doctype html><html><body><p>${'a'.repeat(30)}!</p></body></html>`, 'text/html'));
    const run = await underProbe(async () => {
      const created = await vigil.client.taskRun.create({
        input: `Read ${origin}/redos-page`,
        processor: 'lite',
        task_spec: {
          output_schema: { type: 'json', json_schema: { type: 'object', properties: { x: { type: 'string', description: 'x', 'x-regex': '((a)+)+$' } } } },
        },
      } as never);
      return poll(
        async () => {
          const current = await vigil.client.taskRun.retrieve(created.run_id);
          return current.status === 'completed' || current.status === 'failed' ? current : undefined;
        },
        60_000,
        'the task run',
      );
    });
    assert.equal(run.status, 'completed', JSON.stringify(run));
  });

  it('a 1.1 MB page of 100,000 nested <div>s fails its source, naming the depth limit', async () => {
    routes.set('/deep.html', send(`<!doctype html><html><body>${'<div>'.repeat(100_000)}AI${'</div>'.repeat(100_000)}</body></html>`, 'text/html'));
    failedCleanly(await underProbe(() => monitorOutcome('/deep.html')), '/deep.html', /nests elements more than 512 levels deep/);
  });

  it('a 1M-element JSON endpoint fails its source, naming the item limit', async () => {
    routes.set('/huge.json', send(`[${Array(1_000_000).fill('{}').join(',')}]`, 'application/json'));
    failedCleanly(await underProbe(() => monitorOutcome('/huge.json')), '/huge.json', /holds 1,000,000 items; at most 5,000/);
  });

  it('a 90,000-item feed fails its source, naming the item limit', async () => {
    // 3 MB: under the 5 MiB body cap, so the item limit is what stops it.
    const items = Array.from({ length: 90_000 }, (_, i) => `<item><title>AI ${i}</title></item>`).join('');
    routes.set('/many.xml', send(`<rss version="2.0"><channel><title>Many</title>${items}</channel></rss>`, 'application/rss+xml'));
    failedCleanly(await underProbe(() => monitorOutcome('/many.xml')), '/many.xml', /holds 90,000 items; at most 5,000/);
  });

  it('XML entity expansion (billion laughs) is not expanded', async () => {
    const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const body =
      `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">${entities}]><rss version="2.0"><channel><title>Laughs</title>` +
      `<item><title>AI &lol9;</title><link>https://laughs.example.test/1</link></item></channel></rss>`;
    routes.set('/laughs.xml', send(body, 'application/rss+xml'));
    const outcome = await underProbe(() => monitorOutcome('/laughs.xml'));
    assert.ok(outcome.event_type === 'completion' || outcome.event_type === 'error', JSON.stringify(outcome));
    if (outcome.event_type === 'error') assert.ok(outcome.error_message.includes(`${origin}/laughs.xml`), outcome.error_message);
  });

  it('a gzip bomb fails its source at the decoded size cap', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, ' '));
    routes.set('/bomb.xml', send(bomb, 'application/rss+xml', { 'content-encoding': 'gzip' }));
    failedCleanly(await underProbe(() => monitorOutcome('/bomb.xml')), '/bomb.xml', /larger than|too large|5242880|5 MiB/i);
  });

  it('a slow drip body fails its source at the request deadline', async () => {
    routes.set('/drip.xml', (res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<rss version="2.0"><channel><title>Drip</title>');
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
    });
    failedCleanly(await underProbe(() => monitorOutcome('/drip.xml')), '/drip.xml', /deadline|timed out|timeout/i);
  });
});

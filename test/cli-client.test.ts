// The CLI's client commands against a real server on a loopback port: each command's table and
// `--json` output, `events --follow` printing an event committed after it started, and the exit
// codes scripts test (1 on an API error, 2 on a usage error, 3 when the server is unreachable).
// Most runs go through `run(argv)` in this process with captured output; a few run the real
// `node bin/vigil.js` as a child process. Traffic stays on 127.0.0.1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../src/main.js';
import {
  allEvents,
  freePort,
  rss,
  startFixtureSite,
  startReceiver,
  startTestVigil,
  waitFor,
  type FixtureSite,
  type Receiver,
  type RssItem,
  type TestVigil,
} from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'vigil.js');
let vigil: TestVigil;
let site: FixtureSite;
let receiver: Receiver;

before(async () => {
  [site, receiver] = await Promise.all([startFixtureSite(), startReceiver()]);
  vigil = await startTestVigil({ VIGIL_WEBHOOK_RETRY_DELAY: '200ms' });
});
after(async () => {
  await vigil.stop();
  await Promise.all([site.close(), receiver.close()]);
});

interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs `vigil ARGS` in this process against the test server (VIGIL_URL/VIGIL_KEY unless `env` says otherwise). */
async function cli(args: string[], env: Record<string, string> = {}, signal?: AbortSignal): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await run(['node', 'vigil', ...args], {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env: { VIGIL_URL: vigil.url, VIGIL_KEY: vigil.apiKey, ...env },
      signal,
    },
  });
  return { code, out, err };
}

/** Runs `vigil ARGS --json` and parses its output; fails on a non-zero exit. */
async function cliJson(args: string[], env: Record<string, string> = {}): Promise<any> {
  const ran = await cli([...args, '--json'], env);
  assert.equal(ran.code, 0, `vigil ${args.join(' ')}: ${ran.err}`);
  return JSON.parse(ran.out);
}

/** The real `node bin/vigil.js ARGS` as a child process (asynchronously: the server runs in this process). */
function child(args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err });
    });
  });
}

let feeds = 0;
const item = (n: number): RssItem => ({
  title: `Story ${n}`,
  link: `https://news.example.test/${n}`,
  description: `About ${n}`,
  date: new Date(Date.now() - n * 60_000),
});

/** A monitor created by the CLI on a new fixture feed, once its creation run has committed. */
async function feedMonitor(extra: string[] = []): Promise<{ id: string; path: string }> {
  feeds += 1;
  const path = `/cli/${feeds}.xml`;
  site.set(path, rss('CLI feed', [item(1)]));
  const monitor = await cliJson(['monitors', 'create', '--query', 'stories', '--source', `${site.url}${path}`, '--frequency', '1d', ...extra]);
  await waitFor(async () => (await allEvents(vigil.client, monitor.monitor_id, { include_completions: true })).length >= 1, 30_000, 'the creation run');
  return { id: monitor.monitor_id, path };
}

describe('vigil monitors', () => {
  it('creates, lists, gets, triggers and cancels, as tables and as JSON', async () => {
    const created = await cliJson([
      'monitors',
      'create',
      '--query',
      'rust releases',
      '--source',
      `${site.url}/none.xml`,
      '--frequency',
      '1d',
      '--metadata',
      'team=news',
      '--metadata',
      'tier=1',
    ]);
    assert.match(created.monitor_id, /^monitor_/);
    assert.equal(created.type, 'event_stream');
    assert.equal(created.frequency, '1d');
    assert.deepEqual(created.metadata, { team: 'news', tier: '1' });
    assert.deepEqual(created.settings.sources, [`${site.url}/none.xml`]);
    const id = created.monitor_id as string;

    const listed = await cliJson(['monitors', 'list']);
    assert.ok(listed.monitors.some((m: any) => m.monitor_id === id));
    const table = await cli(['monitors', 'list']);
    assert.equal(table.code, 0);
    assert.match(table.out.split('\n')[0], /^ID\s+TYPE\s+STATUS\s+FREQUENCY\s+LAST RUN\s+QUERY$/);
    assert.match(table.out, new RegExp(`${id}\\s+event_stream\\s+active\\s+1d`));

    assert.equal((await cliJson(['monitors', 'get', id])).monitor_id, id);
    const shown = await cli(['monitors', 'get', id]);
    assert.match(shown.out, /^id:\s+monitor_/m);
    assert.match(shown.out, /^query:\s+rust releases$/m);

    assert.deepEqual(await cliJson(['monitors', 'trigger', id]), { monitor_id: id, triggered: true });
    assert.match((await cli(['monitors', 'trigger', id])).out, new RegExp(`^triggered ${id}`));

    const cancelled = await cliJson(['monitors', 'cancel', id]);
    assert.equal(cancelled.status, 'cancelled');
    assert.match((await cli(['monitors', 'cancel', id])).out, /cancelled .* \(status cancelled\)/);
    const active = await cliJson(['monitors', 'list']);
    assert.ok(!active.monitors.some((m: any) => m.monitor_id === id), 'the default list shows active monitors');
    const gone = await cliJson(['monitors', 'list', '--status', 'cancelled']);
    assert.ok(gone.monitors.some((m: any) => m.monitor_id === id));
  });

  it('creates from a whole request with --body, and follows pages with --all', async () => {
    const body = { type: 'event_stream', frequency: '2d', settings: { query: 'from body', sources: [`${site.url}/none.xml`] } };
    const created = await cliJson(['monitors', 'create', '--body', JSON.stringify(body)]);
    assert.equal(created.frequency, '2d');
    await cliJson(['monitors', 'create', '--body', JSON.stringify(body)]);
    const paged = await cliJson(['monitors', 'list', '--limit', '1', '--all']);
    assert.ok(paged.monitors.length >= 2, 'more than one page');
    assert.equal(paged.next_cursor, null);
    assert.equal(new Set(paged.monitors.map((m: any) => m.monitor_id)).size, paged.monitors.length, 'no repeats');
  });
});

describe('vigil events', () => {
  it("lists a monitor's events as a table and as JSON", async () => {
    const { id, path } = await feedMonitor();
    site.set(path, rss('CLI feed', [item(2), item(1)]));
    await cli(['monitors', 'trigger', id]);
    const page = await waitFor(
      async () => {
        const listed = await cliJson(['events', id]);
        return listed.events.length > 0 ? listed : undefined;
      },
      30_000,
      'the detected event',
    );
    assert.equal(page.events[0].event_type, 'event_stream');
    assert.match(JSON.stringify(page.events[0].output), /Story 2/);
    const withCompletions = await cliJson(['events', id, '--include-completions']);
    assert.ok(
      withCompletions.events.some((e: any) => e.event_type === 'completion'),
      "the creation run's completion",
    );
    const table = await cli(['events', id]);
    assert.match(table.out.split('\n')[0], /^TIME\s+TYPE\s+GROUP\s+EVENT$/);
    assert.match(table.out, /event_stream\s+\S+\s+.*Story 2/);
  });

  it('--follow prints an event committed after it started, once, and stops cleanly when aborted', async () => {
    const { id, path } = await feedMonitor();
    const stop = new AbortController();
    let out = '';
    let err = '';
    const following = run(['node', 'vigil', 'events', id, '--follow', '--interval', '200ms', '--include-completions', '--json'], {
      io: {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          err += t;
        },
        env: { VIGIL_URL: vigil.url, VIGIL_KEY: vigil.apiKey },
        signal: stop.signal,
      },
    });
    try {
      // The creation run's completion is printed first, from the latest page.
      await waitFor(() => out.includes('"completion"'), 30_000, `the first page; output: ${out}${err}`);
      site.set(path, rss('CLI feed', [item(3), item(1)]));
      await vigil.client.monitor.trigger(id);
      await waitFor(() => out.includes('Story 3'), 30_000, `the new event; output: ${out}${err}`);
    } finally {
      stop.abort();
    }
    assert.equal(await following, 0, err);
    const events = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const ids = events.map((e) => e.event_id);
    assert.equal(new Set(ids).size, ids.length, 'each event printed once');
    const story = events.findIndex((e) => JSON.stringify(e).includes('Story 3'));
    assert.ok(story > 0, 'after the events that existed when it started');
    assert.equal(events[0].event_type, 'completion');
  });
});

describe('vigil keys', () => {
  it('creates, lists and revokes keys on the server; a revoked key then exits 1 with the 401', async () => {
    const created = await cliJson(['keys', 'new', '--name', 'from-cli']);
    assert.match(created.key, /^vgl_/);
    const human = await cli(['keys', 'new']);
    assert.match(human.out, /^vgl_\S+\n$/, 'only the secret on stdout');
    assert.match(human.err, /shown only this once/);
    const remote = await cliJson(['keys', 'create', '--url', vigil.url, '--name', 'remote']);
    assert.equal(remote.name, 'remote');

    const listed = await cliJson(['keys', 'list'], { VIGIL_KEY: created.key });
    const mine = listed.data.find((k: any) => k.key_id === created.key_id);
    assert.equal(mine.name, 'from-cli');
    assert.equal(mine.current, true);
    assert.ok(!JSON.stringify(listed).includes(created.key), 'no secret in the listing');
    const table = await cli(['keys', 'list']);
    assert.match(table.out.split('\n')[0], /^ID\s+PREFIX\s+NAME\s+CREATED\s+LAST USED\s+REVOKED\s+CURRENT$/);
    assert.match(table.out, new RegExp(`${created.key_id}\\s+${created.key.slice(0, 8)}\\s+from-cli`));

    const revoked = await cliJson(['keys', 'revoke', created.key_id]);
    assert.ok(revoked.revoked_at);
    const refused = await cli(['monitors', 'list'], { VIGIL_KEY: created.key });
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^vigil: 401: Unauthorized/);
    assert.match((await cli(['keys', 'revoke', 'key_unknown'])).err, /404: API key not found/);
    const misuse = await cli(['keys', 'create', '--url', vigil.url, '--account', 'acme']);
    assert.equal(misuse.code, 2, 'an account is a database notion');
  });
});

describe('vigil deliveries', () => {
  it('lists deliveries and redelivers one, as tables and as JSON', async () => {
    const { id } = await feedMonitor(['--webhook', receiver.url]);
    await cli(['monitors', 'trigger', id]);
    const listed = await waitFor(
      async () => {
        const page = await cliJson(['deliveries', 'list', '--resource', id, '--status', 'delivered']);
        return page.deliveries.length > 0 ? page : undefined;
      },
      30_000,
      'a delivered webhook',
    );
    const delivery = listed.deliveries[0];
    assert.equal(delivery.resource_id, id);
    const table = await cli(['deliveries', 'list', '--resource', id]);
    assert.match(table.out.split('\n')[0], /^ID\s+STATUS\s+EVENT\s+RESOURCE\s+ATTEMPTS\s+LAST\s+CREATED\s+URL$/);
    assert.match(table.out, new RegExp(`${delivery.delivery_id}\\s+delivered`));

    const again = await cliJson(['deliveries', 'redeliver', delivery.delivery_id]);
    assert.equal(again.delivery_id, delivery.delivery_id);
    assert.equal(again.status, 'pending');
    const received = receiver.received.length;
    await waitFor(() => receiver.received.length > received, 30_000, 'the redelivery');
    assert.deepEqual(await cliJson(['deliveries', 'redeliver', '--failed']), { redelivered: 0 });
    assert.equal((await cli(['deliveries', 'redeliver'])).code, 2, 'neither an id nor --failed');
  });
});

describe('exit codes', () => {
  it("exits 1 with the envelope's message on a 4xx", async () => {
    const missing = await cli(['monitors', 'get', 'monitor_nothere']);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'vigil: 404: Monitor not found\n');
    assert.equal(missing.out, '');
    const bad = await cli(['monitors', 'create', '--query', 'x', '--frequency', 'often']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^vigil: 422: .*frequency/);
  });

  it('exits 2 on a usage or configuration error', async () => {
    assert.equal((await cli(['monitors', 'lst'])).code, 2);
    assert.equal((await cli(['monitors', 'list', '--limit', 'zero'])).code, 2);
    const noKey = await cli(['monitors', 'list'], { VIGIL_KEY: '' });
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /--key \(VIGIL_KEY\) is required/);
    assert.equal((await cli(['monitors', 'list', '--url', 'ftp://127.0.0.1'])).code, 2);
    assert.equal((await cli(['monitors', 'create', '--type', 'snapshot'])).code, 2, 'a snapshot needs --task-run');
    assert.equal((await cli(['--help'])).code, 0);
  });

  it('exits 3 when the server is unreachable', async () => {
    const ran = await cli(['monitors', 'list', '--url', `http://127.0.0.1:${await freePort()}`]);
    assert.equal(ran.code, 3);
    assert.match(ran.err, /^vigil: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('the real binary: JSON on stdout with 0, 1 on a 4xx, 3 when unreachable', async () => {
    const env = { VIGIL_URL: vigil.url, VIGIL_KEY: vigil.apiKey };
    const [ok, missing, down] = await Promise.all([
      child(['--json', 'monitors', 'list'], env),
      child(['monitors', 'get', 'monitor_nothere'], env),
      freePort().then((port) => child(['monitors', 'list'], { ...env, VIGIL_URL: `http://127.0.0.1:${port}` })),
    ]);
    assert.equal(ok.code, 0, ok.err);
    assert.ok(Array.isArray(JSON.parse(ok.out).monitors));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /vigil: 404: Monitor not found/);
    assert.equal(down.code, 3);
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type Parallel from 'parallel-web';
import { sdkClient, spawnServer, tempDir, testDatabase, type ServerProcess } from './helpers.js';
import { fixtureFindAll, putCompanies, saasRun } from './findall-research-fixture.js';
import { readSse } from './sse-reader.js';
import { useFixtureSite, useTestVigil } from './hooks.js';

const isPostgres = /^postgres/.test(process.env.VIGIL_TEST_DATABASE_URL ?? '');
const FIXTURE_SERVER = join(import.meta.dirname, 'fixtures', 'serve-findall-fixture.ts');

/** Up to `take` events of a stream through the SDK, then a disconnect (breaking the loop closes the connection). */
async function sdkSegment(client: Parallel, id: string, after: string | undefined, take: number): Promise<any[]> {
  const events: any[] = [];
  const stream = await client.beta.findall.events(id, after ? { last_event_id: after } : {});
  for await (const event of stream) {
    events.push(event);
    if (events.length >= take) break;
  }
  return events;
}

/** Up to `take` events of a stream resumed with the standard `Last-Event-ID` header, then a disconnect. */
async function headerSegment(url: string, apiKey: string, id: string, after: string, take: number): Promise<any[]> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1beta/findall/runs/${id}/events`, {
    headers: { 'x-api-key': apiKey, accept: 'text/event-stream', 'last-event-id': after },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const events: any[] = [];
  try {
    for await (const event of readSse(response.body!)) {
      assert.equal(event.event, event.data.type, 'event: names the JSON type');
      events.push(event.data);
      if (events.length >= take) break;
    }
  } finally {
    controller.abort();
  }
  return events;
}

/**
 * The stream's log entries, checking that nothing repeats: an event whose id is not past the last
 * one seen must be a `findall.status` heartbeat carrying that very id (it stands for "nothing new").
 */
function logEntries(events: any[], start = ''): any[] {
  const entries: any[] = [];
  let last = start;
  for (const event of events) {
    if (event.event_id > last) {
      entries.push(event);
      last = event.event_id;
    } else {
      assert.equal(event.type, 'findall.status', `a repeated event_id ${event.event_id} is only ever a heartbeat`);
      assert.equal(event.event_id, last, 'a heartbeat carries the last event id sent');
    }
  }
  return entries;
}

const summary = (events: any[]) => events.map((e) => `${e.event_id} ${e.type} ${e.data.candidate_id ?? e.data.status?.status ?? ''}`);

describe('FindAll event stream', () => {
  const t = useTestVigil({}, {}, { findAllResearch: fixtureFindAll });
  const site = useFixtureSite();

  it('resumes after disconnects at several points, while the run is producing, with exactly the remaining events', async () => {
    const listing = putCompanies(site, 10, 'r');
    for (let i = 1; i <= 10; i += 1) site.delay(`/r/${i}`, 120);
    const run = await t.client.beta.findall.create(saasRun(listing, 10));
    const seen: any[] = [];
    let last: string | undefined;
    let segment = 0;
    let producing = 0;
    for (;;) {
      const take = [1, 2, 3, 5][segment % 4];
      const viaHeader = segment % 2 === 1 && last !== undefined;
      const events = viaHeader ? await headerSegment(t.url, t.apiKey, run.findall_id, last!, take) : await sdkSegment(t.client, run.findall_id, last, take);
      segment += 1;
      seen.push(...logEntries(events, last ?? ''));
      if (events.length > 0) last = events.at(-1).event_id;
      if ((await t.client.beta.findall.retrieve(run.findall_id)).status.is_active) producing += 1;
      if (events.length < take) break;
      assert.ok(segment < 200, 'the stream ends');
    }
    assert.ok(producing >= 2, `several disconnects happened while the run was producing (${producing})`);
    const full = logEntries(await sdkSegment(t.client, run.findall_id, undefined, Number.MAX_SAFE_INTEGER));
    assert.deepEqual(summary(seen), summary(full), 'the resumed pieces are the whole stream: no gap, no repeat');
    assert.equal(full.at(-1).data.status.status, 'completed');
    assert.equal(full.filter((e) => e.type === 'findall.candidate.generated').length, 10);
  });

  it('ends the stream after `timeout` seconds while the run is still active, and resumes from there', async () => {
    const listing = putCompanies(site, 3, 's');
    for (let i = 1; i <= 3; i += 1) site.delay(`/s/${i}`, 700);
    const run = await t.client.beta.findall.create(saasRun(listing, 5));
    const first: any[] = [];
    for await (const event of await t.client.beta.findall.events(run.findall_id, { timeout: 0.5 })) first.push(event);
    assert.ok(first.length >= 1);
    assert.equal((await t.client.beta.findall.retrieve(run.findall_id)).status.is_active, true, 'the stream ended by its timeout, not the run');
    const rest = await sdkSegment(t.client, run.findall_id, first.at(-1).event_id, Number.MAX_SAFE_INTEGER);
    const full = await sdkSegment(t.client, run.findall_id, undefined, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(summary(logEntries([...first, ...rest])), summary(logEntries(full)));
  });

  it('sends a findall.status heartbeat every 10 s while the run is active and nothing new happens', { timeout: 60_000 }, async () => {
    const listing = putCompanies(site, 1, 'h');
    site.delay('/h/companies', 11_500);
    const run = await t.client.beta.findall.create(saasRun(listing, 5));
    const events: any[] = [];
    for await (const event of await t.client.beta.findall.events(run.findall_id, { timeout: 11 })) events.push(event);
    assert.equal(events[0].data.status.status, 'queued');
    const beats = events.filter((e, i) => i > 0 && e.event_id === events[i - 1].event_id);
    assert.ok(beats.length >= 1, `a heartbeat came (${summary(events).join(' | ')})`);
    assert.equal(beats[0].type, 'findall.status');
    assert.equal(beats[0].data.status.is_active, true);
  });

  it(
    'on PostgreSQL, a subscriber of an API-only process sees every event a worker process commits, in order',
    {
      skip: isPostgres ? false : 'several processes share a store only on PostgreSQL (set VIGIL_TEST_DATABASE_URL)',
      timeout: 300_000,
    },
    async () => {
      const dir = tempDir();
      const database = await testDatabase(dir.path);
      const env = { VIGIL_DATABASE_URL: database.url, VIGIL_API_KEY: 'findall-multi', VIGIL_ALLOW_NETWORKS: '127.0.0.0/8', VIGIL_POLL_INTERVAL: '200ms' };
      const servers: ServerProcess[] = [];
      try {
        const listing = putCompanies(site, 12, 'm');
        for (let i = 1; i <= 12; i += 1) site.delay(`/m/${i}`, 50);
        const api = await spawnServer({ ...env, VIGIL_ROLES: 'api' }, { script: FIXTURE_SERVER, startTimeoutMs: 90_000 });
        servers.push(api);
        const client = sdkClient(api.url, 'findall-multi');
        const runs = await Promise.all([0, 1, 2].map(() => client.beta.findall.create(saasRun(listing, 20))));
        const streams = runs.map((run) => sdkSegment(client, run.findall_id, undefined, Number.MAX_SAFE_INTEGER));
        servers.push(await spawnServer({ ...env, VIGIL_ROLES: 'worker' }, { script: FIXTURE_SERVER, startTimeoutMs: 90_000 }));
        const live = await Promise.all(streams);
        for (const [i, run] of runs.entries()) {
          const replay = await sdkSegment(client, run.findall_id, undefined, Number.MAX_SAFE_INTEGER);
          assert.deepEqual(summary(logEntries(live[i])), summary(logEntries(replay)), 'the live subscriber saw every event, in order');
          assert.equal(replay.filter((e) => e.type === 'findall.candidate.generated').length, 12);
          assert.equal(replay.at(-1).data.status.status, 'completed');
        }
      } finally {
        for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
        await Promise.all(servers.map((s) => s.exited));
        await database.drop();
        dir.remove();
      }
    },
  );
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rss, triggerAndWait, waitFor } from './helpers.js';
import { useFixtureSite, useTestVigil } from './hooks.js';

// Every method of the official SDK (parallel-web, node_modules) that Vigil serves, called with the
// arguments a real user passes, against a server on a loopback port. The first test lists the SDK's
// methods, so a new SDK method fails here until it is served (and called below) or named unserved.

/** What Vigil serves, by SDK resource: each one is called in this file. */
const SERVED = {
  monitor: ['cancel', 'create', 'events', 'list', 'retrieve', 'trigger', 'update'],
  taskRun: ['create', 'events', 'result', 'retrieve', 'retrieveInput'],
};
/** What the SDK offers that Vigil does not serve (README, "Not yet"). */
const UNSERVED = {
  taskGroup: ['addRuns', 'create', 'events', 'getRuns', 'retrieve', 'retrieveRun'],
  'beta.findall': ['cancel', 'create', 'enrich', 'entitySearch', 'events', 'extend', 'ingest', 'result', 'retrieve', 'schema'],
  'beta.memory': ['clear', 'evict', 'retrieve'],
  client: ['extract', 'search'],
};

const vigil = useTestVigil();
const site = useFixtureSite();

function methodsOf(target: object): string[] {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(target))
    .filter((name) => name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function')
    .sort();
}

const PRICING = `<!doctype html><html><head><title>Acme pricing</title></head><body>
<nav><a href="/">Home</a></nav>
<main><h1>Plans and pricing</h1>
<table>
  <tr><th>Plan</th><th>Price</th><th>Seats</th></tr>
  <tr><td>Basic</td><td>$10/mo</td><td>1</td></tr>
  <tr><td>Pro</td><td>$25/mo</td><td>5</td></tr>
  <tr><td>Team</td><td>$60/mo</td><td>20</td></tr>
</table></main></body></html>`;

const PLANS_SCHEMA = {
  type: 'object',
  properties: {
    pro_price: { type: 'string', description: 'Monthly price of the Pro plan' },
    plans: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, price: { type: 'string' } } } },
  },
};

describe('the official SDK against Vigil', () => {
  it('has exactly the methods this file knows as served or unserved', () => {
    const sdk = vigil.client as unknown as Record<string, any>;
    assert.deepEqual({ monitor: methodsOf(sdk.monitor), taskRun: methodsOf(sdk.taskRun) }, SERVED);
    assert.deepEqual(
      {
        taskGroup: methodsOf(sdk.taskGroup),
        'beta.findall': methodsOf(sdk.beta.findall),
        'beta.memory': methodsOf(sdk.beta.memory),
        client: ['extract', 'search'].filter((name) => typeof sdk[name] === 'function'),
      },
      UNSERVED,
    );
    assert.deepEqual(
      Object.keys(sdk.beta)
        .filter((key) => !key.startsWith('_'))
        .sort(),
      ['findall', 'memory'],
      'no other beta resource (webhooks, taskRun)',
    );
    assert.equal(sdk.webhooks, undefined, 'this SDK version has no webhooks resource');
  });

  it("drives every vigil.client.monitor method, and an events page carries its executions' warnings", async () => {
    site.set('/news.xml', rss('Acme news', [{ title: 'Acme launches Rocket', link: 'https://news.example.test/rocket', date: new Date('2020-01-01') }]));
    site.set('/status.xml', 'down');
    site.fail('/status.xml', 502);
    const created = await vigil.client.monitor.create({
      type: 'event_stream',
      frequency: '1d',
      settings: {
        query: `Acme launches from ${site.url}/news.xml and ${site.url}/status.xml`,
        output_schema: { type: 'json', json_schema: { type: 'object', properties: { title: { type: 'string' }, url: { type: 'string' } } } },
        include_backfill: false,
      },
      metadata: { team: 'launches' },
    });
    assert.equal((await vigil.client.monitor.retrieve(created.monitor_id)).metadata?.team, 'launches');
    const updated = await vigil.client.monitor.update(created.monitor_id, { frequency: '12h', metadata: { team: 'launches', owner: 'ana' } });
    assert.equal(updated.frequency, '12h');
    const listed = await vigil.client.monitor.list({ status: ['active'], type: ['event_stream'], limit: 100 });
    assert.ok(listed.monitors.some((m) => m.monitor_id === created.monitor_id));

    await waitFor(
      async () => (await vigil.client.monitor.events(created.monitor_id, { include_completions: true })).events.length >= 1,
      20_000,
      'the creation run',
    );
    site.set(
      '/news.xml',
      rss('Acme news', [
        { title: 'Acme launches Comet', link: 'https://news.example.test/comet', date: new Date() },
        { title: 'Acme launches Rocket', link: 'https://news.example.test/rocket', date: new Date('2020-01-01') },
      ]),
    );
    const triggered = await triggerAndWait(vigil.client, created.monitor_id);
    assert.deepEqual(
      triggered.map((e) => e.event_type),
      ['event_stream'],
    );

    const page = await vigil.client.monitor.events(created.monitor_id, { include_completions: true, limit: 1 });
    assert.equal(page.events.length, 1);
    const broken = `${site.url}/status.xml`;
    const own: string[] = (page.events[0] as any).warnings;
    assert.equal(own.length, 1, 'the per-event warnings stay');
    assert.ok(own[0].startsWith(`${broken}: ${broken} answered HTTP 502`), own[0]);
    assert.deepEqual(
      page.warnings,
      [{ type: 'warning', message: own[0], detail: { event_group_id: (page.events[0] as any).event_group_id } }],
      "the documented page-level field carries the execution's warning",
    );
    const next = await vigil.client.monitor.events(created.monitor_id, { include_completions: true, cursor: page.next_cursor! });
    assert.ok(next.events.length >= 1, 'the cursor pages on');
    const group = await vigil.client.monitor.events(created.monitor_id, { event_group_id: (page.events[0] as any).event_group_id });
    assert.equal(group.warnings?.length, 1);

    const cancelled = await vigil.client.monitor.cancel(created.monitor_id);
    assert.equal(cancelled.status, 'cancelled');
  });

  it('drives every vigil.client.taskRun method: progress stats on the stream, per-element basis under the field-basis beta', async () => {
    site.set('/pricing', PRICING);
    site.delay('/pricing', 600); // so that the stream opens while the run is active
    const run = await vigil.client.taskRun.create({
      input: `Extract the plans and prices from ${site.url}/pricing`,
      processor: 'lite',
      task_spec: { output_schema: { type: 'json', json_schema: PLANS_SCHEMA } },
      metadata: { ticket: 'PRICE-42' },
      betas: ['field-basis-2025-11-25'],
    });
    assert.equal((await vigil.client.taskRun.retrieve(run.run_id)).metadata?.ticket, 'PRICE-42');
    assert.equal((await vigil.client.taskRun.retrieveInput(run.run_id)).processor, 'lite');

    const events: any[] = [];
    for await (const event of await vigil.client.taskRun.events(run.run_id, { headers: { 'parallel-beta': 'field-basis-2025-11-25' } })) events.push(event);
    const stats = events.filter((e) => e.type === 'task_run.progress_stats');
    assert.ok(stats.length >= 1, `the stream sends task_run.progress_stats: ${events.map((e) => e.type).join(', ')}`);
    assert.deepEqual(stats.at(-1), {
      type: 'task_run.progress_stats',
      progress_meter: 100,
      source_stats: { num_sources_considered: 1, num_sources_read: 1, sources_read_sample: [`${site.url}/pricing`] },
    });
    assert.ok(events.indexOf(stats.at(-1)) < events.length - 1, 'the final stats precede the final state');
    const final = events.at(-1);
    assert.equal(final.run.status, 'completed');
    assert.ok(
      final.output.basis.some((b: any) => b.field === 'plans.2'),
      "the stream's output has per-element basis too",
    );

    const plain = await vigil.client.taskRun.result(run.run_id, { timeout: 20 });
    assert.deepEqual(
      plain.output.basis.map((b) => b.field),
      ['pro_price', 'plans'],
      'without the beta, one entry per top-level field',
    );
    const result = await vigil.client.taskRun.result(run.run_id, { timeout: 20, betas: ['field-basis-2025-11-25'] });
    assert.deepEqual(
      result.output.basis.map((b) => b.field),
      ['pro_price', 'plans', 'plans.0', 'plans.1', 'plans.2'],
    );
    const second = result.output.basis.find((b) => b.field === 'plans.1')!;
    assert.deepEqual((result.output.content as any).plans[1], { name: 'Pro', price: '$25/mo' });
    assert.equal(second.citations![0].url, `${site.url}/pricing`);
    assert.match(second.reasoning, /^Element 2 of 3 of plans\. 3 rows of the table/);
    assert.deepEqual(second.citations![0].excerpts, ['Pro | $25/mo'], 'the element as read from the page');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allEvents, apiFailure, waitFor } from './helpers.js';
import { useFixtureSite, useTestVigil } from './hooks.js';

/** A pricing page: a table of plans, as real pricing pages have, with nav chrome around it. */
const pricingPage = (prices: { basic: string; pro: string; team: string }) => `<!doctype html>
<html><head><title>Acme pricing</title></head><body>
<nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
<main>
  <h1>Plans and pricing</h1>
  <table>
    <tr><th>Plan</th><th>Price</th><th>Seats</th></tr>
    <tr><td>Basic</td><td>${prices.basic}</td><td>1</td></tr>
    <tr><td>Pro</td><td>${prices.pro}</td><td>5</td></tr>
    <tr><td>Team</td><td>${prices.team}</td><td>20</td></tr>
  </table>
</main>
<footer>© Acme</footer>
</body></html>`;

const pricingSchema = {
  type: 'object',
  properties: {
    basic_price: { type: 'string', description: 'Monthly price of the Basic plan' },
    pro_price: { type: 'string', description: 'Monthly price of the Pro plan' },
    team_price: { type: 'string', description: 'Monthly price of the Team plan' },
  },
  required: ['basic_price', 'pro_price', 'team_price'],
  additionalProperties: false,
};

describe('snapshot monitors', () => {
  const t = useTestVigil();
  const site = useFixtureSite();

  it('reports exactly the changed field, with the previous output, and keeps latest_snapshot current (SDK)', async () => {
    site.set('/pricing', pricingPage({ basic: '$10/mo', pro: '$25/mo', team: '$60/mo' }));
    const run = await t.client.taskRun.create({
      input: `Extract the plan prices from ${site.url}/pricing`,
      processor: 'lite',
      task_spec: { output_schema: { type: 'json', json_schema: pricingSchema } },
    });
    const baseline = await t.client.taskRun.result(run.run_id, { timeout: 20 });
    assert.deepEqual(baseline.output.content, { basic_price: '$10/mo', pro_price: '$25/mo', team_price: '$60/mo' });

    const monitor = await t.client.monitor.create({ type: 'snapshot', frequency: '1d', settings: { task_run_id: run.run_id } });
    assert.equal(monitor.type, 'snapshot');
    assert.deepEqual(monitor.settings, {
      task_run_id: run.run_id,
      query: `Extract the plan prices from ${site.url}/pricing`,
      output_schema: { type: 'json', json_schema: pricingSchema },
    });
    assert.deepEqual(monitor.output?.latest_snapshot?.content, baseline.output.content, 'the baseline is the first snapshot');
    // The creation run re-reads an unchanged page: a completion.
    await waitFor(async () => (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).length === 1);
    assert.deepEqual(
      (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).map((e) => e.event_type),
      ['completion'],
    );

    site.set('/pricing', pricingPage({ basic: '$10/mo', pro: '$29/mo', team: '$60/mo' }));
    await t.client.monitor.trigger(monitor.monitor_id);
    const events = await waitFor(async () => {
      const list = await allEvents(t.client, monitor.monitor_id);
      return list.length === 1 ? list : undefined;
    });
    const event = events[0] as any;
    assert.equal(event.event_type, 'snapshot');
    assert.deepEqual(event.changed_output.content, { pro_price: '$29/mo' }, 'only the changed field');
    assert.deepEqual(
      event.changed_output.basis.map((b: any) => b.field),
      ['pro_price'],
    );
    assert.deepEqual(event.previous_output.content, baseline.output.content, 'the full prior output');
    const updated = await t.client.monitor.retrieve(monitor.monitor_id);
    assert.deepEqual(updated.output?.latest_snapshot?.content, { basic_price: '$10/mo', pro_price: '$29/mo', team_price: '$60/mo' });

    await t.client.monitor.trigger(monitor.monitor_id);
    await waitFor(async () => (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).length === 3);
    const all = await allEvents(t.client, monitor.monitor_id, { include_completions: true });
    assert.deepEqual(all.map((e) => e.event_type).sort(), ['completion', 'completion', 'snapshot'], 'no change: a completion');
    assert.equal((await allEvents(t.client, monitor.monitor_id)).length, 1);
  });

  it('does not report formatting: whitespace and number formatting are no change', async () => {
    const schema = { type: 'object', properties: { price: { type: 'string', 'x-selector': '.price' } }, required: ['price'], additionalProperties: false };
    site.set('/format', '<html><body><span class="price">$1,299.00</span></body></html>');
    const run = await t.client.taskRun.create({
      input: `${site.url}/format`,
      processor: 'lite',
      task_spec: { output_schema: { type: 'json', json_schema: schema } },
    });
    await t.client.taskRun.result(run.run_id, { timeout: 20 });
    const monitor = await t.client.monitor.create({ type: 'snapshot', frequency: '1d', settings: { task_run_id: run.run_id } });
    await waitFor(async () => (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).length === 1);
    site.set('/format', '<html><body><span class="price">\n  $1299 </span></body></html>');
    await t.client.monitor.trigger(monitor.monitor_id);
    await waitFor(async () => (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).length === 2);
    assert.deepEqual(
      (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).map((e) => e.event_type),
      ['completion', 'completion'],
    );
  });

  it('refuses a snapshot monitor without a completed run of this account, and settings updates, with 422s naming the problem', async () => {
    site.set('/page', pricingPage({ basic: '$1', pro: '$2', team: '$3' }));
    const create = (settings: Record<string, unknown>) => apiFailure(t.client.monitor.create({ type: 'snapshot', frequency: '1d', settings } as any));
    assert.match((await create({})).message, /settings\.task_run_id: is required for snapshot monitors/);
    const unknown = await create({ task_run_id: 'trun_missing' });
    assert.match(unknown.message, /settings\.task_run_id: task run "trun_missing" not found/);
    assert.doesNotMatch(unknown.message, /settings\.query/, 'one right message, no second about the query');

    const other = await t.other();
    const theirs = await other.client.taskRun.create({ input: `${site.url}/page`, processor: 'lite' });
    await other.client.taskRun.result(theirs.run_id, { timeout: 20 });
    assert.match((await create({ task_run_id: theirs.run_id })).message, /task run "trun_[0-9a-f]+" not found/, "another account's run is absent");

    site.set('/slow', pricingPage({ basic: '$1', pro: '$2', team: '$3' }));
    site.delay('/slow', 1_500);
    const running = await t.client.taskRun.create({ input: `${site.url}/slow`, processor: 'lite' });
    const answer = await create({ task_run_id: running.run_id });
    assert.equal(answer.status, 422);
    assert.match(answer.message, /task run "trun_[0-9a-f]+" is (queued|running); a snapshot monitor needs a completed run/);
    assert.doesNotMatch(answer.message, /settings\.query/, 'one right message, no second about the query');

    site.fail('/gone', 404);
    const failed = await t.client.taskRun.create({ input: `${site.url}/gone`, processor: 'lite' });
    await waitFor(async () => (await t.client.taskRun.retrieve(failed.run_id)).status === 'failed');
    assert.match((await create({ task_run_id: failed.run_id })).message, /is failed; a snapshot monitor needs a completed run/);

    const good = await t.client.taskRun.create({
      input: `${site.url}/page`,
      processor: 'lite',
      task_spec: { output_schema: { type: 'json', json_schema: pricingSchema } },
    });
    await t.client.taskRun.result(good.run_id, { timeout: 20 });
    const monitor = await t.client.monitor.create({ type: 'snapshot', frequency: '1d', settings: { task_run_id: good.run_id } });
    const update = await apiFailure(t.client.monitor.update(monitor.monitor_id, { type: 'snapshot', settings: { query: 'something else' } } as any));
    assert.equal(update.status, 422);
    assert.match(update.message, /settings: snapshot monitors have no updatable settings/);
    assert.equal((await t.client.monitor.update(monitor.monitor_id, { frequency: '2d' })).frequency, '2d', 'other fields still update');
  });

  it('reports an error, and keeps the snapshot, when the page cannot be read', async () => {
    site.set('/flaky', pricingPage({ basic: '$1', pro: '$2', team: '$3' }));
    const run = await t.client.taskRun.create({
      input: `${site.url}/flaky`,
      processor: 'lite',
      task_spec: { output_schema: { type: 'json', json_schema: pricingSchema } },
    });
    const baseline = await t.client.taskRun.result(run.run_id, { timeout: 20 });
    const monitor = await t.client.monitor.create({ type: 'snapshot', frequency: '1d', settings: { task_run_id: run.run_id } });
    await waitFor(async () => (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).length === 1);
    site.fail('/flaky', 503);
    await t.client.monitor.trigger(monitor.monitor_id);
    const errors = await waitFor(async () => {
      const list = (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).filter((e) => e.event_type === 'error');
      return list.length === 1 ? list : undefined;
    });
    assert.match((errors[0] as any).error_message, /HTTP 503/);
    assert.deepEqual((await t.client.monitor.retrieve(monitor.monitor_id)).output?.latest_snapshot?.content, baseline.output.content);
  });
});

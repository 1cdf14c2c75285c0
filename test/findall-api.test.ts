import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Parallel from 'parallel-web';
import { Webhook } from 'standardwebhooks';
import { apiFailure, startTestVigil, waitFor } from './helpers.js';
import { fixtureFindAll, putCompanies, saasRun } from './findall-research-fixture.js';
import { useFixtureSite, useReceiver, useTestVigil } from './hooks.js';

/** Every event of a run's stream until it closes (the run is terminal and all is sent). */
async function allEvents(client: Parallel, id: string, query: { last_event_id?: string } = {}): Promise<any[]> {
  const events: any[] = [];
  for await (const event of await client.beta.findall.events(id, query)) events.push(event);
  return events;
}

/** The last status each candidate had in a stream. */
function lastStatuses(events: any[]): Map<string, string> {
  const statuses = new Map<string, string>();
  for (const e of events)
    if (e.type.startsWith('findall.candidate.') && e.type !== 'findall.candidate.enriched') statuses.set(e.data.candidate_id, e.data.match_status);
  return statuses;
}

describe('FindAll API', () => {
  const t = useTestVigil({ VIGIL_WEBHOOK_RETRY_DELAY: '200ms' }, {}, { findAllResearch: fixtureFindAll });
  const site = useFixtureSite();
  const receiver = useReceiver();

  const count = async () =>
    Number(
      (
        await t.vigil.store.db
          .selectFrom('findall_runs')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('runs to the end through the SDK: the stream shows generated → matched/unmatched and a terminal status, and result() agrees', async () => {
    const listing = putCompanies(site, 6, 'a');
    const run = await t.client.beta.findall.create({ ...saasRun(listing, 5), metadata: { team: 'growth' } });
    assert.match(run.findall_id, /^findall_[0-9a-f]{32}$/);
    assert.equal(run.status.status, 'queued');
    assert.equal(run.status.is_active, true);
    assert.deepEqual(run.metadata, { team: 'growth' });

    const events = await allEvents(t.client, run.findall_id);
    assert.equal(events[0].type, 'findall.status');
    assert.equal(events[0].data.status.status, 'queued');
    assert.ok(events.every((e) => /^[0-9a-f]{13}$/.test(e.event_id) && typeof e.timestamp === 'string'));
    const ids = events.map((e) => e.event_id);
    assert.deepEqual(ids, [...ids].sort(), 'event ids are ordered as the log');
    const generated = events.filter((e) => e.type === 'findall.candidate.generated');
    assert.equal(generated.length, 6);
    for (const g of generated) {
      const later = events.slice(events.indexOf(g) + 1).find((e) => e.data.candidate_id === g.data.candidate_id);
      assert.ok(['findall.candidate.matched', 'findall.candidate.unmatched'].includes(later.type), 'each generated candidate is judged after');
    }
    const last = events.at(-1);
    assert.equal(last.type, 'findall.status');
    assert.equal(last.data.status.status, 'completed');
    assert.equal(last.data.status.is_active, false);
    assert.equal(last.data.status.termination_reason, 'candidates_exhausted');
    assert.deepEqual(last.data.status.metrics, { generated_candidates_count: 6, matched_candidates_count: 3 });

    const result = await t.client.beta.findall.result(run.findall_id);
    assert.equal(result.run.status.status, 'completed');
    assert.equal(result.last_event_id, last.event_id);
    assert.deepEqual(new Map(result.candidates.map((c) => [c.candidate_id, c.match_status])), lastStatuses(events));
    const matched = result.candidates.find((c) => c.match_status === 'matched');
    assert.deepEqual(matched?.output?.saas, { value: 'yes', type: 'match_condition', is_matched: true });
    assert.equal(matched?.basis?.[0].citations?.[0].url, matched?.url);

    const retrieved = await t.client.beta.findall.retrieve(run.findall_id);
    assert.deepEqual(retrieved.status, last.data.status);
    const schema = await t.client.beta.findall.schema(run.findall_id);
    assert.deepEqual(schema, {
      objective: saasRun(listing, 5).objective,
      entity_type: 'companies',
      match_conditions: saasRun(listing, 5).match_conditions,
      generator: 'core',
      match_limit: 5,
      enrichments: null,
    });
    const ingested = await t.client.beta.findall.ingest({ objective: 'Find companies that sell software' });
    assert.deepEqual(ingested, {
      objective: 'Find companies that sell software',
      entity_type: 'companies',
      match_conditions: [{ name: 'condition_1', description: 'sell software' }],
    });
  });

  it('refuses bad requests with a 422 naming the field and writes nothing', async () => {
    const listing = putCompanies(site, 2, 'b');
    const before = await count();
    const bad: [Record<string, unknown>, RegExp][] = [
      [saasRun(listing, 4), /match_limit: must be from 5 to 1000; got 4/],
      [saasRun(listing, 1001), /match_limit: must be from 5 to 1000/],
      [{ ...saasRun(listing, 11), generator: 'preview' }, /match_limit: must be from 5 to 10 with the preview generator/],
      [{ ...saasRun(listing, 5), generator: 'ultra' }, /generator: must be one of: base, core, pro, preview/],
      [{ ...saasRun(listing, 5), objective: undefined }, /body\.objective: is required/],
      [{ ...saasRun(listing, 5), match_conditions: [] }, /match_conditions: must have at least one condition/],
      [{ ...saasRun(listing, 5), webhook: { url: receiver.url, event_types: ['findall.nope'] } }, /webhook\.event_types\.0: must be one of/],
      [
        { ...saasRun(listing, 5), exclude_list: Array.from({ length: 10_001 }, (_, i) => ({ name: `n${i}`, url: `https://x.test/${i}` })) },
        /exclude_list: may have at most 10000/,
      ],
    ];
    for (const [body, message] of bad) {
      const failure = await apiFailure(t.client.beta.findall.create(body as any));
      assert.equal(failure.status, 422, JSON.stringify(failure));
      assert.match(failure.message, message);
    }
    assert.equal(await count(), before, 'no run was written');

    const preview = await t.client.beta.findall.create({ ...saasRun(listing, 5), generator: 'preview' });
    assert.match((await apiFailure(t.client.beta.findall.extend(preview.findall_id, { additional_match_limit: 5 }))).message, /preview run cannot be extended/);
    assert.match(
      (
        await apiFailure(
          t.client.beta.findall.enrich(preview.findall_id, { output_schema: { json_schema: { type: 'object', properties: { founded: { type: 'string' } } } } }),
        )
      ).message,
      /preview run cannot be enriched/,
    );
    assert.match((await apiFailure(t.client.beta.findall.cancel(preview.findall_id))).message, /preview run cannot be cancelled/);
    const ended = (await allEvents(t.client, preview.findall_id)).at(-1);
    assert.equal(ended.data.status.status, 'completed');
    assert.match(
      (await apiFailure(t.client.beta.findall.extend(preview.findall_id, { additional_match_limit: 0 }))).message,
      /Additional match limit must be greater than 0/,
    );
    const exhausted = await t.client.beta.findall.create(saasRun(listing, 5));
    await allEvents(t.client, exhausted.findall_id);
    const refusal = await apiFailure(t.client.beta.findall.extend(exhausted.findall_id, { additional_match_limit: 5 }));
    assert.equal(refusal.status, 422);
    assert.match(
      refusal.message,
      /only a run that completed with termination_reason match_limit_met can be extended; this one is completed \(candidates_exhausted\)/,
    );
    assert.equal((await t.client.beta.findall.schema(exhausted.findall_id)).match_limit, 5, 'nothing changed');
    assert.equal((await apiFailure(t.client.beta.findall.events(exhausted.findall_id, { last_event_id: 'not-an-id' }))).status, 422);

    const other = await t.other();
    const id = exhausted.findall_id;
    const api = other.client.beta.findall;
    for (const call of [
      () => api.retrieve(id),
      () => api.result(id),
      () => api.schema(id),
      () => api.cancel(id),
      () => api.events(id),
      () => api.extend(id, { additional_match_limit: 5 }),
      () => api.enrich(id, { output_schema: { json_schema: { type: 'object', properties: { founded: { type: 'string' } } } } }),
    ])
      assert.deepEqual(await apiFailure(call()), { status: 404, message: 'FindAll run not found' });
  });

  it('cancels mid-run: cancelled with user_cancelled and results kept; a second cancel is a 409 the SDK does not retry', async () => {
    const listing = putCompanies(site, 8, 'c');
    for (let i = 1; i <= 8; i += 1) site.delay(`/c/${i}`, 300);
    const run = await t.client.beta.findall.create(saasRun(listing, 8));
    await waitFor(async () => (await t.client.beta.findall.retrieve(run.findall_id)).status.metrics.generated_candidates_count! >= 2, 20_000, 'two candidates');
    await t.client.beta.findall.cancel(run.findall_id);
    const events = await allEvents(t.client, run.findall_id);
    const last = events.at(-1);
    assert.equal(last.data.status.status, 'cancelled');
    assert.equal(last.data.status.termination_reason, 'user_cancelled');
    assert.ok(
      events.some((e) => e.data.status?.status === 'cancelling'),
      'the run passed through cancelling',
    );
    const result = await t.client.beta.findall.result(run.findall_id);
    assert.ok(result.candidates.length >= 2 && result.candidates.length < 8, `results so far are kept (${result.candidates.length})`);

    let requests = 0;
    const counting = new Parallel({
      apiKey: t.apiKey,
      baseURL: t.url,
      maxRetries: 2,
      fetch: async (url: string | URL | Request, init?: RequestInit) => {
        requests += 1;
        return fetch(url, init);
      },
    });
    const second = await apiFailure(counting.beta.findall.cancel(run.findall_id));
    assert.deepEqual(second, { status: 409, message: 'Cannot cancel a terminated FindAll run' });
    assert.equal(requests, 1, 'the SDK did not retry the 409');
  });

  it('extends a match_limit_met run to further matches, and enriches matched candidates of a completed run', async () => {
    const listing = putCompanies(site, 12, 'd');
    const run = await t.client.beta.findall.create(saasRun(listing, 5));
    const first = (await allEvents(t.client, run.findall_id)).at(-1);
    assert.equal(first.data.status.termination_reason, 'match_limit_met');
    assert.equal(first.data.status.metrics.matched_candidates_count, 5);
    const extended = await t.client.beta.findall.extend(run.findall_id, { additional_match_limit: 1 });
    assert.equal(extended.match_limit, 6);
    const after = await allEvents(t.client, run.findall_id, { last_event_id: first.event_id });
    assert.equal(after[0].type, 'findall.schema.updated');
    assert.equal(after.at(-1).data.status.termination_reason, 'match_limit_met');
    assert.equal(after.at(-1).data.status.metrics.matched_candidates_count, 6);
    assert.equal(after.filter((e) => e.type === 'findall.candidate.matched').length, 1, 'one further match');

    const schema = await t.client.beta.findall.enrich(run.findall_id, {
      output_schema: { type: 'json', json_schema: { type: 'object', properties: { founded: { type: 'string', description: 'Year founded' } } } },
    });
    assert.equal(schema.enrichments?.length, 1);
    const enrichedEvents = await allEvents(t.client, run.findall_id, { last_event_id: after.at(-1).event_id });
    assert.equal(enrichedEvents[0].type, 'findall.schema.updated');
    assert.equal(enrichedEvents.filter((e) => e.type === 'findall.candidate.enriched').length, 6);
    assert.equal(enrichedEvents.at(-1).data.status.is_active, false);
    const result = await t.client.beta.findall.result(run.findall_id);
    for (const c of result.candidates.filter((c) => c.match_status === 'matched')) {
      assert.deepEqual((c.output as any).founded.type, 'enrichment');
      assert.match((c.output as any).founded.value, /^20\d\d$/);
      assert.equal((c.output as any).saas.is_matched, true, 'the conditions stay beside the enrichment');
    }
    assert.equal(result.run.status.status, 'completed');
  });

  it('searches entities without evaluating them (entity-search, and the older candidates)', async () => {
    const listing = putCompanies(site, 7, 'f');
    const found = await t.client.beta.findall.entitySearch({ entity_type: 'companies', objective: `Companies at ${listing}`, match_limit: 5 });
    assert.match(found.entity_set_id, /^entityset_[0-9a-f]{32}$/);
    assert.deepEqual(
      found.entities.map((e) => e.name),
      ['Company f1', 'Company f2', 'Company f3', 'Company f4', 'Company f5'],
    );
    assert.equal(found.entities[0].url, `${site.url}/f/1`);
    const response = await fetch(`${t.url}/v1beta/findall/candidates`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ entity_type: 'company', objective: `Companies at ${listing}` }),
    });
    const older = await response.json();
    assert.equal(response.status, 200);
    assert.equal(older.candidates.length, 7);
    assert.match(older.candidate_set_id, /^candset_/);
    const bad = await apiFailure(t.client.beta.findall.entitySearch({ entity_type: 'planets' as any, objective: 'x' }));
    assert.equal(bad.status, 422);
    assert.match(bad.message, /entity_type: must be one of: people, companies/);
  });

  it('limits run creations per account per hour (429), as monitor creations are per minute', async () => {
    const limited = await startTestVigil({ VIGIL_FINDALL_CREATES_PER_HOUR: '2' }, {}, { findAllResearch: fixtureFindAll });
    try {
      const listing = putCompanies(site, 1, 'g');
      await limited.client.beta.findall.create(saasRun(listing, 5));
      await limited.client.beta.findall.create(saasRun(listing, 5));
      const third = await apiFailure(limited.client.beta.findall.create(saasRun(listing, 5)));
      assert.deepEqual(third, { status: 429, message: 'Too many requests: quota temporarily exceeded' });
      const other = await limited.other();
      assert.equal((await other.client.beta.findall.create(saasRun(listing, 5))).status.status, 'queued', 'each account has its own quota');
    } finally {
      await limited.stop();
    }
  });

  it('sends signed findall.* webhooks of the subscribed types', async () => {
    const listing = putCompanies(site, 2, 'e');
    const secret = (await (await fetch(`${t.url}/v1/webhooks/secret`, { headers: { 'x-api-key': t.apiKey } })).json()).secret;
    const run = await t.client.beta.findall.create({
      ...saasRun(listing, 5),
      webhook: { url: receiver.url, event_types: ['findall.candidate.matched', 'findall.run.completed'] as any },
    });
    const mine = () => receiver.received.filter((r) => r.json.data.findall_id === run.findall_id || r.json.type === 'findall.candidate.matched');
    await waitFor(() => mine().some((r) => r.json.type === 'findall.run.completed'), 20_000, 'the run.completed webhook');
    const verifier = new Webhook(secret, { format: 'raw' });
    for (const r of mine()) verifier.verify(r.body, r.headers);
    const types = mine()
      .map((r) => r.json.type)
      .sort();
    assert.deepEqual(types, ['findall.candidate.matched', 'findall.run.completed']);
    const completed = mine().find((r) => r.json.type === 'findall.run.completed')!.json;
    assert.equal(completed.data.status.status, 'completed');
    assert.equal(completed.event_id, undefined, 'no event_id in webhook bodies');
  });
});

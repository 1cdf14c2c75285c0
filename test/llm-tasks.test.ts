import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture, userText, type OpenAiFixture } from './fixtures/openai-server.js';
import { allEvents, startFixtureSite, startTestVigil, waitFor, type FixtureSite, type TestVigil } from './helpers.js';

const ARTICLE = `<!doctype html><html><head><title>Acme AI raises $40M</title></head><body><main><h1>Acme AI raises $40M</h1>
<p>Acme AI, a two-year-old startup, raised a $40 million Series B on Monday.</p>
<p>The round was led by Example Ventures, with Sample Capital joining.</p></main></body></html>`;

const schema = {
  type: 'json' as const,
  json_schema: {
    type: 'object',
    properties: {
      company: { type: 'string', description: 'The startup' },
      amount: { type: 'string', description: 'How much it raised' },
      investors: { type: 'array', items: { type: 'string' }, description: 'Who invested' },
    },
    required: ['company', 'amount', 'investors'],
    additionalProperties: false,
  },
};

/** The model's answer: true citations for company and investors, an invented excerpt for amount. */
const FILLED = {
  json: {
    output: { company: 'Acme AI', amount: '$41 million', investors: ['Example Ventures', 'Sample Capital'] },
    citations: [
      { field: 'company', url: '', excerpt: 'Acme AI, a two-year-old startup', confidence: 'high', reasoning: 'Named in the first paragraph.' },
      { field: 'amount', url: '', excerpt: 'raised exactly $41 million in total', confidence: 'high' },
      { field: 'investors', url: '', excerpt: 'led by Example Ventures, with Sample Capital joining', confidence: 'high' },
    ],
  },
};

describe('task runs with a model (base and up)', () => {
  let site: FixtureSite;
  let model: OpenAiFixture;
  let t: TestVigil;
  before(async () => {
    site = await startFixtureSite();
    site.set('/acme', ARTICLE, 'text/html');
    model = await startOpenAiFixture();
    t = await startTestVigil(
      {
        VIGIL_LLM_BASE_URL: model.url,
        VIGIL_LLM_MODEL: 'fixture-model',
        VIGIL_LLM_TIMEOUT: '1s',
        VIGIL_PARSE_TIMEOUT: '60s',
      },
      { executionTimeoutSeconds: 60 },
    );
  });
  after(async () => {
    await t.stop();
    await Promise.all([site.close(), model.close()]);
  });

  const filled = () => {
    const answer = structuredClone(FILLED);
    for (const c of answer.json.citations) c.url = `${site.url}/acme`;
    return answer;
  };

  it('fills a schema with verified citations; an invented excerpt gets low confidence; per-element basis under the beta', async () => {
    model.script(filled());
    const run = await t.client.taskRun.create({ input: `Who raised money in ${site.url}/acme ?`, processor: 'base', task_spec: { output_schema: schema } });
    assert.equal(run.warnings, null);
    const result = await t.client.taskRun.result(run.run_id, { timeout: 30, betas: ['field-basis-2025-11-25'] });
    assert.equal(result.run.status, 'completed', JSON.stringify(result.run.error));
    assert.deepEqual(result.output.content, FILLED.json.output);
    const basis = Object.fromEntries(result.output.basis.map((b) => [b.field, b]));
    assert.deepEqual(Object.keys(basis), ['company', 'amount', 'investors', 'investors.0', 'investors.1']);
    assert.equal(basis.company.confidence, 'high');
    assert.deepEqual(basis.company.citations, [{ url: `${site.url}/acme`, excerpts: ['Acme AI, a two-year-old startup'] }]);
    assert.equal(basis.amount.confidence, 'low');
    assert.deepEqual(basis.amount.citations, [], 'an excerpt not on the page is not shown as one');
    assert.match(basis.amount.reasoning, /was found on the page it cites: the value is unverified/);
    assert.match(JSON.stringify(basis['investors.1'].citations), /Sample Capital/);
    assert.match(userText(model.chats().at(-1)!.body), /raised a \$40 million Series B/, 'the model read the page text');
    const usage = await t.vigil.store.db.selectFrom('model_usage').selectAll().where('work_id', '=', run.run_id).executeTakeFirst();
    assert.equal(Number(usage?.completion_tokens), 20);
  });

  it('answers an auto spec with a derived schema', async () => {
    model.script({
      json: {
        output: { company: 'Acme AI', round: 'Series B' },
        citations: [
          { field: 'company', url: `${site.url}/acme`, excerpt: 'Acme AI raises $40M' },
          { field: 'round', url: `${site.url}/acme`, excerpt: 'Series B' },
        ],
      },
    });
    const run = await t.client.taskRun.create({ input: `Summarise ${site.url}/acme`, processor: 'core' });
    const result = await t.client.taskRun.result(run.run_id, { timeout: 30 });
    assert.equal(result.run.status, 'completed', JSON.stringify(result.run.error));
    assert.deepEqual(result.output.content, { company: 'Acme AI', round: 'Series B' });
    const stored = await t.vigil.store.db.selectFrom('task_runs').select('derived_schema').where('id', '=', run.run_id).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(stored.derived_schema!).properties, { company: { type: 'string' }, round: { type: 'string' } });
  });

  it('waits for Retry-After on a 429, then completes: the retry follows the 429', async () => {
    const before = model.chats().length;
    model.script({ status: 429, headers: { 'retry-after': '1' }, message: 'slow down' }, filled());
    const run = await t.client.taskRun.create({ input: `${site.url}/acme`, processor: 'base', task_spec: { output_schema: schema } });
    const result = await t.client.taskRun.result(run.run_id, { timeout: 30 });
    assert.equal(result.run.status, 'completed', JSON.stringify(result.run.error));
    assert.equal(model.chats().length - before, 2, 'one 429, one retry');
  });

  it("re-runs a base snapshot monitor's task with the model: a changed field is reported with its checked citation, usage counted", async () => {
    const answer = (amount: string, excerpt: string) => ({
      json: {
        output: { company: 'Acme AI', amount, investors: ['Example Ventures'] },
        citations: [
          { field: 'company', url: `${site.url}/acme`, excerpt: 'Acme AI, a two-year-old startup', confidence: 'high' },
          { field: 'amount', url: `${site.url}/acme`, excerpt, confidence: 'high' },
          { field: 'investors', url: `${site.url}/acme`, excerpt: 'led by Example Ventures', confidence: 'high' },
        ],
      },
    });
    model.script(answer('$40 million', 'raised a $40 million Series B'));
    const run = await t.client.taskRun.create({ input: `${site.url}/acme`, processor: 'base', task_spec: { output_schema: schema } });
    assert.equal((await t.client.taskRun.result(run.run_id, { timeout: 30 })).run.status, 'completed');
    // The creation execution re-reads the page and the model answers the same: a completion.
    model.script(answer('$40 million', 'raised a $40 million Series B'));
    const monitor = await t.client.monitor.create({ type: 'snapshot', frequency: '1d', processor: 'base', settings: { task_run_id: run.run_id } } as any);
    await waitFor(async () => (await allEvents(t.client, monitor.monitor_id, { include_completions: true })).length === 1);
    const chatsBefore = model.chats().length;
    site.set('/acme', ARTICLE.replaceAll('$40', '$45'), 'text/html');
    model.script(answer('$45 million', 'raised a $45 million Series B'));
    await t.client.monitor.trigger(monitor.monitor_id);
    const [event] = (await waitFor(async () => {
      const list = await allEvents(t.client, monitor.monitor_id);
      return list.length === 1 ? list : undefined;
    })) as any[];
    assert.equal(model.chats().length - chatsBefore, 1, 'the model filled the re-run');
    assert.match(userText(model.chats().at(-1)!.body), /raised a \$45 million Series B/, 'from the page as it is now');
    assert.deepEqual(event.changed_output.content, { amount: '$45 million' });
    assert.deepEqual(event.changed_output.basis[0].citations, [{ url: `${site.url}/acme`, excerpts: ['raised a $45 million Series B'] }]);
    const usage = await t.vigil.store.db.selectFrom('model_usage').select(['work_kind', 'requests']).where('work_kind', '=', 'execution').execute();
    assert.ok(usage.length >= 2, 'each execution of the monitor recorded its model usage');
    site.set('/acme', ARTICLE, 'text/html');
  });

  it('fails a run whose model hangs with a message, within the model timeout (not the run timeout)', async () => {
    model.script({ hang: true });
    const run = await t.client.taskRun.create({ input: `${site.url}/acme`, processor: 'pro', task_spec: { output_schema: schema } });
    const result = await t.client.taskRun.result(run.run_id, { timeout: 30 }).catch((err: unknown) => err);
    const failed = await t.client.taskRun.retrieve(run.run_id);
    assert.equal(failed.status, 'failed', String(result));
    assert.match(failed.error!.message, /the model server did not answer within 1 s/);
  });
});

describe('task runs without a model', () => {
  it('runs base as lite and says so in a warning on the run', async () => {
    const site = await startFixtureSite();
    site.set('/acme', ARTICLE, 'text/html');
    const t = await startTestVigil({ VIGIL_PARSE_TIMEOUT: '60s' });
    try {
      const run = await t.client.taskRun.create({ input: `${site.url}/acme`, processor: 'base', task_spec: { output_schema: { type: 'text' } } });
      assert.match(run.warnings?.[0]?.message ?? '', /needs a model and none is configured \(VIGIL_LLM_BASE_URL, VIGIL_LLM_MODEL\): this run runs as "lite"/);
      const result = await t.client.taskRun.result(run.run_id, { timeout: 30 });
      assert.equal(result.run.status, 'completed');
      assert.match(String(result.output.content), /raised a \$40 million Series B/);
    } finally {
      await t.stop();
      await site.close();
    }
  });
});

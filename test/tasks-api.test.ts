import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { apiFailure, startReceiver, waitFor } from './helpers.js';
import { startScriptedSite } from './scripted-site.js';
import { useFixtureSite, useTestVigil } from './hooks.js';

const PRODUCT_PAGE = (price: string) => `<!doctype html><html><head><title>Widget Pro</title></head><body>
<nav><a href="/">Home</a></nav>
<main><h1 class="name">Widget Pro</h1><p>The best widget.</p><span class="price">${price}</span></main>
</body></html>`;

const schema = {
  type: 'json' as const,
  json_schema: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'Product name', 'x-selector': 'h1.name' },
      price: { type: 'string', description: 'Product price', 'x-selector': '.price' },
    },
    required: ['name', 'price'],
    additionalProperties: false,
  },
};

describe('Task API', () => {
  const t = useTestVigil();
  const site = useFixtureSite();

  it('runs a task through the SDK: queued, then a result with a basis per field, its input, and 404s for others', async () => {
    site.set('/product', PRODUCT_PAGE('$19.99'));
    const run = await t.client.taskRun.create({
      input: `Extract the name and price of the product at ${site.url}/product`,
      processor: 'lite',
      task_spec: { output_schema: schema },
      metadata: { team: 'pricing', rank: 3 },
    });
    assert.match(run.run_id, /^trun_[0-9a-f]{32}$/);
    assert.equal(run.interaction_id, run.run_id);
    assert.equal(run.status, 'queued');
    assert.equal(run.is_active, true);
    assert.deepEqual(run.metadata, { team: 'pricing', rank: 3 });
    assert.equal(run.warnings, null, 'a schema with every field required and closed has no warning');

    const result = await t.client.taskRun.result(run.run_id, { timeout: 20 });
    assert.equal(result.run.status, 'completed');
    assert.equal(result.run.is_active, false);
    assert.equal(result.output.type, 'json');
    assert.deepEqual(result.output.content, { name: 'Widget Pro', price: '$19.99' });
    assert.deepEqual(result.output.basis.map((b) => b.field).sort(), ['name', 'price']);
    for (const basis of result.output.basis) assert.equal(basis.citations?.[0]?.url, `${site.url}/product`);

    const retrieved = await t.client.taskRun.retrieve(run.run_id);
    assert.equal(retrieved.status, 'completed');
    const input = await t.client.taskRun.retrieveInput(run.run_id);
    assert.equal(input.processor, 'lite');
    assert.deepEqual(input.task_spec?.output_schema, schema);

    const other = await t.other();
    assert.deepEqual(await apiFailure(other.client.taskRun.retrieve(run.run_id)), { status: 404, message: 'Run id not found' });
    assert.equal((await apiFailure(other.client.taskRun.result(run.run_id))).status, 404);
    assert.equal((await apiFailure(other.client.taskRun.retrieveInput(run.run_id))).status, 404);
  });

  it('streams the state first, the progress messages, and the final state with the output (SDK stream reader)', async () => {
    site.set('/stream', PRODUCT_PAGE('$5'));
    site.delay('/stream', 600);
    const run = await t.client.taskRun.create({ input: `${site.url}/stream`, processor: 'lite', task_spec: { output_schema: schema } });
    const stream = await t.client.taskRun.events(run.run_id);
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    assert.equal(events[0].type, 'task_run.state');
    assert.equal(events[0].event_id, null);
    assert.ok(['queued', 'running'].includes(events[0].run.status), 'the first state is the live one');
    const last = events.at(-1);
    assert.equal(last.type, 'task_run.state');
    assert.equal(last.run.status, 'completed');
    assert.deepEqual(last.output.content, { name: 'Widget Pro', price: '$5' });
    const messages = events.filter((e) => e.type.startsWith('task_run.progress_msg.'));
    assert.ok(messages.some((m) => m.type === 'task_run.progress_msg.plan' && m.message.includes(`${site.url}/stream`)));
    assert.ok(messages.every((m) => typeof m.timestamp === 'string'));

    // A second connection replays everything, then ends at once: the run is over.
    const replay: any[] = [];
    for await (const event of await t.client.taskRun.events(run.run_id)) replay.push(event);
    assert.equal(replay[0].run.status, 'completed');
    assert.deepEqual(
      replay.filter((e) => e.type.startsWith('task_run.progress_msg.')).map((e) => e.message),
      messages.map((m) => m.message),
    );
  });

  it('answers 408 while a run is still active, and the result once it completes', async () => {
    site.set('/slow', PRODUCT_PAGE('$7'));
    site.delay('/slow', 2_500);
    const run = await t.client.taskRun.create({ input: `${site.url}/slow`, processor: 'lite', task_spec: { output_schema: schema } });
    const early = await apiFailure(t.client.taskRun.result(run.run_id, { timeout: 1 }));
    assert.deepEqual(early, { status: 408, message: 'Request timed out; run still active' });
    const result = await t.client.taskRun.result(run.run_id, { timeout: 30 });
    assert.deepEqual(result.output.content, { name: 'Widget Pro', price: '$7' });
  });

  it('fails a run whose page cannot be read, and says so on the run and the result', async () => {
    site.set('/broken', 'gone');
    site.fail('/broken', 500);
    const run = await t.client.taskRun.create({ input: `${site.url}/broken`, processor: 'lite', task_spec: { output_schema: schema } });
    const failed = await waitFor(async () => {
      const r = await t.client.taskRun.retrieve(run.run_id);
      return r.status === 'failed' ? r : undefined;
    });
    assert.equal(failed.is_active, false);
    assert.match(failed.error?.message ?? '', /HTTP 500/);
    const result = await apiFailure(t.client.taskRun.result(run.run_id, { timeout: 5 }));
    assert.equal(result.status, 404);
    assert.match(result.message, /^Run failed or run id not found: .*HTTP 500/);
  });

  it('fetches politely: a transient 503 is tried again within the run', async () => {
    const scripted = await startScriptedSite();
    try {
      scripted.route('/blip', (_req, res, n) =>
        n === 1 ? res.writeHead(503).end('busy') : res.writeHead(200, { 'content-type': 'text/html' }).end(PRODUCT_PAGE('$8')),
      );
      const run = await t.client.taskRun.create({ input: `${scripted.url}/blip`, processor: 'lite', task_spec: { output_schema: schema } });
      const result = await t.client.taskRun.result(run.run_id, { timeout: 20 });
      assert.deepEqual(result.output.content, { name: 'Widget Pro', price: '$8' });
      assert.equal(scripted.requests('/blip').length, 2, 'the 503 was tried again');
    } finally {
      await scripted.close();
    }
  });

  it('accepts the other spec forms: a top-level output_schema, a bare string (text), and warns on loose schemas', async () => {
    site.set('/doc', PRODUCT_PAGE('$1'));
    const topLevel = await t.client.taskRun.create({ input: `${site.url}/doc`, processor: 'lite', output_schema: schema } as any);
    const looseSchema = { type: 'object', properties: { name: { type: 'string', 'x-selector': 'h1.name' }, sources: { type: 'string' } } };
    const loose = await t.client.taskRun.create({
      input: `${site.url}/doc`,
      processor: 'lite',
      task_spec: { output_schema: { type: 'json', json_schema: looseSchema } },
    });
    const text = await t.client.taskRun.create({ input: `${site.url}/doc`, processor: 'lite', task_spec: { output_schema: 'The product page text' } });
    assert.deepEqual((await t.client.taskRun.result(topLevel.run_id)).output.content, { name: 'Widget Pro', price: '$1' });
    const warnings = (loose.warnings ?? []).map((w) => `${w.type}: ${w.message}`).join('\n');
    assert.match(warnings, /spec_validation_warning: not every field of the root is required \(name, sources\)/);
    assert.match(warnings, /additionalProperties/);
    assert.match(warnings, /"sources" is named like the basis/);
    const textResult = await t.client.taskRun.result(text.run_id);
    assert.equal(textResult.output.type, 'text');
    assert.match(String(textResult.output.content), /Widget Pro/);
    assert.equal(textResult.output.basis[0].field, 'output');
  });

  it('refuses bad requests with the field and rule named, writing nothing', async () => {
    const count = async () =>
      Number(
        (
          await t.vigil.store.db
            .selectFrom('task_runs')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const page = `${site.url}/doc`;
    assert.deepEqual(await apiFailure(t.client.taskRun.create({ input: page, processor: 'turbo' as any })), {
      status: 403,
      message: 'Forbidden: invalid processor in request: unknown processor "turbo"; use lite',
    });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ input: 'What is the GDP of France?', processor: 'lite' }, /body\.input: names no web page.*VIGIL_SEARCH_URL/],
      [{ input: '  ', processor: 'lite' }, /body\.input: must be a non-empty string/],
      [
        { input: page, processor: 'lite', task_spec: { output_schema: { type: 'json', json_schema: { type: 'array' } } } },
        /body\.task_spec\.output_schema\.json_schema: the root must be/,
      ],
      [
        {
          input: page,
          processor: 'lite',
          task_spec: { output_schema: { type: 'json', json_schema: { type: 'object', properties: { d: { type: 'string', format: 'date' } } } } },
        },
        /body\.task_spec\.output_schema\.json_schema\.properties\.d\.format: the keyword "format" is not supported/,
      ],
      [
        {
          input: page,
          processor: 'lite',
          task_spec: { output_schema: { type: 'json', json_schema: { type: 'object', properties: { p: { type: 'string', 'x-regex': '(unclosed' } } } } },
        },
        /body\.task_spec\.output_schema: p: x-regex is not a valid regular expression/,
      ],
      [
        { input: page, processor: 'lite', task_spec: { output_schema: { type: 'yaml' } } },
        /body\.task_spec\.output_schema\.type: must be "json", "text" or "auto"/,
      ],
      [
        { input: page, processor: 'lite', metadata: { 'a-very-long-metadata-key': 'x' } },
        /body\.metadata\.a-very-long-metadata-key: metadata keys must be 1 to 16/,
      ],
      [{ input: page, processor: 'lite', metadata: { team: { name: 'pricing' } } }, /body\.metadata\.team: values must be strings, numbers or booleans/],
      [{ input: page, processor: 'lite', webhook: { url: 'ftp://example.test/hook' } }, /body\.webhook\.url: must be an absolute http or https URL/],
      [{ input: page.padEnd(26_000, ' x'), processor: 'lite' }, /input and task_spec are \d+ characters together; at most 25000/],
    ];
    for (const [body, message] of cases) {
      const answer = await apiFailure(t.client.taskRun.create(body as any));
      assert.equal(answer.status, 422, JSON.stringify(body).slice(0, 200));
      assert.match(answer.message, message);
    }
    const deep = {
      type: 'object',
      properties: {
        a: {
          type: 'object',
          properties: {
            b: { type: 'object', properties: { c: { type: 'object', properties: { d: { type: 'object', properties: { e: { type: 'string' } } } } } } },
          },
        },
      },
    };
    assert.match(
      (await apiFailure(t.client.taskRun.create({ input: page, processor: 'lite', task_spec: { output_schema: { type: 'json', json_schema: deep } } })))
        .message,
      /nests 6 levels; at most 5/,
    );
    assert.equal(await count(), before, 'no rejected request wrote a run');
  });

  it('sends a signed task_run.status webhook when a run ends', async () => {
    const receiver = await startReceiver();
    try {
      site.set('/hooked', PRODUCT_PAGE('$3'));
      const run = await t.client.taskRun.create({
        input: `${site.url}/hooked`,
        processor: 'lite',
        task_spec: { output_schema: schema },
        webhook: { url: `${receiver.url}/hook`, event_types: ['task_run.status'] },
      });
      const message = await waitFor(() => receiver.received.find((r) => r.json?.data?.run_id === run.run_id));
      assert.equal(message.json.type, 'task_run.status');
      assert.equal(message.json.data.status, 'completed');
      const secret = (await (await fetch(`${t.url}/v1/webhooks/secret`, { headers: { 'x-api-key': t.apiKey } })).json()) as { secret: string };
      assert.doesNotThrow(() => new Webhook(secret.secret, { format: 'raw' }).verify(message.body, message.headers));
    } finally {
      await receiver.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture, type OpenAiFixture } from '../../test/fixtures/openai-server.js';
import { createOutboundClient, type OutboundClient } from '../outbound/http.js';
import { createModelClient, ModelError, type ModelClient } from './model.js';

const SCHEMA = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
const ask = { name: 'answer', schema: SCHEMA, system: 'Answer.', user: 'What?' };

function llm(url: string, extra: Partial<{ timeoutMs: number; embeddingModel: string; priceInput: number; priceOutput: number }> = {}) {
  return { baseUrl: url, model: 'fixture-model', timeoutMs: 10_000, concurrency: 2, ...extra };
}

describe('model client (against a local OpenAI-compatible fixture)', () => {
  let server: OpenAiFixture;
  let http: OutboundClient;
  let model: ModelClient;
  const work = (ms = 20_000) => {
    const usage = model.meter();
    return { deadline: Date.now() + ms, signal: new AbortController().signal, usage };
  };

  before(async () => {
    server = await startOpenAiFixture();
    http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'test' });
    model = createModelClient(llm(server.url, { embeddingModel: 'fixture-embed', priceInput: 1, priceOutput: 2 }), http)!;
  });
  after(async () => {
    await http.close();
    await server.close();
  });

  it('asks for structured output with the schema and counts the tokens and their cost', async () => {
    server.script({ json: { answer: 'yes' } });
    const w = work();
    assert.deepEqual(await model.json(ask, w), { answer: 'yes' });
    const sent = server.chats().at(-1)!.body;
    assert.equal(sent.response_format.type, 'json_schema');
    assert.deepEqual(sent.response_format.json_schema.schema, SCHEMA);
    assert.deepEqual(w.usage.snapshot(), { model: 'fixture-model', requests: 1, promptTokens: 100, completionTokens: 20, costUsd: (100 * 1 + 20 * 2) / 1e6 });
  });

  it('repairs a malformed answer once, then fails with a message naming the problem', async () => {
    server.script({ content: 'Sure! {"answer": oops}' }, { json: { answer: 'fixed' } });
    assert.deepEqual(await model.json(ask, work()), { answer: 'fixed' });
    const repair = server.chats().at(-1)!.body.messages;
    assert.equal(repair.at(-2).role, 'assistant');
    assert.match(repair.at(-1).content, /is not valid JSON/);

    server.script({ json: { nope: 1 } }, { content: '{still not json}' });
    await assert.rejects(
      model.json(ask, work()),
      (err: Error) => err instanceof ModelError && /unusable after one repair attempt: it is not valid JSON/.test(err.message),
    );
  });

  it('falls back to JSON mode when the server refuses json_schema, and remembers it', async () => {
    const other = await startOpenAiFixture();
    other.rejectJsonSchema = true;
    const plain = createModelClient(llm(other.url), http)!;
    other.script({ json: { answer: 'a' } }, { json: { answer: 'b' } });
    const w = { deadline: Date.now() + 20_000, signal: new AbortController().signal, usage: plain.meter() };
    assert.deepEqual(await plain.json(ask, w), { answer: 'a' });
    assert.deepEqual(await plain.json(ask, w), { answer: 'b' });
    assert.deepEqual(
      other.chats().map((r) => r.body.response_format?.type),
      ['json_schema', 'json_object', 'json_object'],
    );
    await other.close();
  });

  it('waits for Retry-After on a 429 and retries; refuses to wait past the deadline', async () => {
    const start = server.chats().length;
    server.script({ status: 429, headers: { 'retry-after': '1' } }, { json: { answer: 'after wait' } });
    assert.deepEqual(await model.json(ask, work()), { answer: 'after wait' });
    assert.equal(server.chats().length - start, 2);

    server.script({ status: 429, headers: { 'retry-after': '3600' } });
    const before = server.chats().length;
    await assert.rejects(model.json(ask, work()), /HTTP 429.*waiting 3600 s to retry would pass the work's deadline/);
    assert.equal(server.chats().length - before, 1, 'no retry was sent');
  });

  it('fails a hanging request with a message when its timeout passes', async () => {
    const quick = createModelClient(llm(server.url, { timeoutMs: 500 }), http)!;
    server.script({ hang: true });
    const w = { deadline: Date.now() + 20_000, signal: new AbortController().signal, usage: quick.meter() };
    await assert.rejects(quick.json(ask, w), /the model server did not answer within 1 s/);
  });

  it('returns embeddings in order', async () => {
    const vectors = await model.embed(['abc', 'zzz'], work());
    assert.equal(vectors.length, 2);
    assert.equal(vectors[0][0], 1);
    assert.equal(vectors[1][25], 3);
  });

  it('sends through the address guard: a loopback model server is refused unless allowed', async () => {
    const guarded = createOutboundClient({ allowNetworks: [], userAgent: 'test' });
    const refused = createModelClient(llm(server.url), guarded)!;
    const before = server.requests.length;
    const w = { deadline: Date.now() + 20_000, signal: new AbortController().signal, usage: refused.meter() };
    await assert.rejects(refused.json(ask, w), (err: Error) => err instanceof ModelError && /could not be reached.*(refused|loopback)/i.test(err.message));
    assert.equal(server.requests.length, before, 'nothing reached the server');
    await guarded.close();
  });
});

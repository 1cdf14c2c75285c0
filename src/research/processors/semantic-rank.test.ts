import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture, type OpenAiFixture } from '../../../test/fixtures/openai-server.js';
import { createOutboundClient, type OutboundClient } from '../../outbound/http.js';
import type { SourcedItem } from '../items/sourced-item.js';
import { createModelClient } from '../model.js';
import { semanticCandidates } from './semantic-rank.js';

const item = (title: string, summary: string): SourcedItem =>
  ({ title, summary, link: `http://127.0.0.1/${title}`, feedUrl: 'http://127.0.0.1/feed', feedTitle: null }) as SourcedItem;

// The fixture embeds a text as its letter counts: the same letters are the same vector.
describe('semantic candidates (embeddings)', () => {
  let server: OpenAiFixture;
  let http: OutboundClient;
  before(async () => {
    server = await startOpenAiFixture();
    http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'test' });
  });
  after(async () => {
    await http.close();
    await server.close();
  });
  const work = (model: { meter(): any }) => ({ deadline: Date.now() + 10_000, signal: new AbortController().signal, usage: model.meter() });

  it('drops near-duplicates and keeps the candidates closest to the query, in their order', async () => {
    const model = createModelClient({ baseUrl: server.url, model: 'm', embeddingModel: 'e', timeoutMs: 5_000, concurrency: 1 }, http)!;
    const funding = item('acme', 'acme raised money');
    const copy = item('acme', 'money raised acme');
    const unrelated = item('zz', 'zzz qqq xxx');
    const other = item('acme2', 'acme raised more money today');
    const chosen = await semanticCandidates(model, 'acme raised money', [funding, copy, unrelated, other], 2, work(model));
    assert.deepEqual(chosen, [funding, other], 'the copy is a near-duplicate of the first; the unrelated item is farthest from the query');
    assert.equal(server.requests.filter((r) => r.path.endsWith('/embeddings')).length, 1, 'one request embeds the query and every candidate');
  });

  it('ranks only the newest candidates, a few per item judged: one request stays small on a first look at a big page', async () => {
    const model = createModelClient({ baseUrl: server.url, model: 'm', embeddingModel: 'e', timeoutMs: 5_000, concurrency: 1 }, http)!;
    const items = Array.from({ length: 30 }, (_, i) => item(`t${i}`, `acme raised money ${'x'.repeat(i)}`));
    const before = server.requests.length;
    const chosen = await semanticCandidates(model, 'acme raised money', items, 2, work(model));
    const sent = server.requests.slice(before).find((r) => r.path.endsWith('/embeddings'))!;
    assert.equal(sent.body.input.length, 1 + 8, 'the query and the newest 4 × 2 candidates');
    assert.ok(
      chosen.every((c) => items.indexOf(c) >= 22),
      'chosen among the newest ranked',
    );
  });

  it('without an embedding model, or when embedding fails, judges the newest as before', async () => {
    const items = [item('a', 'acme raised money'), item('b', 'zzz'), item('c', 'qqq')];
    const plain = createModelClient({ baseUrl: server.url, model: 'm', timeoutMs: 5_000, concurrency: 1 }, http)!;
    assert.deepEqual(await semanticCandidates(plain, 'acme raised money', items, 2, work(plain)), items.slice(-2));
    const broken = createModelClient({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', embeddingModel: 'e', timeoutMs: 2_000, concurrency: 1 }, http)!;
    assert.deepEqual(await semanticCandidates(broken, 'acme raised money', items, 2, work(broken)), items.slice(-2));
  });
});

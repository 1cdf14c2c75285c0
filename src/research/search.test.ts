import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSearxFixture, type SearxFixture } from '../../test/fixtures/searxng-server.js';
import { ConfigError, loadConfig } from '../config.js';
import { createOutboundClient, type OutboundClient } from '../outbound/http.js';
import { createSearchClient, filterResults } from './search.js';

describe('web search (SearXNG-shaped fixture) and its configuration', () => {
  let searx: SearxFixture;
  let http: OutboundClient;
  before(async () => {
    searx = await startSearxFixture();
    http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'test' });
  });
  after(async () => {
    await http.close();
    await searx.close();
  });

  it('asks /search with format=json, narrows to one included domain, and filters by the source policy', async () => {
    searx.results = () => [
      { url: 'https://news.example/a', title: 'A', content: 'a', publishedDate: '2026-06-01T00:00:00Z' },
      { url: 'https://news.example/old', title: 'Old', content: 'o', publishedDate: '2020-01-01T00:00:00Z' },
      { url: 'https://other.example/b', title: 'B', content: 'b' },
    ];
    const client = createSearchClient(loadConfig({ VIGIL_SEARCH_URL: searx.url.replace(/\/search$/, '') }).search)!;
    const found = await client.search(http, 'funding news', {
      includeDomains: ['news.example'],
      afterDate: '2026-01-01',
      signal: new AbortController().signal,
    });
    assert.deepEqual(
      found.map((r) => r.url),
      ['https://news.example/a'],
    );
    assert.deepEqual(searx.queries, ['funding news site:news.example']);
    assert.deepEqual(filterResults(found, { excludeDomains: ['example'] }), []);
  });

  it('validates the model and search variables, naming them', () => {
    assert.throws(
      () => loadConfig({ VIGIL_LLM_BASE_URL: 'http://127.0.0.1:11434/v1' }),
      (e: Error) => e instanceof ConfigError && /VIGIL_LLM_MODEL/.test(e.message),
    );
    assert.throws(() => loadConfig({ VIGIL_SEARCH_URL: 'searx.local' }), /VIGIL_SEARCH_URL must be an absolute http\(s\) URL/);
    assert.throws(() => loadConfig({ VIGIL_LLM_PRICE_INPUT: '-1' }), /VIGIL_LLM_PRICE_INPUT must be a non-negative number/);
    assert.throws(() => loadConfig({ VIGIL_LLM_CONCURRENCY: '0' }), /VIGIL_LLM_CONCURRENCY must be an integer/);
    assert.equal(loadConfig({ VIGIL_SEARCH_URL: 'http://127.0.0.1:9/v1/search' }).search.kind, 'parallel');
    assert.equal(loadConfig({}).llm.timeoutMs, 60_000);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture, userText, type OpenAiFixture } from './fixtures/openai-server.js';
import { startSearxFixture, type SearxFixture } from './fixtures/searxng-server.js';
import { allEvents, apiFailure, startFixtureSite, startTestVigil, waitFor, type FixtureSite, type TestVigil } from './helpers.js';

const page = (title: string, text: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1><p>${text}</p></main></body></html>`;

const FUNDING = 'Acme AI, a two-year-old startup, raised a $40 million Series B led by Example Ventures on Monday.';
const ADVERT = 'Sign up for our newsletter about artificial intelligence and startups. Subscribe today.';

/**
 * The fixture model's judgement: an item is material when its text reports money raised; its
 * content is written from the text (the first sentence). Items are found by their `[i]` headers.
 */
function judge(body: any) {
  const text = userText(body);
  const items = [...text.matchAll(/^\[(\d+)\][^\n]*\n(?:[^\n]*\n)*?Text: ([^\n]*)/gm)].map((m) => ({ index: Number(m[1]), text: m[2] }));
  return {
    json: {
      items: items.map(({ index, text: itemText }) => ({
        index,
        relevant: /startup|AI/i.test(itemText),
        material: /raised/.test(itemText),
        confidence: 'high',
        reasoning: /raised/.test(itemText) ? 'Reports a funding round.' : 'A newsletter advertisement, no news.',
        ...(/raised/.test(itemText) ? { content: 'Acme AI raised a $40 million Series B led by Example Ventures.' } : {}),
      })),
    },
  };
}

describe('model-backed monitors (base) with web search', () => {
  let site: FixtureSite;
  let search: SearxFixture;
  let model: OpenAiFixture;
  let t: TestVigil;
  before(async () => {
    site = await startFixtureSite();
    search = await startSearxFixture();
    model = await startOpenAiFixture();
    model.handler = judge;
    site.set('/acme-series-b', page('Acme AI raises $40M', FUNDING), 'text/html');
    site.set('/newsletter', page('AI startup newsletter', ADVERT), 'text/html');
    // Dated now: after the monitor's creation, so its first execution reports them (as lite does for dated items).
    search.results = () => [
      { url: `${site.url}/acme-series-b`, title: 'Acme AI raises $40M', content: 'Acme AI raised…', publishedDate: new Date().toISOString() },
      { url: `${site.url}/newsletter`, title: 'AI startup newsletter', content: 'Subscribe…', publishedDate: new Date().toISOString() },
      { url: 'https://excluded.test/story', title: 'Excluded', content: 'raised', publishedDate: new Date().toISOString() },
    ];
    t = await startTestVigil({ VIGIL_SEARCH_URL: search.url, VIGIL_LLM_BASE_URL: model.url, VIGIL_LLM_MODEL: 'fixture-model', VIGIL_PARSE_TIMEOUT: '60s' });
  });
  after(async () => {
    await t.stop();
    await Promise.all([site.close(), search.close(), model.close()]);
  });

  it('"AI startup funding announcements": events cite the pages search returned, only those the model judged material', async () => {
    const monitor = await t.client.monitor.create({
      type: 'event_stream',
      frequency: '1d',
      processor: 'base',
      settings: { query: 'AI startup funding announcements', advanced_settings: { source_policy: { exclude_domains: ['excluded.test'] } } },
    });
    const events = await waitFor(
      async () => {
        const all = await allEvents(t.client, monitor.monitor_id, { include_completions: true });
        return all.length > 0 ? (all as any[]) : undefined;
      },
      90_000,
      'the creation run',
    );
    assert.deepEqual(
      events.map((e) => e.event_type),
      ['event_stream'],
      JSON.stringify(model.chats().map((c) => [userText(c.body), c.body.response_format?.type])) + JSON.stringify(events),
    );
    const [event] = events;
    assert.equal(event.output.content, 'Acme AI raised a $40 million Series B led by Example Ventures.');
    const [basis] = event.output.basis;
    assert.equal(basis.citations[0].url, `${site.url}/acme-series-b`);
    assert.match(basis.citations[0].excerpts[0], /raised a \$40 million Series B/);
    assert.equal(basis.reasoning, 'Reports a funding round.');
    assert.equal(basis.confidence, 'high');

    assert.deepEqual(search.queries, ['AI startup funding announcements']);
    const judged = userText(model.chats()[0].body);
    assert.match(judged, /Acme AI/);
    assert.doesNotMatch(judged, /excluded\.test/, 'an excluded domain never reaches the model');

    const res = await fetch(`${t.url}/v1/monitors/${monitor.monitor_id}/sources`, { headers: { 'x-api-key': t.apiKey } });
    const listed = (await res.json()).sources.map((s: any) => s.source).sort();
    assert.deepEqual(listed, [`${site.url}/acme-series-b`, `${site.url}/newsletter`]);

    const usage = await t.vigil.store.db.selectFrom('model_usage').selectAll().where('work_kind', '=', 'execution').execute();
    assert.equal(usage.length, 1);
    assert.equal(Number(usage[0].prompt_tokens), 100);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /vigil_model_tokens_total\{kind="prompt",work="execution"\} 100/);
  });

  it('fails an execution cleanly with a message when the model answers nonsense twice', async () => {
    site.set('/other-round', page('Beta Labs raises $5M', 'Beta Labs, an AI startup, raised $5 million in seed funding.'), 'text/html');
    search.results = () => [{ url: `${site.url}/other-round`, title: 'Beta Labs', content: 'raised', publishedDate: new Date().toISOString() }];
    model.script({ content: 'I think so' }, { content: 'Definitely material!' });
    const monitor = await t.client.monitor.create({ type: 'event_stream', frequency: '1d', processor: 'core' as any, settings: { query: 'AI seed rounds' } });
    const [event] = await waitFor(
      async () => {
        const all = await allEvents(t.client, monitor.monitor_id, { include_completions: true });
        return all.length > 0 ? (all as any[]) : undefined;
      },
      90_000,
      'the creation run',
    );
    assert.equal(event.event_type, 'error');
    assert.match(event.error_message, /unusable after one repair attempt/);
  });
});

describe('model-backed monitors without a model or search', () => {
  it('runs base as lite with a warning on the events page without a model; refuses a plain query without search, naming VIGIL_SEARCH_URL', async () => {
    const site = await startFixtureSite();
    const search = await startSearxFixture();
    site.set('/news', page('AI startup raises money', 'An AI startup raised $3 million for funding announcements tooling.'), 'text/html');
    search.results = () => [
      { url: `${site.url}/news`, title: 'AI startup funding announcements roundup', content: 'AI startup funding', publishedDate: new Date().toISOString() },
    ];
    const noModel = await startTestVigil({ VIGIL_SEARCH_URL: search.url, VIGIL_PARSE_TIMEOUT: '60s' });
    const noSearch = await startTestVigil();
    try {
      const monitor = await noModel.client.monitor.create({
        type: 'event_stream',
        frequency: '1d',
        processor: 'base',
        settings: { query: 'AI startup funding announcements' },
      });
      const events = await waitFor(
        async () => {
          const all = await allEvents(noModel.client, monitor.monitor_id, { include_completions: true });
          return all.length > 0 ? (all as any[]) : undefined;
        },
        90_000,
        'the creation run',
      );
      assert.equal(events[0].event_type, 'event_stream');
      assert.match(events[0].warnings.join(' '), /no model is configured \(VIGIL_LLM_BASE_URL, VIGIL_LLM_MODEL\): this execution ran as the lite processor/);
      assert.equal(events[0].output.basis[0].citations[0].url, `${site.url}/news`);

      const failure = await apiFailure(
        noSearch.client.monitor.create({
          type: 'event_stream',
          frequency: '1d',
          processor: 'base',
          settings: { query: 'AI startup funding announcements' },
        }),
      );
      assert.equal(failure.status, 422);
      assert.match(failure.message, /no source to watch.*VIGIL_SEARCH_URL/);
    } finally {
      await noModel.stop();
      await noSearch.stop();
      await site.close();
      await search.close();
    }
  });
});

// FindAll with a model and web search (issue 17 item 5), against a local OpenAI-compatible fixture
// and a SearXNG-shaped fixture answering from scripts, and the FindAll fixture site's pages.
// Network rule: every request goes to 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Parallel from 'parallel-web';
import { liteFindAll } from '../src/research/findall/lite.js';
import { startFindAllSite, type FindAllSite } from './fixtures/findall-site.js';
import { startOpenAiFixture, userText, type ChatAnswer, type OpenAiFixture } from './fixtures/openai-server.js';
import { startSearxFixture, type SearxFixture } from './fixtures/searxng-server.js';
import { openStore } from '../src/store/db.js';
import { sdkClient, spawnServer, startTestVigil, tempDir, testDatabase, waitFor, type ServerProcess, type TestVigil } from './helpers.js';

const CONDITIONS = [
  { name: 'based_in_berlin', description: 'The company is based in Berlin' },
  { name: 'raised_series_a', description: 'The company raised a Series A' },
];
const INVENTED_EXCERPT = 'Rhein Cloud is headquartered in Berlin';

/** Which structured answer a chat request asks for (the json_schema name Vigil sends). */
const schemaOf = (body: any): string => body?.response_format?.json_schema?.name ?? '';

/** The candidate a judge request is about ("Question: Does <name>, one of …"). */
const judgedName = (body: any): string => /^Question: Does (.+?), one of/m.exec(userText(body))?.[1] ?? '';

/** The one search query the scripted model writes for an objective. */
const queryFor = (objective: string) => `startups: ${objective}`;

/**
 * The scripted model. Queries: one. Candidates: every name the page links (or the page's own name
 * from its title), plus one the page never mentions. Verdicts: a condition holds when a passage
 * carries its words, quoted as evidence; for Rhein Cloud it claims Berlin with an invented quote.
 */
function scriptedModel(body: any): ChatAnswer {
  const text = userText(body);
  if (schemaOf(body) === 'findall_queries') return { json: { queries: [queryFor(/^Objective: (.*)$/m.exec(text)![1])] } };
  if (schemaOf(body) === 'findall_candidates') {
    const linked = [...text.matchAll(/^- (.+): https?:\/\/\S+$/gm)].map((m) => m[1]);
    const own = /^Page: \S+ \((.+?) —/m.exec(text)?.[1];
    const names = linked.length > 0 ? linked : own ? [own] : [];
    return { json: { candidates: [...names, 'Invented Robotics'].map((name) => ({ name, description: `${name}, from the page.` })) } };
  }
  const name = judgedName(body);
  const units = text
    .split(/\n\nUnit /)
    .slice(1)
    .map((block) => {
      const [head, ...lines] = block.split('\n');
      return { id: head.slice(0, head.indexOf(':')), passages: lines.filter((l) => l.startsWith('- ')).map((l) => l.slice(2)) };
    });
  return {
    json: {
      verdicts: units.map(({ id, passages }) => {
        if (name === 'Rhein Cloud' && id === 'based_in_berlin') {
          return { id, verdict: 'yes', confidence: 'high', reasoning: 'The page says Berlin.', evidence: [INVENTED_EXCERPT] };
        }
        const found = passages.find((p) => (id === 'based_in_berlin' ? /\bBerlin\b/.test(p) && !/\bnot\b/.test(p) : /Series A/.test(p)));
        return found
          ? { id, verdict: 'yes', confidence: 'high', reasoning: 'A passage says so.', evidence: [found] }
          : { id, verdict: 'no', confidence: 'high', reasoning: 'No passage says so.', evidence: [] };
      }),
    },
  };
}

/** Every event of a run's stream until it closes (the run is terminal and all is sent). */
async function runToEnd(client: Parallel, id: string): Promise<any[]> {
  const events: any[] = [];
  for await (const event of await client.beta.findall.events(id)) events.push(event);
  return events;
}

const pageText = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describe('FindAll with a model and web search', () => {
  let site: FindAllSite;
  let search: SearxFixture;
  let model: OpenAiFixture;
  let t: TestVigil;
  before(async () => {
    site = await startFindAllSite();
    search = await startSearxFixture();
    model = await startOpenAiFixture();
    model.handler = scriptedModel;
    t = await startTestVigil({
      VIGIL_SEARCH_URL: search.url,
      VIGIL_LLM_BASE_URL: model.url,
      VIGIL_LLM_MODEL: 'fixture-model',
      VIGIL_LLM_TIMEOUT: '2s',
      VIGIL_PARSE_TIMEOUT: '60s',
    });
  });
  after(async () => {
    await t.stop();
    await Promise.all([site.close(), search.close(), model.close()]);
  });

  it('generates candidates only from the pages search returned, matches only what the verdicts support, cites evidence on the page, counts usage', async () => {
    search.results = () => [
      { url: `${site.url}/lists/listing`, title: 'New companies', content: 'Five companies' },
      { url: site.companyUrl('acme-robotics'), title: 'Acme Robotics', content: 'Acme Robotics' },
    ];
    const chatsBefore = model.chats().length;
    const objective = 'Find AI companies in Berlin that raised a Series A';
    const run = await t.client.beta.findall.create({
      objective,
      entity_type: 'companies',
      match_conditions: CONDITIONS,
      generator: 'base',
      match_limit: 5,
      exclude_list: [{ name: 'Havel Foods', url: site.companyUrl('havel-foods') }],
    });
    const events = await runToEnd(t.client, run.findall_id);
    const result = await t.client.beta.findall.result(run.findall_id);
    const chats = model.chats().slice(chatsBefore);

    assert.deepEqual(search.queries, [queryFor(objective)], 'the query the model wrote was searched');
    const listed = ['acme-robotics', 'nordwind-ai', 'quantwerk', 'rhein-cloud'];
    // The listing's five minus the excluded one; Acme's own page (found again) and the invented name add none.
    assert.deepEqual(result.candidates.map((c) => c.url).sort(), listed.map((slug) => site.companyUrl(slug)).sort());
    assert.equal(events.filter((e) => e.type === 'findall.candidate.generated').length, 4, 'each candidate generated once');
    assert.ok(!chats.some((c) => judgedName(c.body) === 'Havel Foods'), 'an excluded entity is never judged');

    const matched = result.candidates
      .filter((c) => c.match_status === 'matched')
      .map((c) => c.name)
      .sort();
    assert.deepEqual(matched, ['Acme Robotics', 'Nordwind AI']);
    assert.equal(result.run.status.termination_reason, 'candidates_exhausted');
    assert.equal((result.run as any).warnings, undefined, 'a run with model and search carries no warning');
    for (const candidate of result.candidates.filter((c) => c.match_status === 'matched')) {
      const text = pageText(await (await fetch(candidate.url)).text());
      for (const basis of candidate.basis!) {
        assert.equal(basis.citations![0].url, candidate.url);
        assert.ok(basis.citations![0].excerpts!.length > 0);
        for (const excerpt of basis.citations![0].excerpts!) assert.ok(text.includes(excerpt), `"${excerpt}" occurs on ${candidate.url}`);
      }
      assert.deepEqual(
        Object.values(candidate.output!).map((o: any) => o.is_matched),
        [true, true],
      );
    }
    const rhein = result.candidates.find((c) => c.name === 'Rhein Cloud')!;
    assert.equal(rhein.match_status, 'unmatched', 'a yes whose evidence is not on the page is no match');
    const berlin = rhein.basis!.find((b) => b.field === 'based_in_berlin')!;
    assert.equal(berlin.confidence, 'low');
    assert.deepEqual(berlin.citations![0].excerpts, []);
    assert.match(berlin.reasoning, /none of the evidence the model cited occurs/);

    // base: one judge pass per candidate.
    const judgeCalls = chats.filter((c) => schemaOf(c.body) === 'unit_verdicts');
    assert.deepEqual(judgeCalls.map((c) => judgedName(c.body)).sort(), ['Acme Robotics', 'Nordwind AI', 'Quantwerk GmbH', 'Rhein Cloud']);

    const usage = await t.vigil.store.db
      .selectFrom('model_usage')
      .selectAll()
      .where('work_kind', '=', 'findall_run')
      .where('work_id', '=', run.findall_id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(usage.requests), chats.length);
    assert.equal(Number(usage.prompt_tokens), chats.length * model.usage.prompt_tokens);
  });

  it('passes follow the generator: pro judges each candidate twice', async () => {
    search.results = () => [{ url: site.companyUrl('nordwind-ai'), title: 'Nordwind AI', content: 'Nordwind AI' }];
    const chatsBefore = model.chats().length;
    const run = await t.client.beta.findall.create({
      objective: 'Find Berlin AI companies with a Series A',
      entity_type: 'companies',
      match_conditions: CONDITIONS,
      generator: 'pro',
      match_limit: 5,
    });
    await runToEnd(t.client, run.findall_id);
    const result = await t.client.beta.findall.result(run.findall_id);
    assert.deepEqual(
      result.candidates.map((c) => [c.name, c.match_status]),
      [['Nordwind AI', 'matched']],
    );
    const judged = model
      .chats()
      .slice(chatsBefore)
      .filter((c) => schemaOf(c.body) === 'unit_verdicts');
    assert.deepEqual(
      judged.map((c) => judgedName(c.body)),
      ['Nordwind AI', 'Nordwind AI'],
    );
  });

  it('a malformed verdict is repaired; one unusable twice, or a hang, discards that candidate and the run goes on', async () => {
    search.results = () => [{ url: `${site.url}/lists/listing`, title: 'New companies', content: 'Five companies' }];
    const seen = new Map<string, number>();
    model.handler = (body) => {
      const name = judgedName(body);
      if (schemaOf(body) !== 'unit_verdicts' || !['Acme Robotics', 'Quantwerk GmbH', 'Nordwind AI'].includes(name)) return scriptedModel(body);
      const count = (seen.get(name) ?? 0) + 1;
      seen.set(name, count);
      if (name === 'Nordwind AI') return { hang: true };
      if (name === 'Quantwerk GmbH' || count === 1) return { content: '{"verdicts": [oops' };
      return scriptedModel(body);
    };
    try {
      const run = await t.client.beta.findall.create({
        objective: 'Find AI startups in Berlin that raised a Series A',
        entity_type: 'companies',
        match_conditions: CONDITIONS,
        generator: 'base',
        match_limit: 5,
      });
      await runToEnd(t.client, run.findall_id);
      const result = await t.client.beta.findall.result(run.findall_id);
      assert.equal(result.run.status.status, 'completed');
      const statuses = Object.fromEntries(result.candidates.map((c) => [c.name, c.match_status]));
      assert.deepEqual(statuses, {
        'Acme Robotics': 'matched',
        'Nordwind AI': 'discarded',
        'Quantwerk GmbH': 'discarded',
        'Havel Foods': 'unmatched',
        'Rhein Cloud': 'unmatched',
      });
      assert.deepEqual(Object.fromEntries(seen), { 'Acme Robotics': 2, 'Quantwerk GmbH': 2, 'Nordwind AI': 1 }, 'one repair each, a hang is not retried');
    } finally {
      model.handler = scriptedModel;
    }
  });

  it("ingest: the model reads the objective (repaired once when malformed); an unusable answer gives lite's parse", async () => {
    const objective = 'Find AI companies in Berlin that raised a Series A in 2024';
    model.script(
      { content: '{"entity_type": "Companies", "match_conditions": [' },
      {
        json: {
          entity_type: 'Companies',
          match_conditions: [
            { name: 'Based in Berlin', description: 'The company is based in Berlin.' },
            { name: 'based in berlin', description: 'Its office is in Berlin.' },
          ],
        },
      },
    );
    const schema = await t.client.beta.findall.ingest({ objective });
    assert.deepEqual(schema, {
      objective,
      entity_type: 'companies',
      match_conditions: [
        { name: 'based_in_berlin', description: 'The company is based in Berlin.' },
        { name: 'based_in_berlin_2', description: 'Its office is in Berlin.' },
      ],
    });
    model.script({ content: 'companies, I think' }, { json: { entity_type: 'companies', match_conditions: [] } });
    assert.deepEqual(await t.client.beta.findall.ingest({ objective }), liteFindAll.ingest(objective));
  });
});

describe('FindAll with a model that hangs', () => {
  it('a model that never answers does not keep the run past VIGIL_FINDALL_TIMEOUT', { timeout: 120_000 }, async () => {
    const site = await startFindAllSite();
    const search = await startSearxFixture();
    const model = await startOpenAiFixture();
    model.handler = (body) => (schemaOf(body) === 'unit_verdicts' ? { hang: true } : scriptedModel(body));
    search.results = () => [{ url: `${site.url}/lists/listing`, title: 'New companies', content: 'Five companies' }];
    const t = await startTestVigil({
      VIGIL_SEARCH_URL: search.url,
      VIGIL_LLM_BASE_URL: model.url,
      VIGIL_LLM_MODEL: 'fixture-model',
      VIGIL_LLM_TIMEOUT: '10m',
      VIGIL_FINDALL_TIMEOUT: '3s',
    });
    try {
      const run = await t.client.beta.findall.create({
        objective: 'Find AI companies in Berlin that raised a Series A',
        entity_type: 'companies',
        match_conditions: CONDITIONS,
        generator: 'base',
        match_limit: 5,
      });
      const events = await runToEnd(t.client, run.findall_id);
      assert.deepEqual([events.at(-1).data.status.status, events.at(-1).data.status.termination_reason], ['completed', 'timeout']);
      assert.ok(
        model.chats().some((c) => schemaOf(c.body) === 'unit_verdicts'),
        'a judge request was hanging when the run timed out',
      );
    } finally {
      await t.stop();
      await Promise.all([site.close(), search.close(), model.close()]);
    }
  });
});

describe('FindAll without a model, or without search', () => {
  it('runs as lite with a warning without a model; generates as lite with a warning without search', async () => {
    const site = await startFindAllSite();
    const search = await startSearxFixture();
    const model = await startOpenAiFixture();
    model.handler = scriptedModel;
    const noModel = await startTestVigil({ VIGIL_SEARCH_URL: search.url, VIGIL_PARSE_TIMEOUT: '60s' });
    const noSearch = await startTestVigil({ VIGIL_LLM_BASE_URL: model.url, VIGIL_LLM_MODEL: 'fixture-model', VIGIL_PARSE_TIMEOUT: '60s' });
    try {
      const body = {
        objective: `Find AI companies in Berlin that raised a Series A, listed on ${site.url}/lists/listing`,
        entity_type: 'companies',
        match_conditions: CONDITIONS,
        generator: 'core' as const,
        match_limit: 5,
      };
      const lite = await noModel.client.beta.findall.create(body);
      await runToEnd(noModel.client, lite.findall_id);
      const liteResult = await noModel.client.beta.findall.result(lite.findall_id);
      assert.equal(liteResult.run.status.status, 'completed');
      assert.equal(liteResult.candidates.length, 5);
      assert.match((liteResult.run as any).warnings[0].message, /^no model is configured \(VIGIL_LLM_BASE_URL, VIGIL_LLM_MODEL\): this run ran as lite/);
      assert.deepEqual(search.queries, [], 'lite does not search');

      const judged = await noSearch.client.beta.findall.create(body);
      await runToEnd(noSearch.client, judged.findall_id);
      const judgedResult = await noSearch.client.beta.findall.result(judged.findall_id);
      assert.match((judgedResult.run as any).warnings[0].message, /^no web search is configured \(VIGIL_SEARCH_URL\)/);
      assert.equal(judgedResult.candidates.length, 5);
      assert.equal(model.chats().filter((c) => schemaOf(c.body) === 'unit_verdicts').length, 5, 'the model judged every candidate');
      assert.deepEqual(
        judgedResult.candidates
          .filter((c) => c.match_status === 'matched')
          .map((c) => c.name)
          .sort(),
        ['Acme Robotics', 'Nordwind AI'],
      );
    } finally {
      await Promise.all([noModel.stop(), noSearch.stop()]);
      await Promise.all([site.close(), search.close(), model.close()]);
    }
  });
});

describe('FindAll with a model across a crash', () => {
  it('continues a model-backed run after kill -9 and restart: each candidate generated and judged once; usage committed', { timeout: 300_000 }, async () => {
    const site = await startFindAllSite();
    const search = await startSearxFixture();
    const model = await startOpenAiFixture();
    model.handler = scriptedModel;
    search.results = () => [{ url: `${site.url}/`, title: 'Startup directory', content: 'Twelve startups' }];
    for (const company of site.companies) site.site.delay(`/companies/${company.slug}`, 300);
    const dir = tempDir();
    const database = await testDatabase(dir.path);
    const env = {
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: 'findall-model-crash',
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_POLL_INTERVAL: '200ms',
      VIGIL_LEASE_DURATION: '2s',
      VIGIL_SEARCH_URL: search.url,
      VIGIL_LLM_BASE_URL: model.url,
      VIGIL_LLM_MODEL: 'fixture-model',
    };
    const servers: ServerProcess[] = [];
    const spawnOne = async () => {
      const server = await spawnServer(env, { startTimeoutMs: 90_000 });
      servers.push(server);
      return server;
    };
    try {
      const first = await spawnOne();
      const client = sdkClient(first.url, 'findall-model-crash');
      const run = await client.beta.findall.create({
        objective: 'Find AI companies in Berlin that raised a Series A',
        entity_type: 'companies',
        match_conditions: CONDITIONS,
        generator: 'base',
        match_limit: 20,
      });
      const before = await waitFor(
        async () => {
          const metrics = (await client.beta.findall.retrieve(run.findall_id)).status.metrics;
          return metrics.generated_candidates_count! >= 3 ? metrics : undefined;
        },
        60_000,
        'three candidates',
      );
      first.child.kill('SIGKILL');
      await first.exited;
      assert.ok(before.generated_candidates_count! < site.companies.length, 'killed while the run was producing');

      const second = await spawnOne();
      const again = sdkClient(second.url, 'findall-model-crash');
      const events = await runToEnd(again, run.findall_id);
      assert.equal(events.at(-1).data.status.status, 'completed', JSON.stringify(events.at(-1)));
      const byType = (type: string) => events.filter((e) => e.type === type).map((e) => e.data.candidate_id);
      const generated = byType('findall.candidate.generated');
      const judged = [...byType('findall.candidate.matched'), ...byType('findall.candidate.unmatched'), ...byType('findall.candidate.discarded')];
      assert.equal(generated.length, site.companies.length, 'every company on the page searched is a candidate');
      assert.equal(new Set(generated).size, generated.length, 'none generated twice');
      assert.deepEqual([...judged].sort(), [...generated].sort(), 'each judged exactly once');
      const result = await again.beta.findall.result(run.findall_id);
      assert.deepEqual(
        result.candidates
          .filter((c) => c.match_status === 'matched')
          .map((c) => c.name)
          .sort(),
        ['Acme Robotics', 'Kreuzberg Bikes', 'Nordwind AI', 'Spree Analytics'],
      );

      const store = await openStore(database.url);
      try {
        const usage = await store.db.selectFrom('model_usage').selectAll().where('work_id', '=', run.findall_id).executeTakeFirstOrThrow();
        assert.equal(usage.work_kind, 'findall_run');
        // What the killed worker spent after its last commit is lost with it; nothing is counted twice.
        assert.ok(Number(usage.requests) > 0 && Number(usage.requests) <= model.chats().length, `${usage.requests} of ${model.chats().length}`);
      } finally {
        await store.close();
      }
    } finally {
      for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exited));
      await database.drop();
      dir.remove();
      await Promise.all([site.close(), search.close(), model.close()]);
    }
  });
});

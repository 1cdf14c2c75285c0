// Network rule: every request goes to the fixture site on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFindAllSite, type FindAllSite } from '../../../test/fixtures/findall-site.js';
import { generateCandidates, MAX_GENERATION_PAGES } from './generate.js';
import type { CandidateSeed, FindAllSpec, ResearchContext } from './seam.js';
import { testResearchContext } from './test-context.js';

let site: FindAllSite;
const ctx: ResearchContext = testResearchContext();
before(async () => {
  site = await startFindAllSite();
});
after(() => site.close());

const spec = (over: Partial<FindAllSpec>): FindAllSpec => ({
  objective: 'Find AI companies in Berlin',
  entity_type: 'companies',
  match_conditions: [{ name: 'based_in_berlin', description: 'Company is based in Berlin' }],
  exclude_list: [],
  sources: [],
  ...over,
});

async function seeds(s: FindAllSpec, context = ctx): Promise<CandidateSeed[]> {
  const out: CandidateSeed[] = [];
  for await (const seed of generateCandidates(s, context)) out.push(seed);
  return out;
}
const slugs = (list: CandidateSeed[]) => list.map((s) => s.url.replace(`${site.url}/companies/`, '').replace(`${site.url}/c/`, 'c/').replace(/\?.*$/, ''));

describe('generation from each kind of source', () => {
  it('a table: a row per company, its name and link', async () => {
    const found = await seeds(spec({ sources: [`${site.url}/lists/table`] }));
    assert.deepEqual(
      found.map((s) => s.name),
      site.companies.slice(0, 6).map((c) => c.name),
    );
    assert.deepEqual(found[0], {
      key: site.companyUrl('acme-robotics'),
      name: 'Acme Robotics',
      url: site.companyUrl('acme-robotics'),
      description: 'City: Berlin; Sector: AI robotics',
    });
  });

  it('a JSON-LD ItemList', async () => {
    const found = await seeds(spec({ sources: [`${site.url}/lists/itemlist`] }));
    assert.deepEqual(
      slugs(found),
      site.companies.slice(3, 9).map((c) => c.slug),
    );
  });

  it('a listing page: entry links with their summaries', async () => {
    const found = await seeds(spec({ objective: `Companies listed on ${site.url}/lists/listing` }));
    assert.deepEqual(
      found.map((s) => s.name),
      ['Acme Robotics', 'Nordwind AI', 'Quantwerk GmbH', 'Havel Foods', 'Rhein Cloud'],
    );
    assert.equal(found[0].description, 'Acme Robotics builds AI for warehouse robots.');
  });

  it('a feed, its tracking parameters left out of the key', async () => {
    const found = await seeds(spec({ sources: [`${site.url}/feed.xml`] }));
    assert.deepEqual(
      found.map((s) => s.key),
      ['rhein-cloud', 'nordwind-ai', 'acme-robotics'].map((slug) => site.companyUrl(slug)),
    );
  });

  it('a JSON endpoint: an array of objects with name and url', async () => {
    const found = await seeds(spec({ sources: [`${site.url}/api/companies.json`] }));
    assert.deepEqual(
      found.map((s) => [s.name, s.description]),
      [
        ['Acme Robotics GmbH', 'Warehouse robots.'],
        ['Spree Analytics', 'AI analytics.'],
        ['Havel Foods', 'Organic bread.'],
      ],
    );
  });

  it('a table without a name column gives only the rows that link somewhere', async () => {
    site.site.set(
      '/lists/mixed',
      `<html><body><main><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>$10</td></tr>
      <tr><td><a href="/companies/havel-foods">Havel Foods</a></td><td>$5M</td></tr></table></main></body></html>`,
      'text/html',
    );
    const found = await seeds(spec({ sources: [`${site.url}/lists/mixed`] }));
    assert.deepEqual(
      found.map((s) => s.name),
      ['Havel Foods'],
    );
  });

  it("a company's own page gives the company (its JSON-LD Organization)", async () => {
    const found = await seeds(spec({ sources: [site.companyUrl('quantwerk')] }));
    assert.deepEqual(
      found.map((s) => [s.key, s.name]),
      [[site.companyUrl('quantwerk'), 'Quantwerk']],
    );
  });
});

describe('deduplication, exclusion, order', () => {
  it('one candidate per entity across kinds: by canonical URL and by normalised name', async () => {
    // The directory (table + ItemList, and the feed it advertises), the listing and the JSON endpoint.
    const found = await seeds(
      spec({
        objective: `Find AI companies in Berlin listed on ${site.url}/`,
        sources: [`${site.url}/lists/listing`, `${site.url}/api/companies.json`, `${site.url}/lists/table`],
      }),
    );
    assert.deepEqual(
      slugs(found),
      site.companies.map((c) => c.slug),
    );
    assert.equal(new Set(found.map((s) => s.key)).size, 12);
    assert.equal(site.site.hits('/feed.xml') > 0, true, 'the advertised feed was read');
    // The directory's own JSON-LD Organization is not a candidate.
    assert.equal(
      found.some((s) => s.name === 'Startup Directory'),
      false,
    );
  });

  it('exclude_list by URL (any canonical form) or by name, case-insensitively', async () => {
    const found = await seeds(
      spec({
        sources: [`${site.url}/`],
        exclude_list: [
          { name: 'whatever', url: `${site.companyUrl('acme-robotics')}/?utm_source=x` },
          { name: 'NORDWIND AI', url: '' },
          { name: 'Quantwerk GmbH', url: 'https://elsewhere.test/q' },
        ],
      }),
    );
    assert.deepEqual(slugs(found).slice(0, 3), ['spree-analytics', 'isar-logistics', 'lumen-health']);
    assert.equal(found.length, 9);
    assert.equal(
      found.some((s) => /acme|nordwind|quantwerk/i.test(s.name)),
      false,
    );
  });

  it('the same pages give the same seeds with the same keys, in the same order', async () => {
    const s = spec({ sources: [`${site.url}/lists/listing`, `${site.url}/`, `${site.url}/api/companies.json`] });
    const first = await seeds(s);
    const second = await seeds(s);
    assert.deepEqual(second, first);
    assert.equal(first.length, 12);
  });

  it('a source that cannot be read is skipped; the others still give candidates', async () => {
    site.site.fail('/lists/broken', 503);
    const found = await seeds(spec({ sources: [`${site.url}/lists/broken`, `${site.url}/nowhere`, `${site.url}/feed.xml`] }));
    assert.equal(found.length, 3);
  });
});

describe('limits', () => {
  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const context = { ...ctx, signal: controller.signal };
    const found: CandidateSeed[] = [];
    for await (const seed of generateCandidates(spec({ sources: [`${site.url}/`, `${site.url}/lists/listing`] }), context)) {
      found.push(seed);
      if (found.length === 2) controller.abort();
    }
    assert.equal(found.length, 2);
  });

  it(`reads at most ${MAX_GENERATION_PAGES} pages`, async () => {
    site.site.set('/lists/capped', '<html><body><p>Nothing here.</p></body></html>', 'text/html');
    const sources = Array.from({ length: MAX_GENERATION_PAGES + 10 }, (_, i) => `${site.url}/lists/capped?page=${i}`);
    await seeds(spec({ sources }));
    assert.equal(site.site.hits('/lists/capped'), MAX_GENERATION_PAGES);
  });
});

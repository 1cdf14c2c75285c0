// Network rule: every request goes to the fixture site on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFindAllSite, type FindAllSite } from '../../../test/fixtures/findall-site.js';
import type { OutputSpec } from '../../domain/task.js';
import { enrichCandidate } from './enrich.js';
import type { CandidateSeed, ResearchContext } from './seam.js';
import { testResearchContext } from './test-context.js';

let site: FindAllSite;
const ctx: ResearchContext = testResearchContext();
before(async () => {
  site = await startFindAllSite();
});
after(() => site.close());

const seed = (slug: string): CandidateSeed => ({ key: site.companyUrl(slug), name: slug, url: site.companyUrl(slug), description: null });
const schema: OutputSpec = {
  type: 'json',
  json_schema: {
    type: 'object',
    properties: {
      ceo: { type: 'string', description: 'Chief executive' },
      city: { type: 'string', description: 'City of the headquarters' },
      founding_date: { type: 'string' },
      employees: { type: 'integer', description: 'Number of employees' },
      stock_ticker: { type: 'string' },
    },
  },
};

describe('enriching a matched candidate from its page', () => {
  it('fills the schema with the task extractor: text values of type enrichment, each with its basis', async () => {
    const enrichment = await enrichCandidate(seed('acme-robotics'), schema, ctx);
    assert.deepEqual(enrichment.output, {
      ceo: { value: 'Jane Doe', type: 'enrichment' },
      city: { value: 'Berlin', type: 'enrichment' },
      founding_date: { value: '2021', type: 'enrichment' },
      employees: { value: '45', type: 'enrichment' },
      stock_ticker: { value: '', type: 'enrichment' },
    });
    assert.deepEqual(
      enrichment.basis.map((b) => b.field),
      ['ceo', 'city', 'founding_date', 'employees', 'stock_ticker'],
    );
    const city = enrichment.basis.find((b) => b.field === 'city')!;
    assert.equal(city.citations[0].url, site.companyUrl('acme-robotics'));
    assert.deepEqual(city.citations[0].excerpts, ['Organization.address.addressLocality: Berlin']);
    assert.match(enrichment.basis.find((b) => b.field === 'stock_ticker')!.reasoning, /^Not found/);
  });

  it('a page that cannot be read: every field empty, its basis saying why', async () => {
    const enrichment = await enrichCandidate(seed('mitte-security'), schema, ctx);
    assert.deepEqual(
      Object.values(enrichment.output).map((v) => v.value),
      ['', '', '', '', ''],
    );
    assert.match(enrichment.basis[0].reasoning, /could not be read \(answered HTTP 500\)/);
    assert.equal(enrichment.basis[0].confidence, 'low');
  });
});

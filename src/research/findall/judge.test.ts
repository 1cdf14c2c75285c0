// Network rule: every request goes to the fixture site on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOutboundClient } from '../../outbound/http.js';
import { startFindAllSite, type FindAllSite } from '../../../test/fixtures/findall-site.js';
import type { Evidence } from './evidence.js';
import { ingestObjective } from './ingest.js';
import { decide, judgeCandidate } from './judge.js';
import type { CandidateSeed, FindAllSpec, ResearchContext } from './seam.js';
import { testResearchContext } from './test-context.js';

let site: FindAllSite;
const ctx: ResearchContext = testResearchContext();
before(async () => {
  site = await startFindAllSite();
});
after(() => site.close());

const spec = (): FindAllSpec => ({ ...ingestObjective('Find AI companies in Berlin that raised a Series A in 2024'), exclude_list: [], sources: [] });
const seed = (slug: string): CandidateSeed => {
  const company = site.companies.find((c) => c.slug === slug)!;
  return { key: site.companyUrl(slug), name: company.name, url: site.companyUrl(slug), description: null };
};

describe('judging a candidate on its own page', () => {
  it('matched: every condition decided by a passage, cited in its basis', async () => {
    const judgement = await judgeCandidate(seed('acme-robotics'), spec(), ctx);
    assert.equal(judgement.matched, true);
    assert.deepEqual(judgement.output, {
      ai_company: { value: 'Acme Robotics builds AI for warehouse robots.', type: 'match_condition', is_matched: true },
      based_in_berlin: { value: 'Headquartered in Berlin, Germany.', type: 'match_condition', is_matched: true },
      raised_series_a_2024: { value: 'Acme Robotics raised a $12M Series A in March 2024.', type: 'match_condition', is_matched: true },
    });
    assert.deepEqual(
      judgement.basis.map((b) => b.field),
      ['ai_company', 'based_in_berlin', 'raised_series_a_2024'],
    );
    for (const basis of judgement.basis) {
      assert.equal(basis.citations.length, 1);
      assert.equal(basis.citations[0].url, site.companyUrl('acme-robotics'));
      assert.equal(basis.citations[0].title, 'Acme Robotics — company profile');
      assert.deepEqual(basis.citations[0].excerpts, [judgement.output[basis.field].value]);
      assert.match(basis.reasoning, /carries/);
      assert.ok(basis.confidence === 'high' || basis.confidence === 'medium');
    }
  });

  it('unmatched: one condition without evidence is enough, and says where it looked', async () => {
    const judgement = await judgeCandidate(seed('spree-analytics'), spec(), ctx);
    assert.equal(judgement.matched, false);
    assert.equal(judgement.output.ai_company.is_matched, true);
    assert.equal(judgement.output.based_in_berlin.is_matched, true);
    assert.deepEqual(judgement.output.raised_series_a_2024, {
      value: `no evidence found on ${site.companyUrl('spree-analytics')}`,
      type: 'match_condition',
      is_matched: false,
    });
    const basis = judgement.basis.find((b) => b.field === 'raised_series_a_2024')!;
    assert.equal(basis.confidence, 'low');
    assert.match(basis.reasoning, /"series_a", "2024"/);
  });

  it('a negated passage decides against the condition and is cited', async () => {
    const judgement = await judgeCandidate(seed('tiergarten-labs'), spec(), ctx);
    assert.equal(judgement.matched, false);
    const verdict = judgement.output.based_in_berlin;
    assert.equal(verdict.is_matched, false);
    assert.equal(verdict.value, 'Tiergarten Labs is not based in Berlin any more; it moved to Vienna in 2022.');
    assert.match(judgement.basis.find((b) => b.field === 'based_in_berlin')!.reasoning, /negates/);
  });

  it('a page that fails to load: every condition unmatched, saying why, without a throw', async () => {
    const judgement = await judgeCandidate(seed('mitte-security'), spec(), ctx);
    assert.equal(judgement.matched, false);
    for (const verdict of Object.values(judgement.output)) {
      assert.equal(verdict.is_matched, false);
      assert.equal(verdict.value, `could not read ${site.companyUrl('mitte-security')}: answered HTTP 500`);
    }
    assert.equal(judgement.basis.length, 3);
    const missing = await judgeCandidate({ ...seed('acme-robotics'), url: `${site.url}/companies/gone` }, spec(), ctx);
    assert.match(missing.output.ai_company.value, /answered HTTP 404/);
  });

  it('a page over the parse limits, or at an address the outbound client refuses, is a page that fails to load', async () => {
    site.site.set('/companies/deep', `<html><body>${'<div>'.repeat(600)}Based in Berlin${'</div>'.repeat(600)}</body></html>`, 'text/html');
    const deep = await judgeCandidate({ ...seed('acme-robotics'), url: `${site.url}/companies/deep` }, spec(), ctx);
    assert.equal(deep.matched, false);
    assert.match(deep.output.based_in_berlin.value, /^could not read .*nests/);
    // Loopback not allowed: the guard refuses the fixture site (no request leaves for anywhere else).
    const guarded = { ...ctx, http: createOutboundClient({ allowNetworks: [], userAgent: 'vigil-test/1' }) };
    try {
      const refused = await judgeCandidate(seed('acme-robotics'), spec(), guarded);
      assert.equal(refused.matched, false);
      assert.match(refused.output.ai_company.value, /^could not read /);
      assert.equal(refused.basis[0].confidence, 'low');
    } finally {
      await guarded.http.close();
    }
  });

  it('a candidate known only by name is judged on the passages of its list page that name it', async () => {
    site.site.set(
      '/lists/names',
      '<html><body><main><p>Zeta Systems builds AI tools in Berlin.</p><p>Omega Works is based in Berlin.</p></main></body></html>',
      'text/html',
    );
    const candidate = { key: 'name:omega works', name: 'Omega Works', url: `${site.url}/lists/names`, description: null };
    const judgement = await judgeCandidate(candidate, spec(), ctx);
    assert.equal(judgement.output.based_in_berlin.value, 'Omega Works is based in Berlin.');
    assert.equal(judgement.output.ai_company.is_matched, false, "Zeta's passage does not speak for Omega");
  });
});

describe('deciding one condition from passages', () => {
  const evidence = (...passages: string[]): Evidence => ({ url: 'http://127.0.0.1/p', title: null, passages, failure: null });
  const verdict = (description: string, ...passages: string[]) => decide({ name: 'c', description }, 'companies', evidence(...passages)).verdict;

  it('numbers: comparisons against amounts and years, exact years otherwise', () => {
    assert.equal(verdict('Company has more than 50 employees', 'The company has 45 employees.').is_matched, false);
    assert.equal(
      verdict('Company has more than 50 employees', 'The company has 45 employees.', 'number of employees value: 60').value,
      'number of employees value: 60',
    );
    assert.equal(verdict('Company was founded after 2019', 'founding date: 2021').is_matched, true);
    assert.equal(verdict('Company was founded after 2019', 'founding date: 2018').is_matched, false);
    assert.equal(verdict('Company raised more than $10M', 'It raised $12M in 2024.').is_matched, true);
    assert.equal(verdict('Company raised a Series A in 2024', 'It raised a Series B in 2024.').is_matched, false);
    assert.equal(verdict('Product has 1000 GitHub stars', 'It has 1,000 stars on GitHub.').is_matched, true);
  });

  it('stemmed words and synonyms: "based" is "headquartered", "raised" is "closed"', () => {
    assert.equal(verdict('Company is based in Berlin', 'Our headquarters are in Berlin.').is_matched, true);
    assert.equal(verdict('Company is based in Berlin', 'We love Berlin.').is_matched, false);
    assert.equal(verdict('Company raised a Series A in 2024', 'Closed its Series A in 2024.').is_matched, true);
    // Nothing required (the proper noun opens the description): every word must occur.
    assert.equal(verdict('Berlin-based company', 'Headquartered in Munich.').is_matched, false);
    assert.equal(verdict('Berlin-based company', 'A Berlin-based robotics firm.').is_matched, true);
  });

  it('negation: a negated condition wants a negated passage', () => {
    assert.equal(verdict('Company is not based in Berlin', 'The company is not based in Berlin.').is_matched, true);
    assert.equal(verdict('Company is not based in Berlin', 'The company is based in Berlin.').is_matched, false);
  });

  it('the best passage wins; the first one on a tie', () => {
    assert.equal(verdict('Company is based in Berlin', 'Berlin office opened.', 'Headquartered in Berlin.', 'Based in Berlin.').value, 'Berlin office opened.');
    assert.equal(verdict('Company builds AI robots', 'Builds robots with AI.', 'AI robots.').value, 'Builds robots with AI.');
  });
});

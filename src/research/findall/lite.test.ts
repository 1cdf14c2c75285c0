// Network rule: every request goes to the fixture site on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { MATCHING_BERLIN_AI_SERIES_A_2024, startFindAllSite, type FindAllSite } from '../../../test/fixtures/findall-site.js';
import { findAllResearchFor, liteFindAll } from './index.js';
import type { CandidateSeed, ResearchContext } from './seam.js';
import { testResearchContext } from './test-context.js';

let site: FindAllSite;
const ctx: ResearchContext = testResearchContext();
before(async () => {
  site = await startFindAllSite();
});
after(() => site.close());

it('without a model every generator uses lite, and the run is told so', () => {
  for (const generator of ['preview', 'base', 'core', 'pro', 'anything']) {
    const chosen = findAllResearchFor(generator);
    assert.equal(chosen.research, liteFindAll);
    assert.match(chosen.warning ?? '', /no model is configured/);
  }
});

it('an objective naming the directory: ingest, generate, judge; exactly the expected companies match', async () => {
  const schema = liteFindAll.ingest(`Find AI companies in Berlin that raised a Series A in 2024, from ${site.url}/`);
  const spec = { ...schema, exclude_list: [], sources: [] };
  const matched: string[] = [];
  const generated: CandidateSeed[] = [];
  for await (const seed of liteFindAll.generate(spec, ctx)) {
    generated.push(seed);
    if ((await liteFindAll.judge(seed, spec, ctx)).matched) matched.push(seed.url.replace(`${site.url}/companies/`, ''));
  }
  assert.equal(generated.length, 12);
  assert.deepEqual(matched, [...MATCHING_BERLIN_AI_SERIES_A_2024]);
});

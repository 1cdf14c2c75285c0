// A TEST FIXTURE, not product code: a tiny FindAll research (research/findall/seam.ts) for the
// FindAll API tests until the `lite` research is merged. It reads only what the test's fixture site
// serves, through the context's outbound client:
// - generate: one seed per `<a class="entity" href="…">Name</a>` on each page whose URL is written
//   in the objective (or listed in `sources`), in page order, keyed by URL; exclude_list honoured;
// - judge: a condition matches iff the candidate's page text contains the condition's name;
// - enrich: each output field is the text of `<span class="<field>">…</span>` on the candidate's page;
// - ingest: entity type from "companies"/"people", one condition per "that …" clause.
import type { CandidateSeed, FindAllResearch, FindAllSpec, ResearchContext } from '../src/research/findall/seam.js';

const URL_IN_TEXT = /https?:\/\/[^\s"'<>)]+/g;

async function read(url: string, ctx: ResearchContext): Promise<string> {
  const response = await ctx.http.request(url, { signal: ctx.signal });
  if (response.status !== 200) throw new Error(`HTTP ${response.status} for ${url}`);
  return response.body.toString('utf8');
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The fixture research the FindAll tests inject. */
export const fixtureFindAll: FindAllResearch = {
  ingest(objective) {
    const entity_type = /people|persons?\b/i.test(objective) ? 'people' : 'companies';
    const clauses = objective
      .split(/\bthat\b/i)
      .slice(1)
      .map((c) => c.replace(/[.,;]+$/, '').trim())
      .filter(Boolean);
    return {
      objective,
      entity_type,
      match_conditions: clauses.map((c, i) => ({ name: `condition_${i + 1}`, description: c })),
    };
  },
  async *generate(spec: FindAllSpec, ctx: ResearchContext): AsyncIterable<CandidateSeed> {
    const pages = [...(spec.objective.match(URL_IN_TEXT) ?? []), ...spec.sources];
    const excluded = new Set(spec.exclude_list.flatMap((e) => [e.name.toLowerCase(), e.url]));
    for (const page of pages) {
      const html = await read(page, ctx);
      for (const [, href, name] of html.matchAll(/<a class="entity" href="([^"]+)">([^<]+)<\/a>/g)) {
        const url = new URL(href, page).toString();
        if (excluded.has(url) || excluded.has(name.toLowerCase())) continue;
        yield { key: url, name, url, description: `${name}, listed on ${page}` };
      }
    }
  },
  async judge(seed, spec, ctx) {
    const page = text(await read(seed.url, ctx));
    const output: Record<string, { value: string; type: 'match_condition'; is_matched: boolean }> = {};
    const basis = [];
    for (const condition of spec.match_conditions) {
      const at = page.toLowerCase().indexOf(condition.name.toLowerCase());
      output[condition.name] = { value: at >= 0 ? 'yes' : 'no', type: 'match_condition', is_matched: at >= 0 };
      basis.push({
        field: condition.name,
        reasoning: at >= 0 ? `the page says "${condition.name}"` : `the page does not mention "${condition.name}"`,
        citations: [{ url: seed.url, excerpts: at >= 0 ? [page.slice(Math.max(0, at - 20), at + condition.name.length + 20)] : [] }],
      });
    }
    return { output, basis, matched: Object.values(output).every((v) => v.is_matched) };
  },
  async enrich(seed, outputSchema, ctx) {
    const html = await read(seed.url, ctx);
    const properties = outputSchema.type === 'json' ? Object.keys(outputSchema.json_schema.properties ?? {}) : [];
    const output: Record<string, { value: string; type: 'enrichment' }> = {};
    for (const field of properties) {
      const value = new RegExp(`<span class="${field}">([^<]*)</span>`).exec(html)?.[1] ?? '';
      output[field] = { value, type: 'enrichment' };
    }
    return { output, basis: properties.map((field) => ({ field, reasoning: 'read from the page', citations: [{ url: seed.url }] })) };
  },
};

/** A listing page of entities for the fixture research: links with class "entity". */
export function listingPage(entities: { name: string; path: string }[]): string {
  return `<html><body><ul>${entities.map((e) => `<li><a class="entity" href="${e.path}">${e.name}</a></li>`).join('')}</ul></body></html>`;
}

/** An entity's page: its words, and spans an enrichment reads. */
export function entityPage(name: string, words: string, spans: Record<string, string> = {}): string {
  return `<html><body><h1>${name}</h1><p>${words}</p>${Object.entries(spans)
    .map(([k, v]) => `<span class="${k}">${v}</span>`)
    .join('')}</body></html>`;
}

/**
 * Puts `count` companies on a fixture site: a listing at /companies and a page per company; odd
 * ones say "saas" (they match the condition named "saas"), even ones "hardware". Each page has a
 * `founded` span an enrichment reads. Returns the listing's URL.
 */
export function putCompanies(site: { url: string; set(path: string, body: string, type?: string): void }, count: number, prefix = 'c'): string {
  const entities = Array.from({ length: count }, (_, i) => ({ name: `Company ${prefix}${i + 1}`, path: `/${prefix}/${i + 1}` }));
  site.set(`/${prefix}/companies`, listingPage(entities), 'text/html');
  for (const [i, e] of entities.entries()) {
    site.set(e.path, entityPage(e.name, i % 2 === 0 ? 'A saas company selling software.' : 'A hardware maker.', { founded: String(2000 + i) }), 'text/html');
  }
  return `${site.url}/${prefix}/companies`;
}

/** The create body of a run over a `putCompanies` listing: companies that say "saas". */
export function saasRun(listing: string, matchLimit: number, extra: Record<string, unknown> = {}) {
  return {
    objective: `Find SaaS companies listed at ${listing}`,
    entity_type: 'companies',
    generator: 'core' as const,
    match_conditions: [{ name: 'saas', description: 'The company sells software as a service' }],
    match_limit: matchLimit,
    ...extra,
  };
}

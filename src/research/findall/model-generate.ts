// Candidates with a model and web search: the model writes search queries from the objective, the
// pages found are read as lite reads any page, and the model names the entities each page's text
// speaks of. A name the page's text does not carry is dropped: the model never adds an entity.
import type { ModelClient, ModelWork } from '../model.js';
import type { SearchClient } from '../search.js';
import { readPage } from './fetch-page.js';
import { sourceUrls } from './generate.js';
import { canonicalUrl, normalisedName, SeenEntities } from './identity.js';
import type { FindAllTier } from './model-tier.js';
import { modelWork } from './model-work.js';
import type { FindAllPage, Sighting } from './page-reading.js';
import type { CandidateSeed, FindAllSpec, ResearchContext } from './seam.js';

/** What model-backed generation uses. */
export interface ModelGeneration {
  model: ModelClient;
  search: SearchClient;
  tier: FindAllTier;
}

/** Links of a page shown to the model at most, so it can give an entity the URL the page links it to. */
const MAX_LINKS = 100;

const QUERIES_SCHEMA = {
  type: 'object',
  properties: { queries: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
  required: ['queries'],
};
const CANDIDATES_SCHEMA = {
  type: 'object',
  properties: {
    candidates: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1 }, description: { type: ['string', 'null'] } },
        required: ['name'],
      },
    },
  },
  required: ['candidates'],
};

/**
 * Yields the entities the model names on the run's pages (those it names first, then what search
 * finds), page by page, each once (canonical URL and normalised name, as lite), never one on the
 * exclude list. A page that cannot be read, or whose answer is unusable, is skipped. Throws when
 * there is nothing to read because every search failed.
 */
export async function* generateWithModel(deps: ModelGeneration, spec: FindAllSpec, ctx: ResearchContext): AsyncGenerator<CandidateSeed> {
  const work = modelWork(deps.model, ctx);
  const seen = new SeenEntities(spec.exclude_list);
  for (const url of await pagesToRead(deps, spec, ctx, work)) {
    if (ctx.signal.aborted) return;
    let page: FindAllPage;
    let named: Sighting[];
    try {
      page = await readPage(ctx, url);
      named = await nameCandidates(deps, spec, page, work);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      continue;
    }
    for (const seed of seen.admit(named, page.url)) {
      if (ctx.signal.aborted) return;
      yield seed;
    }
  }
}

/** The run's named pages, then each query's search results in order, each once, at most `tier.pages`. */
async function pagesToRead(deps: ModelGeneration, spec: FindAllSpec, ctx: ResearchContext, work: ModelWork): Promise<string[]> {
  const pages = new Map(sourceUrls(spec).map((url) => [canonicalUrl(url), url]));
  const failures: string[] = [];
  for (const query of await searchQueries(deps, spec, work)) {
    try {
      for (const result of await deps.search.search(ctx.http, query, { signal: ctx.signal })) {
        if (!pages.has(canonicalUrl(result.url))) pages.set(canonicalUrl(result.url), result.url);
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (pages.size === 0 && failures.length > 0) throw new Error(`the web search failed: ${failures[0]}`);
  return [...pages.values()].slice(0, deps.tier.pages);
}

/** The model's search queries for the objective; the objective itself when the model gives none usable. */
async function searchQueries(deps: ModelGeneration, spec: FindAllSpec, work: ModelWork): Promise<string[]> {
  const conditions = spec.match_conditions.map((c) => `- ${c.description}`).join('\n');
  try {
    const answer = await deps.model.json<{ queries: string[] }>(
      {
        name: 'findall_queries',
        schema: QUERIES_SCHEMA,
        system: `Write up to ${deps.tier.queries} web search queries that find pages listing or describing ${spec.entity_type} that satisfy the conditions. Plain keyword queries, no operators.`,
        user: `Objective: ${spec.objective}\nEntity type: ${spec.entity_type}\nConditions:\n${conditions}`,
      },
      work,
    );
    const queries = [...new Set(answer.queries.map((q) => q.trim()).filter(Boolean))].slice(0, deps.tier.queries);
    if (queries.length > 0) return queries;
  } catch (err) {
    if (work.signal.aborted) throw err;
  }
  return [spec.objective];
}

/**
 * The entities of `entity_type` the model finds in the page's text, as sightings: each name must
 * occur in the text (else it is dropped), and its URL is the one the page links that name to (or
 * the page's own, when the page is about it), never one the model wrote itself.
 */
async function nameCandidates(deps: ModelGeneration, spec: FindAllSpec, page: FindAllPage, work: ModelWork): Promise<Sighting[]> {
  const text = pageText(page, deps.tier.chars);
  const links = page.sightings.filter((s) => s.url).slice(0, MAX_LINKS);
  const answer = await deps.model.json<{ candidates: { name: string; description?: string | null }[] }>(
    {
      name: 'findall_candidates',
      schema: CANDIDATES_SCHEMA,
      system:
        `List the ${spec.entity_type} this page names that could satisfy the objective, using only the page's text. ` +
        'Give each name exactly as the page writes it and a one-sentence description from the page.',
      user:
        `Objective: ${spec.objective}\nPage: ${page.url}${page.title ? ` (${page.title})` : ''}\n` +
        `${links.length > 0 ? `Links on the page:\n${links.map((l) => `- ${l.name}: ${l.url}`).join('\n')}\n` : ''}Text:\n${text}`,
    },
    work,
  );
  const written = ` ${normalisedName([page.title ?? '', text, ...links.map((l) => l.name)].join(' '))} `;
  return answer.candidates.flatMap((c): Sighting[] => {
    const name = normalisedName(c.name);
    if (name === '' || !written.includes(` ${name} `)) return [];
    const linked = links.find((l) => normalisedName(l.name) === name);
    const self = page.self && normalisedName(page.self.name) === name ? page.url : null;
    return [{ name: c.name.trim(), url: linked?.url ?? self, description: linked?.description ?? c.description?.trim() ?? null, via: 'model' }];
  });
}

/** The page's passages as the model reads them, up to `chars` characters. */
export function pageText(page: Pick<FindAllPage, 'passages'>, chars: number): string {
  const lines: string[] = [];
  let used = 0;
  for (const passage of page.passages) {
    if (used + passage.length > chars && lines.length > 0) break;
    lines.push(passage);
    used += passage.length + 1;
  }
  return lines.join('\n');
}

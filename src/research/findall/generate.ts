// Candidates without a model: the entities written on the pages a run names (api.md §6, issue 15).
import { extractUrls } from '../relevance.js';
import { readPage } from './fetch-page.js';
import { canonicalUrl, SeenEntities } from './identity.js';
import type { CandidateSeed, FindAllSpec, ResearchContext } from './seam.js';

/**
 * Pages one generation reads at most: the URLs in the objective, then `sources`, then the feeds
 * those pages advertise. `lite` reads what it is pointed at; it does not crawl or search.
 */
export const MAX_GENERATION_PAGES = 25;

/** The pages to read first: URLs written in the objective, then `spec.sources`, each once, in that order. */
export function sourceUrls(spec: Pick<FindAllSpec, 'objective' | 'sources'>): string[] {
  const urls = new Map<string, string>();
  for (const url of [...extractUrls(spec.objective), ...spec.sources]) {
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) continue;
    if (!urls.has(canonicalUrl(url))) urls.set(canonicalUrl(url), url);
  }
  return [...urls.values()];
}

/**
 * Yields the entities listed on the run's pages, in page order and within a page in a fixed order
 * (JSON-LD, tables, listing entries; a feed's or JSON endpoint's items), each once (by canonical
 * URL and normalised name), never one on the exclude list. A page that lists none but is about an
 * entity itself (its JSON-LD Organization, Person, Product…) gives that entity. A page that cannot
 * be read is skipped. The same pages give the same seeds with the same keys, so a run resumed after
 * a crash skips those it stored. Stops when `ctx.signal` aborts.
 */
export async function* generateCandidates(spec: FindAllSpec, ctx: ResearchContext): AsyncGenerator<CandidateSeed> {
  const queue = sourceUrls(spec);
  const queued = new Set(queue.map(canonicalUrl));
  const seen = new SeenEntities(spec.exclude_list);
  for (let i = 0; i < queue.length && i < MAX_GENERATION_PAGES; i += 1) {
    if (ctx.signal.aborted) return;
    let page;
    try {
      page = await readPage(ctx, queue[i]);
    } catch {
      // One unreadable source does not end generation; the others may still list entities.
      continue;
    }
    for (const feed of page.feeds) {
      if (!queued.has(canonicalUrl(feed))) {
        queued.add(canonicalUrl(feed));
        queue.push(feed);
      }
    }
    const self = page.self ? [{ ...page.self, url: page.self.url ?? page.url }] : [];
    for (const seed of seen.admit(page.sightings.length > 0 ? page.sightings : self, page.url)) {
      if (ctx.signal.aborted) return;
      yield seed;
    }
  }
}

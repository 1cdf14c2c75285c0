import type { EventStreamSettings } from '../../domain/monitor.js';
import type { ResearchTier } from '../../domain/research-tiers.js';
import type { SearchClient } from '../search.js';
import type { SourceReading } from './read-sources.js';
import { readPageText } from './page-text.js';
import type { ProcessorContext } from './processor.js';

/** How a search failure is named among the sources (and on `GET …/sources`). */
export const SEARCH_SOURCE = 'web search';

/**
 * The sources of a monitor whose query names none: the pages the configured search returns for
 * its query (within `source_policy` domains and `after_date`), each read as one item whose text is
 * the page's main text (or the search snippet when the page has none). A page that cannot be read
 * is a failing source: its item waits for an execution that can read what it would cite.
 */
export async function searchReadings(
  ctx: ProcessorContext,
  search: SearchClient,
  settings: EventStreamSettings,
  tier: Pick<ResearchTier, 'chars'>,
): Promise<SourceReading[]> {
  const policy = settings.advanced_settings?.source_policy;
  let results;
  try {
    results = await search.search(ctx.http, settings.query, {
      includeDomains: policy?.include_domains,
      excludeDomains: policy?.exclude_domains,
      afterDate: policy?.after_date,
      signal: ctx.signal,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return [{ source: SEARCH_SOURCE, url: '', error: `the web search failed: ${message}`, errorKey: 'search' }];
  }
  return Promise.all(
    results.map(async (result): Promise<SourceReading> => {
      const item = {
        guid: null,
        link: result.url,
        title: result.title,
        summary: result.content,
        author: null,
        publishedAt: result.publishedAt,
        feedUrl: result.url,
        feedTitle: result.title,
        origin: 'page' as const,
      };
      try {
        const page = await readPageText(ctx.http, ctx.parser, result.url, settings.query, ctx.signal);
        const text = page.text.trim() || result.content || '';
        return {
          source: result.url,
          url: page.url,
          items: [{ ...item, title: result.title ?? page.title, summary: text.slice(0, Math.max(500, tier.chars)) }],
        };
      } catch (err) {
        return { source: result.url, url: result.url, error: err instanceof Error ? err.message : String(err), errorKey: 'page' };
      }
    }),
  );
}

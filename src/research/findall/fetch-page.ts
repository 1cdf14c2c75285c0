import type { FetchedBody } from '../items/read-body.js';
import type { FindAllPage } from './page-reading.js';
import type { ResearchContext } from './seam.js';

const ACCEPT =
  'text/html, application/xhtml+xml, application/ld+json;q=0.9, application/json;q=0.9, application/rss+xml;q=0.8, application/atom+xml;q=0.8, */*;q=0.5';

/**
 * Fetches a page through the run's outbound client (address guard, politeness, size caps) and reads
 * it in a parse worker. Throws with a short reason when it cannot be fetched, answers non-2xx, or
 * cannot be read.
 */
export async function readPage(ctx: ResearchContext, url: string): Promise<FindAllPage> {
  return ctx.parser.readFindAllPage(await fetchBody(ctx, url), ctx.signal);
}

/** Fetches a page's body through the run's outbound client; throws when it cannot, or on a non-2xx answer. */
export async function fetchBody(ctx: ResearchContext, url: string): Promise<FetchedBody> {
  const response = await ctx.http.request(url, { headers: { accept: ACCEPT }, signal: ctx.signal });
  if (response.status < 200 || response.status >= 300) throw new Error(`answered HTTP ${response.status}`);
  return { url: response.url, body: response.body.toString('utf8'), contentType: response.headers['content-type'] };
}

/** An error's message, for a value or reasoning that says why a page was not read. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { parseJsonItems } from './json-items.js';
import { blockIdentity, entryLinks, extractPage } from './page-blocks.js';
import type { SourcedItem } from './sourced-item.js';

const JSON_TYPE = /\bjson\b/i;

/**
 * The items of a source that is no feed and advertises none: the elements of a JSON endpoint's
 * main array, or the entry links of a listing page, or the content blocks of any other HTML page.
 */
export function nonFeedItems(body: string, url: string, contentType: string | undefined): SourcedItem[] {
  const json = parseJsonItems(body, url);
  if (json) {
    return json.map((element) => ({
      guid: element.key === null ? null : `${url}#${element.key}`,
      link: element.link,
      title: element.title,
      summary: element.summary,
      author: element.author,
      publishedAt: element.publishedAt,
      feedUrl: url,
      feedTitle: null,
      origin: 'json' as const,
      identity: element.key === null && element.link === null ? `json:${element.contentHash}` : undefined,
    }));
  }
  if (JSON_TYPE.test(contentType ?? '') || /^\s*[[{]/.test(body)) {
    throw new Error(`${url} answered JSON without an array of items`);
  }
  return pageItems(body, url);
}

/**
 * A page's items in the form it is read in (entries of a listing, else blocks), followed by the
 * same content in the other form, marked `shadow`: remembered as seen, never reported, so a page
 * whose classification changes between executions reports nothing it already showed.
 */
function pageItems(html: string, url: string): SourcedItem[] {
  const page = extractPage(html, url);
  const common = { guid: null, author: null, publishedAt: null, feedUrl: url, feedTitle: page.title, origin: 'page' as const };
  const listing = page.entries.length > 0;
  const entries = (listing ? page.entries : entryLinks(page.blocks, url)).map((entry) => ({
    ...common,
    link: entry.url,
    title: entry.title,
    summary: entry.summary,
    section: entry.section,
    shadow: !listing,
  }));
  const blocks = page.blocks.map((block) => ({
    ...common,
    link: block.anchor ? `${url.split('#')[0]}#${encodeURIComponent(block.anchor)}` : url,
    title: null,
    summary: block.text,
    section: block.section,
    identity: blockIdentity(block),
    shadow: listing,
  }));
  return listing ? [...entries, ...blocks] : [...blocks, ...entries];
}

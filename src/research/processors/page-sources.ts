import { parseJsonItems } from '../extract/json-items.js';
import { blockIdentity, extractPage } from '../extract/page.js';
import type { SourcedItem } from './feed-sources.js';

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

function pageItems(html: string, url: string): SourcedItem[] {
  const page = extractPage(html, url);
  const common = { guid: null, author: null, publishedAt: null, feedUrl: url, feedTitle: page.title, origin: 'page' as const };
  if (page.entries.length > 0) {
    return page.entries.map((entry) => ({ ...common, link: entry.url, title: entry.title, summary: entry.summary, section: entry.section }));
  }
  return page.blocks.map((block) => ({
    ...common,
    link: block.anchor ? `${url.split('#')[0]}#${encodeURIComponent(block.anchor)}` : url,
    title: null,
    summary: block.text,
    section: block.section,
    identity: blockIdentity(block),
  }));
}

import { discoverFeedLinks } from './feed-discovery.js';
import { parseFeed, type ParsedFeed } from './feed.js';
import { checkItemCount, checkMarkupDepth } from '../parse-limits.js';
import type { SourcedItem } from './sourced-item.js';
import { nonFeedItems } from './non-feed-items.js';

/** A fetched body of a monitor's source, as the parse worker receives it. */
export interface FetchedBody {
  body: string;
  url: string;
  contentType: string | undefined;
}

/** What a body holds: its items (a feed's, a page's or a JSON endpoint's), or the feeds a page advertises instead. */
export type BodyReading = { items: SourcedItem[] } | { advertised: string[] };

const HTML_START = /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)[\s>]/i;
const ALTERNATE_LINK = /<link\b[^>]*\balternate\b/i;

/**
 * Reads a body as a feed; a page that is no feed but advertises feeds gives their links (read
 * instead by the caller); a JSON endpoint or a page that advertises none gives its own items.
 * CPU-heavy: runs in a parse worker (research/isolate/parse-pool.ts).
 */
export function readBody({ body, url, contentType }: FetchedBody): BodyReading {
  // An HTML document is no feed, and only one with an alternate link can advertise one: skipping
  // those parses halves the cost of reading a page.
  const html = HTML_START.test(body);
  if (!/^\s*[[{]/.test(body)) checkMarkupDepth(body, html ? 'the page' : 'the document');
  const feed = html ? null : parseFeed(body, url, contentType);
  if (feed) return { items: feedItems(feed, url) };
  const advertised = /^\s*[[{]/.test(body) || (html && !ALTERNATE_LINK.test(body)) ? [] : discoverFeedLinks(body, url);
  if (advertised.length > 0) return { advertised: advertised.slice(0, 5) };
  return { items: nonFeedItems(body, url, contentType) };
}

/** Reads a body that must be a feed (one a page advertised); null when it is none. */
export function readFeedBody({ body, url, contentType }: FetchedBody): SourcedItem[] | null {
  if (!/^\s*[[{]/.test(body)) checkMarkupDepth(body, 'the feed');
  const feed = parseFeed(body, url, contentType);
  return feed ? feedItems(feed, url) : null;
}

function feedItems(feed: ParsedFeed, feedUrl: string): SourcedItem[] {
  checkItemCount(feed.items.length, 'the feed');
  return feed.items.map((item) => ({ ...item, feedUrl, feedTitle: feed.title }));
}

import { load } from 'cheerio';
import { checkTree } from '../parse-limits.js';

/** MIME types that mark a <link rel="alternate"> as a feed (parameters such as charset are ignored). */
export const FEED_LINK_TYPES: ReadonlySet<string> = new Set([
  'application/rss+xml',
  'application/atom+xml',
  'application/feed+json',
  // JSON Feed's original type; note WordPress also uses it for REST API links, which parseFeed rejects.
  'application/json',
]);

/** Feed URLs advertised by an HTML page (<link rel="alternate" type="application/rss+xml|atom+xml|feed+json|json">), absolute, de-duplicated, in document order. */
export function discoverFeedLinks(html: string, baseUrl: string): string[] {
  const $ = load(html);
  checkTree($.root()[0], 'the page');
  // Per HTML, only the first <base href> counts, and it may itself be relative.
  const base = absoluteUrl($('base[href]').first().attr('href'), baseUrl) ?? baseUrl;
  const found = new Set<string>();
  $('link[rel][href]').each((_, el) => {
    const link = $(el);
    const rels = (link.attr('rel') ?? '').toLowerCase().split(/\s+/);
    const type = (link.attr('type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!rels.includes('alternate') || !FEED_LINK_TYPES.has(type)) return;
    const url = absoluteUrl(link.attr('href'), base);
    if (url !== null) found.add(url);
  });
  // A Set iterates in insertion order, so document order survives de-duplication.
  return [...found];
}

/** Absolute http(s) URL, or null for missing, unparsable or non-web hrefs. */
/** An href resolved against a base, when it is an http(s) URL; null otherwise. */
export function absoluteUrl(href: string | undefined, base: string): string | null {
  if (href === undefined || href.trim() === '') return null;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

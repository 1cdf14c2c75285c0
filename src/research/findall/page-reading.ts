// One fetched page read for FindAll: the entities it lists (for generation) and its text as
// passages (evidence for judging). CPU-heavy: runs in a parse worker (research/isolate/), within
// the worker's time and memory budget and the parse limits.
import { collapse } from '../coerce.js';
import { discoverFeedLinks } from '../items/feed-discovery.js';
import { parseFeed } from '../items/feed.js';
import { parseJsonItems } from '../items/json-items.js';
import { checkItemCount, checkJsonDepth, checkMarkupDepth } from '../parse-limits.js';
import { extractPage } from '../items/page-blocks.js';
import { pageLines, parsePage, type ParsedPage } from '../fields/parsed-page.js';
import type { FetchedBody } from '../items/read-body.js';
import { jsonLdSightings, nodeSighting, tableSightings, type Sighting } from './sightings.js';

export type { Sighting } from './sightings.js';

/** What FindAll makes of one fetched body. */
export interface FindAllPage {
  url: string;
  title: string | null;
  kind: 'html' | 'feed' | 'json';
  /** Entities the page lists, in a fixed order: JSON-LD, tables, listing entries (HTML); items (feed, JSON). */
  sightings: Sighting[];
  /** The entity the page is about (its JSON-LD Organization, Person, Product…), if it says. */
  self: Sighting | null;
  /** The page's text cut into sentences, then its own entity's structured facts ("address locality: Berlin"). */
  passages: string[];
  /** Feeds the page advertises (`<link rel="alternate">`). */
  feeds: string[];
}

const MAX_PASSAGES = 600;
const MAX_PASSAGE = 400;
const JSON_START = /^\s*[[{]/;
const ALTERNATE_LINK = /<link\b[^>]*\balternate\b/i;
const LINK = /<a\s[^>]*href/gi;
const DESCRIPTION_META = /<meta\b[^>]*description/i;
const HTML_START = /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)[\s>]/i;

/** Reads a fetched body as a feed, a JSON document or an HTML page. Throws over the parse limits. */
export function readFindAllPage({ body, url, contentType }: FetchedBody): FindAllPage {
  const json = JSON_START.test(body);
  if (!json) checkMarkupDepth(body, 'the page');
  const feed = json || HTML_START.test(body) ? null : parseFeed(body, url, contentType);
  if (feed) {
    checkItemCount(feed.items.length, 'the feed');
    const sightings = feed.items.filter((i) => i.title).map((i) => ({ name: i.title!, url: i.link, description: i.summary, via: 'feed' }));
    return { url, title: feed.title, kind: 'feed', sightings, self: null, passages: passagesOf(sightings.map(itemText)), feeds: [] };
  }
  if (json) return readJson(body, url);
  return readHtml(parsePage({ url, body, contentType }));
}

function readJson(body: string, url: string): FindAllPage {
  const items = parseJsonItems(body, url) ?? [];
  const sightings = items.filter((i) => i.title).map((i) => ({ name: i.title!, url: i.link, description: i.summary, via: 'JSON' }));
  let doc: unknown = null;
  try {
    doc = JSON.parse(body);
  } catch {
    /* not JSON after all: no facts */
  }
  checkJsonDepth(doc, 'the JSON document');
  return { url, title: null, kind: 'json', sightings, self: null, passages: passagesOf(facts(doc, '')), feeds: [] };
}

function readHtml(page: ParsedPage): FindAllPage {
  const { sightings: structured, self } = jsonLdSightings(page);
  // Cheap tests of the markup first: a selector or a second parse costs milliseconds a page.
  const listing =
    (page.body.match(LINK)?.length ?? 0) < 3
      ? []
      : extractPage(page.body, page.url).entries.map((entry) => ({ name: entry.title, url: entry.url, description: entry.summary, via: 'listing' }));
  const tables = /<table\b/i.test(page.body) ? tableSightings(page) : [];
  const meta = DESCRIPTION_META.test(page.body) ? page.$('meta[name="description"], meta[property="og:description"]').first().attr('content') : undefined;
  const lines = [...(meta ? [meta] : []), ...pageLines(page).flatMap(sentences)];
  return {
    url: page.url,
    title: page.title,
    kind: 'html',
    sightings: [...structured, ...tables, ...listing],
    self: self ? nodeSighting(self, page.url, 'JSON-LD') : null,
    passages: passagesOf([...lines, ...(self ? facts(self, '') : [])]),
    // Only a page with an alternate link can advertise a feed: the others are not parsed a third time.
    feeds: ALTERNATE_LINK.test(page.body) ? discoverFeedLinks(page.body, page.url) : [],
  };
}

/** A line cut into sentences (a full stop, question or exclamation mark followed by a capital or digit). */
function sentences(line: string): string[] {
  return line
    .split(/(?<=[.!?])\s+(?=["“(]?[\p{Lu}\p{N}])/u)
    .map(collapse)
    .filter(Boolean);
}

function itemText(s: Sighting): string {
  return s.description ? `${s.name}. ${s.description}` : s.name;
}

/** Scalars of a structured value as "key words: value" lines (camelCase and `_` split, so terms match). */
function facts(value: unknown, path: string, out: string[] = [], depth = 0): string[] {
  if (depth > 6 || out.length >= MAX_PASSAGES) return out;
  if (Array.isArray(value)) value.forEach((v) => facts(v, path, out, depth + 1));
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith('@')) continue;
      const words = key
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .replace(/[_-]+/g, ' ')
        .toLowerCase();
      facts(inner, path ? `${path} ${words}` : words, out, depth + 1);
    }
  } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const text = collapse(String(value));
    if (text && path) out.push(`${path}: ${text}`);
  }
  return out;
}

function passagesOf(texts: string[]): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    if (out.size >= MAX_PASSAGES) break;
    const flat = collapse(text);
    if (flat) out.add(flat.length > MAX_PASSAGE ? `${flat.slice(0, MAX_PASSAGE - 1)}…` : flat);
  }
  return [...out];
}

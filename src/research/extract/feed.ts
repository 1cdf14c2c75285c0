import { XMLParser } from 'fast-xml-parser';
import { load } from 'cheerio';

/** One entry of a feed, normalised across RSS, RDF, Atom and JSON Feed. */
export interface FeedItem {
  guid: string | null;
  /** Absolute http(s) URL. */
  link: string | null;
  title: string | null;
  /** Plain text, HTML stripped, whitespace collapsed, at most MAX_TEXT chars. */
  summary: string | null;
  author: string | null;
  publishedAt: Date | null;
}

/** A parsed feed; items are in document order. */
export interface ParsedFeed {
  format: 'rss' | 'rdf' | 'atom' | 'json';
  title: string | null;
  link: string | null;
  items: FeedItem[];
}

/** A parsed XML element or JSON object. */
type Fields = Record<string, unknown>;
/** 'auto' = strip HTML only when the text looks like markup (RSS leaves it unspecified). */
type TextMode = 'html' | 'text' | 'auto';

const MAX_TEXT = 1000;
// Full-content feeds carry 50 KB+ of HTML per item and cheerio dominates parse time;
// 20 KB of markup still yields far more than MAX_TEXT chars of text.
const MAX_HTML = 20_000;
const JSON_FEED_VERSION = /^https?:\/\/jsonfeed\.org\/version\/1/;
const HTML_HINT = /<\/?[a-z][^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;
const BLOCKS =
  'address,article,aside,blockquote,dd,div,dl,dt,figcaption,figure,footer,h1,h2,h3,h4,h5,h6,' +
  'header,hr,li,main,nav,ol,p,pre,section,table,td,th,tr,ul';

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep "0012" guids and "2024" titles as strings rather than numbers.
  parseTagValue: false,
  // fxp never fetches external entities (declaring one throws) and caps internal expansion.
  processEntities: true,
  // Numeric references (&#8217;) are plain XML, but fxp 5 only decodes them with this flag.
  htmlEntities: true,
  // XHTML content is mixed markup that fxp's object model would scramble; keep it raw.
  stopNodes: ['..title[type=xhtml]', '..summary[type=xhtml]', '..content[type=xhtml]'],
});

/** Parses RSS 2.0, RSS 1.0 (RDF), Atom 1.0 or JSON Feed 1.x; returns null when the body is not a feed. */
export function parseFeed(body: string, baseUrl: string, contentType?: string): ParsedFeed | null {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  // Sniff the body first: servers routinely label feeds text/html or text/plain.
  if (text.startsWith('{') || (/json/i.test(contentType ?? '') && !text.startsWith('<'))) {
    return parseJsonFeed(text, baseUrl);
  }
  if (!text.startsWith('<')) return null;
  let doc: unknown;
  try {
    doc = xmlParser.parse(text);
  } catch {
    return null;
  }
  if (!isNode(doc)) return null;
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
  const root = rootName === undefined ? undefined : doc[rootName];
  if (!isNode(root)) return null;
  if (rootName === 'rss') return parseRss(root, baseUrl);
  if (rootName === 'feed') return parseAtom(root, baseUrl);
  if (rootName === 'rdf:RDF' || rootName?.endsWith(':RDF')) return parseRdf(root, baseUrl);
  return null;
}

function parseRss(rss: Fields, baseUrl: string): ParsedFeed | null {
  const channel = asArray(rss.channel).find(isNode);
  if (!channel) return null;
  return {
    format: 'rss',
    title: toText(textOf(channel.title), 'auto'),
    link: resolveUrl(textOf(channel.link), baseUrl),
    items: compact(asArray(channel.item).filter(isNode).map((item) => rssItem(item, baseUrl))),
  };
}

function parseRdf(rdf: Fields, baseUrl: string): ParsedFeed | null {
  const channel = asArray(rdf.channel).find(isNode);
  // RSS 1.0 items are siblings of <channel>, not children.
  const items = asArray(rdf.item).filter(isNode);
  // Other RDF documents (FOAF, DOAP…) share the root element.
  if (!channel && items.length === 0) return null;
  return {
    format: 'rdf',
    title: channel ? toText(textOf(channel.title), 'auto') : null,
    link: channel ? resolveUrl(textOf(channel.link), baseUrl) : null,
    items: compact(items.map((item) => rssItem(item, baseUrl))),
  };
}

/** Shared by RSS 2.0 and RSS 1.0: same element names, RDF adds rdf:about. */
function rssItem(item: Fields, baseUrl: string): FeedItem {
  const guid = textOf(item.guid) ?? attr(item, 'rdf:about');
  // A guid is the permalink unless it says otherwise — but only if it really is a URL.
  const guidLink =
    guid !== null && attr(item.guid, 'isPermaLink') !== 'false' && /^https?:\/\//i.test(guid)
      ? resolveUrl(guid, baseUrl)
      : null;
  return {
    guid,
    link: resolveUrl(textOf(item.link), baseUrl) ?? guidLink,
    title: toText(textOf(item.title), 'auto'),
    summary: toText(textOf(item.description) ?? textOf(item['content:encoded']), 'auto'),
    author: personName(textOf(item['dc:creator']) ?? textOf(item.author)),
    publishedAt: parseDate(textOf(item.pubDate) ?? textOf(item['dc:date'])),
  };
}

function parseAtom(feed: Fields, baseUrl: string): ParsedFeed {
  const base = resolveUrl(attr(feed, 'xml:base'), baseUrl) ?? baseUrl;
  const feedAuthor = atomAuthors(feed.author);
  const entries = asArray(feed.entry).filter(isNode);
  return {
    format: 'atom',
    title: atomText(feed.title),
    link: atomLink(feed.link, base),
    items: compact(entries.map((entry) => atomEntry(entry, base, feedAuthor))),
  };
}

function atomEntry(entry: Fields, feedBase: string, feedAuthor: string | null): FeedItem {
  const base = resolveUrl(attr(entry, 'xml:base'), feedBase) ?? feedBase;
  const id = textOf(entry.id);
  const source = asArray(entry.source).find(isNode);
  return {
    guid: id,
    link: atomLink(entry.link, base) ?? (id !== null && /^https?:\/\//i.test(id) ? resolveUrl(id, base) : null),
    title: atomText(entry.title),
    summary: atomText(entry.summary) ?? atomText(entry.content),
    // Atom: entry author, else the author of its <source>, else the feed's.
    author: atomAuthors(entry.author) ?? atomAuthors(source?.author) ?? feedAuthor,
    publishedAt: parseDate(textOf(entry.published) ?? textOf(entry.updated)),
  };
}

/** The rel="alternate" link (rel defaults to alternate), preferring an HTML one. */
function atomLink(value: unknown, base: string): string | null {
  const alternates = asArray(value)
    .filter(isNode)
    .filter((link) => (attr(link, 'rel') ?? 'alternate').toLowerCase() === 'alternate');
  const pick = alternates.find((link) => /html/i.test(attr(link, 'type') ?? 'text/html')) ?? alternates[0];
  if (!pick) return null;
  const linkBase = resolveUrl(attr(pick, 'xml:base'), base) ?? base;
  return resolveUrl(attr(pick, 'href'), linkBase);
}

/** Atom text constructs declare their own type: text (default), html or xhtml. */
function atomText(value: unknown): string | null {
  const node = asArray(value)[0];
  return toText(textOf(node), /html/i.test(attr(node, 'type') ?? '') ? 'html' : 'text');
}

function atomAuthors(value: unknown): string | null {
  const names = asArray(value).map((person) => (isNode(person) ? textOf(person.name) : textOf(person)));
  return joinNames(names);
}

function parseJsonFeed(text: string, baseUrl: string): ParsedFeed | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isNode(doc) || typeof doc.version !== 'string' || !JSON_FEED_VERSION.test(doc.version)) return null;
  const feedAuthor = jsonAuthors(doc);
  const items = Array.isArray(doc.items) ? doc.items.filter(isNode) : [];
  return {
    format: 'json',
    title: toText(str(doc.title), 'auto'),
    link: resolveUrl(str(doc.home_page_url), baseUrl),
    items: compact(items.map((item) => jsonItem(item, baseUrl, feedAuthor))),
  };
}

function jsonItem(item: Fields, baseUrl: string, feedAuthor: string | null): FeedItem {
  // The spec says id is a string, but numeric ids are common in the wild.
  const id = typeof item.id === 'number' ? String(item.id) : str(item.id);
  return {
    guid: id,
    link: resolveUrl(str(item.url), baseUrl) ?? resolveUrl(str(item.external_url), baseUrl),
    title: toText(str(item.title), 'auto'),
    summary:
      toText(str(item.summary), 'auto') ??
      toText(str(item.content_text), 'text') ??
      toText(str(item.content_html), 'html'),
    author: jsonAuthors(item) ?? feedAuthor,
    publishedAt: parseDate(str(item.date_published) ?? str(item.date_modified)),
  };
}

/** JSON Feed 1.1 `authors[]`, falling back to 1.0 `author`. */
function jsonAuthors(node: Fields): string | null {
  const people = Array.isArray(node.authors) ? node.authors : [node.author];
  return joinNames(people.map((person) => (isNode(person) ? str(person.name) : null)));
}

/** Items carrying nothing at all cannot be identified or shown; drop them. */
function compact(items: FeedItem[]): FeedItem[] {
  return items.filter((i) => i.guid !== null || i.link !== null || i.title !== null || i.summary !== null);
}

function isNode(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Trimmed non-empty string, else null. */
function str(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Text of an fxp value: a bare string, `#text` of an element with attributes, or the first of repeats. */
function textOf(value: unknown): string | null {
  if (Array.isArray(value)) {
    for (const entry of value) {
      const text = textOf(entry);
      if (text !== null) return text;
    }
    return null;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return isNode(value) ? str(value['#text']) : str(value);
}

function attr(value: unknown, name: string): string | null {
  return isNode(value) ? str(value[`@_${name}`]) : null;
}

function joinNames(names: Array<string | null>): string | null {
  const present = names.filter((n): n is string => n !== null);
  return present.length > 0 ? present.join(', ') : null;
}

/** RSS <author> is "email (Name)"; keep the name when there is one. */
function personName(raw: string | null): string | null {
  const text = toText(raw, 'auto');
  return text?.match(/^\S+@\S+\s*\((.+)\)$/)?.[1]?.trim() ?? text;
}

function toText(raw: string | null, mode: TextMode): string | null {
  if (raw === null) return null;
  const isHtml = mode === 'html' || (mode === 'auto' && HTML_HINT.test(raw));
  const text = (isHtml ? htmlToText(raw) : raw).replace(/\s+/g, ' ').trim();
  return text === '' ? null : truncate(text, MAX_TEXT);
}

function htmlToText(html: string): string {
  // htmlparser2 (via `xml: { xmlMode: false }`) is ~6x faster than cheerio's default parse5
  // and as lenient for fragments; we only want text, not a spec-exact DOM.
  const $ = load(html.slice(0, MAX_HTML), { xml: { xmlMode: false, decodeEntities: true } }, false);
  $('script,style,noscript,template,iframe').remove();
  // cheerio's text() glues adjacent blocks ("<p>a</p><p>b</p>" → "ab"); pad them with spaces.
  $('br').replaceWith(' ');
  $(BLOCKS).before(' ').after(' ');
  return $.root().text();
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  // Prefer a word boundary, unless that would throw away a fifth of the text.
  if (space > max * 0.8) cut = cut.slice(0, space);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** Absolute http(s) URL or null: other schemes (javascript:, data:) must never reach users. */
function resolveUrl(href: string | null, base: string): string | null {
  if (href === null) return null;
  const raw = href.trim();
  // An unusable base must not sink an already-absolute href.
  const url = URL.canParse(raw, base) ? new URL(raw, base) : URL.canParse(raw) ? new URL(raw) : null;
  return url?.protocol === 'http:' || url?.protocol === 'https:' ? url.href : null;
}

const ZONELESS_ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const HAS_YEAR = /\d{4}|\b\d{1,2} [A-Za-z]{3} \d{2}\b/;

function parseDate(raw: string | null): Date | null {
  if (raw === null) return null;
  const text = raw.trim();
  // V8's lenient parser turns junk like "1" or "0" into dates in 2000/2001.
  if (!HAS_YEAR.test(text)) return null;
  // Zone-less date-times would parse as server-local time; feeds almost always mean UTC.
  const iso = ZONELESS_ISO.exec(text);
  const ms = Date.parse(iso ? `${iso[1]}T${iso[2]}Z` : text);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

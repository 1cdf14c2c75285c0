import { XMLParser } from 'fast-xml-parser';
import { closeTruncated, fromBase64, innerXml, parseDate, resolveUrl, toText } from './feed-values.js';

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

const JSON_FEED_VERSION = /^https?:\/\/jsonfeed\.org\/version\/1/;
/**
 * Elements that hold text or markup. fxp's object model would drop or glue markup inside them
 * (`Intro <p>Example</p> tail` → "Introtail"), so they are kept raw and read by innerXml.
 */
const TEXT_ELEMENTS = ['title', 'description', 'summary', 'content', 'content:encoded', 'dc:title', 'dc:description', 'body', 'xhtml:body', 'itunes:summary'];

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep "0012" guids and "2024" titles as strings rather than numbers.
  parseTagValue: false,
  // fxp never fetches external entities (declaring one throws) and caps internal expansion.
  processEntities: true,
  // Numeric references (&#8217;) are plain XML, but fxp 5 only decodes them with this flag.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- its replacement (entityDecoder) is untested here
  htmlEntities: true,
  stopNodes: TEXT_ELEMENTS.map((name) => `*.${name}`),
});

/** Parses RSS 2.0, RSS 1.0 (RDF), Atom 1.0 or JSON Feed 1.x; returns null when the body is not a feed. */
export function parseFeed(body: string, baseUrl: string, contentType?: string): ParsedFeed | null {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  // Sniff the body first: servers routinely label feeds text/html or text/plain.
  if (text.startsWith('{') || (/json/i.test(contentType ?? '') && !text.startsWith('<'))) {
    return parseJsonFeed(text, baseUrl);
  }
  if (!text.startsWith('<')) return null;
  const doc = parseXml(text);
  if (!isNode(doc)) return null;
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
  const root = rootName === undefined ? undefined : doc[rootName];
  if (!isNode(root)) return null;
  if (rootName === 'rss') return parseRss(root, baseUrl);
  if (rootName === 'feed') return parseAtom(root, baseUrl);
  if (rootName === 'rdf:RDF' || rootName?.endsWith(':RDF')) return parseRdf(root, baseUrl);
  return null;
}

/** The parsed document; a document cut off before its end is closed and parsed again, keeping what came before the cut. */
function parseXml(text: string): unknown {
  try {
    return xmlParser.parse(text);
  } catch {
    try {
      return xmlParser.parse(closeTruncated(text));
    } catch {
      return null;
    }
  }
}

function parseRss(rss: Fields, baseUrl: string): ParsedFeed | null {
  // A channel-less <rss> holding its items directly is still read.
  const channel = asArray(rss.channel).find(isNode) ?? rss;
  return {
    format: 'rss',
    title: markupText(channel.title) ?? markupText(channel['dc:title']),
    link: resolveUrl(textOf(channel.link), baseUrl),
    items: compact(
      asArray(channel.item)
        .filter(isNode)
        .map((item) => rssItem(item, baseUrl)),
    ),
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
    title: channel ? (markupText(channel.title) ?? markupText(channel['dc:title'])) : null,
    link: channel ? resolveUrl(textOf(channel.link), baseUrl) : null,
    items: compact(items.map((item) => rssItem(item, baseUrl))),
  };
}

/** Shared by RSS 2.0 and RSS 1.0: same element names, RDF adds rdf:about. */
function rssItem(item: Fields, baseUrl: string): FeedItem {
  const guid = textOf(item.guid) ?? attr(item, 'rdf:about');
  // A guid is the permalink unless it says otherwise — but only if it really is a URL.
  const guidLink = guid !== null && attr(item.guid, 'isPermaLink') !== 'false' && /^https?:\/\//i.test(guid) ? resolveUrl(guid, baseUrl) : null;
  return {
    guid,
    link: resolveUrl(textOf(item.link), baseUrl) ?? guidLink,
    title: markupText(item.title) ?? markupText(item['dc:title']),
    // The first body that yields text: a short description first, the full content when there is none.
    summary: firstOf([item.description, item['dc:description'], item['content:encoded'], item['xhtml:body'], item.body, item['itunes:summary']], markupText),
    author: personName(textOf(item['dc:creator']) ?? textOf(item.author) ?? textOf(item['dc:author']) ?? textOf(item['itunes:author'])),
    publishedAt: parseDate(
      firstOf(
        ['pubDate', 'dc:date', 'dcterms:issued', 'dcterms:modified', 'dcterms:created'].map((k) => item[k]),
        textOf,
      ),
    ),
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
    // Atom 0.3 names its dates issued, modified and created.
    publishedAt: parseDate(firstOf([entry.published, entry.updated, entry.issued, entry.modified, entry.created], textOf)),
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

/**
 * Atom text constructs declare their own type: text (default), html or xhtml (Atom 0.3: a MIME
 * type, with `mode` escaped, xml or base64). Content of another MIME type is base64 (RFC 4287 §4.1.3.3).
 */
function atomText(value: unknown): string | null {
  const node = asArray(value)[0];
  const raw = rawOf(node);
  if (raw === null) return null;
  const type = (attr(node, 'type') ?? 'text').toLowerCase();
  const base64 = attr(node, 'mode')?.toLowerCase() === 'base64' || (type.includes('/') && !type.startsWith('text/') && !/[+/]xml$/.test(type));
  const { value: text, markup } = innerXml(raw);
  if (base64) {
    const decoded = fromBase64(text);
    if (decoded === null) return null;
    // Decoded bytes of an unnamed type are read like RSS text: HTML when they look like it.
    return toText(decoded, type.includes('html') ? 'html' : type.includes('plain') ? 'text' : 'auto');
  }
  return toText(text, markup || type.includes('html') ? 'html' : 'text');
}

/** Text of an RSS text element (kept raw): HTML when it holds markup or looks like HTML. */
function markupText(value: unknown): string | null {
  const raw = rawOf(asArray(value)[0]);
  if (raw === null) return null;
  const { value: text, markup } = innerXml(raw);
  return toText(text, markup ? 'html' : 'auto');
}

/** The raw inner XML of a text element fxp kept raw, or null. */
function rawOf(node: unknown): string | null {
  const raw = isNode(node) ? node['#text'] : node;
  return typeof raw === 'string' && raw.trim() !== '' ? raw : null;
}

/** The first non-null reading of several candidate values, in order of preference. */
function firstOf(values: unknown[], read: (value: unknown) => string | null): string | null {
  for (const value of values) {
    const text = read(value);
    if (text !== null) return text;
  }
  return null;
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
    summary: toText(str(item.summary), 'auto') ?? toText(str(item.content_text), 'text') ?? toText(str(item.content_html), 'html'),
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

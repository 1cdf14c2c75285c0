/** Values of feed fields, read leniently: text kept raw by the XML parser, HTML, base64, URLs, dates. */
import { load } from 'cheerio';

/** How a text value is written: 'auto' = strip HTML only when it looks like markup (RSS leaves it unspecified). */
export type TextMode = 'html' | 'text' | 'auto';

/** Longest text a feed field keeps, in characters. */
export const MAX_TEXT = 1000;
// Full-content feeds carry 50 KB+ of HTML per item and cheerio dominates parse time;
// 20 KB of markup still yields far more than MAX_TEXT chars of text.
const MAX_HTML = 20_000;
const HTML_HINT = /<\/?[a-z][^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;
const BLOCKS =
  'address,article,aside,blockquote,dd,div,dl,dt,figcaption,figure,footer,h1,h2,h3,h4,h5,h6,header,hr,li,main,nav,ol,p,pre,section,table,td,th,tr,ul';
const CDATA = /<!\[CDATA\[([\s\S]*?)\]\]>/g;
const CHILD_ELEMENT = /<[A-Za-z_][^>]*>/;
const XML_ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * The value of a text element the XML parser kept raw (its inner XML): CDATA unwrapped and XML
 * entities decoded, and whether the element holds markup of its own (`Intro <p>Example</p> tail`,
 * an xhtml `<div>`), which is then HTML to read, not text to drop or glue.
 */
export function innerXml(raw: string): { value: string; markup: boolean } {
  if (CHILD_ELEMENT.test(raw.replace(CDATA, ''))) {
    // Naked markup: the raw XML is the HTML; CDATA inside it is text, so it is escaped as such.
    return { value: raw.replace(CDATA, (_m, text: string) => escapeHtml(text)), markup: true };
  }
  let value = '';
  let last = 0;
  for (const match of raw.matchAll(CDATA)) {
    value += decodeXml(raw.slice(last, match.index)) + match[1];
    last = match.index + match[0].length;
  }
  return { value: value + decodeXml(raw.slice(last)), markup: false };
}

/** Decodes the five XML entities and character references; HTML's named entities are left to the HTML reader. */
function decodeXml(text: string): string {
  return text.replace(XML_ENTITY, (whole, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name) return NAMED[name];
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text of a field: HTML stripped when it is HTML, whitespace collapsed, at most MAX_TEXT chars; null when empty. */
export function toText(raw: string | null, mode: TextMode): string | null {
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

/** Base64 content (Atom 0.3 `mode="base64"`, or Atom 1.0 content of a non-text type) decoded as UTF-8, or null. */
export function fromBase64(text: string): string | null {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return null;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** Where each kind of markup that is not an element ends; what it holds is skipped. */
const SKIPPED_MARKUP: [string, string][] = [
  ['<![CDATA[', ']]>'],
  ['<!--', '-->'],
  ['<?', '?>'],
  ['<!', '>'],
];

/**
 * A document cut off before its end (a truncated download: `</rss` missing or half an item) made
 * whole again: the unfinished tag at the very end is dropped and the elements still open are
 * closed, so the items before the cut are kept as a lenient parser keeps them. One forward scan
 * with indexOf, so a hostile body costs linear time.
 */
export function closeTruncated(xml: string): string {
  const open: string[] = [];
  const counts = new Map<string, number>();
  let at = xml.indexOf('<');
  let end = xml.length;
  while (at >= 0) {
    const skipped = SKIPPED_MARKUP.find(([start]) => xml.startsWith(start, at));
    const close = skipped ? xml.indexOf(skipped[1], at + skipped[0].length) : xml.indexOf('>', at);
    if (close < 0) {
      end = at;
      break;
    }
    if (!skipped) trackElement(xml.slice(at + 1, close), open, counts);
    at = xml.indexOf('<', close);
  }
  return (
    xml.slice(0, end) +
    open
      .reverse()
      .map((name) => `</${name}>`)
      .join('')
  );
}

/**
 * Pushes an opening tag's name, pops up to a closing tag's; self-closing tags change nothing. A
 * closing tag is looked for only when its name is open, so each search pops what it scans.
 */
function trackElement(tag: string, open: string[], counts: Map<string, number>): void {
  if (tag.endsWith('/')) return;
  const name = /^\/?([^\s/>]+)/.exec(tag)?.[1];
  if (!name) return;
  if (!tag.startsWith('/')) {
    open.push(name);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  } else if (counts.get(name)) {
    const index = open.lastIndexOf(name);
    for (const popped of open.splice(index)) counts.set(popped, counts.get(popped)! - 1);
  }
}

/** Absolute http(s) URL or null: other schemes (javascript:, data:) must never reach users. */
export function resolveUrl(href: string | null, base: string): string | null {
  if (href === null) return null;
  const raw = href.trim();
  // An unusable base must not sink an already-absolute href.
  const url = URL.canParse(raw, base) ? new URL(raw, base) : URL.canParse(raw) ? new URL(raw) : null;
  return url?.protocol === 'http:' || url?.protocol === 'https:' ? url.href : null;
}

const ZONELESS_ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const HAS_YEAR = /\d{4}|\b\d{1,2} [A-Za-z]{3} \d{2}\b/;

/** A feed date (RFC 822, ISO 8601, zone-less taken as UTC), or null when it names no year or does not parse. */
export function parseDate(raw: string | null): Date | null {
  if (raw === null) return null;
  const text = raw.trim();
  // V8's lenient parser turns junk like "1" or "0" into dates in 2000/2001.
  if (!HAS_YEAR.test(text)) return null;
  // Zone-less date-times would parse as server-local time; feeds almost always mean UTC.
  const iso = ZONELESS_ISO.exec(text);
  const ms = Date.parse(iso ? `${iso[1]}T${iso[2]}Z` : text);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

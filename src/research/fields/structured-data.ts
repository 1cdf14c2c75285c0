import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import { collapse } from '../coerce.js';
import { elementText, memo, type ParsedPage } from './parsed-page.js';
import { tokens } from './tokens.js';

/** One value of a page's structured data, with the words of its key and of what encloses it. */
export interface Candidate {
  /** "JSON-LD", "microdata", "OpenGraph", "meta tag", "HTML" or "JSON key". */
  source: string;
  /** Readable path such as "Product.offers.price" or "og:title". */
  path: string;
  keyTokens: string[];
  contextTokens: string[];
  value: unknown;
  depth: number;
  /** Site furniture (WebSite, Organization, BreadcrumbList…), whose names rarely answer a question. */
  demoted: boolean;
}

const MAX_CANDIDATES = 5000;
const MAX_DEPTH = 8;
const FURNITURE = new Set([
  'WebSite',
  'WebPage',
  'BreadcrumbList',
  'ListItem',
  'Organization',
  'SearchAction',
  'SiteNavigationElement',
  'ImageObject',
  'WPHeader',
  'WPFooter',
  'WPSideBar',
  'CollectionPage',
  'EntryPoint',
]);
const OG_NAMESPACES = new Set(['og', 'article', 'product', 'book', 'profile', 'music', 'video', 'fb']);

/** The first `@type` of a structured-data node, if any. */
export function typeOf(node: unknown): string | null {
  if (node === null || typeof node !== 'object') return null;
  const type = (node as Record<string, unknown>)['@type'];
  const first: unknown = Array.isArray(type) ? type[0] : type;
  return typeof first === 'string' ? first.replace(/^.*[/#]/, '') : null;
}

/** Flattens a JSON value into candidates, one per key at any depth (arrays index their elements). */
export function flatten(root: unknown, source: string, prefix: string, out: Candidate[] = []): Candidate[] {
  const walk = (node: unknown, path: string, context: string[], depth: number, demoted: boolean) => {
    if (depth > MAX_DEPTH || out.length >= MAX_CANDIDATES || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${path}[${i}]`, context, depth, demoted));
      return;
    }
    const type = typeOf(node);
    const here = type ? [...context, ...tokens(type)] : context;
    const furniture = demoted || (type !== null && FURNITURE.has(type));
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key.startsWith('@') || out.length >= MAX_CANDIDATES) continue;
      const at = path ? `${path}.${key}` : key;
      out.push({ source, path: at, keyTokens: tokens(key), contextTokens: here, value, depth, demoted: furniture });
      walk(value, at, [...here, ...tokens(key)], depth + 1, furniture);
    }
  };
  walk(root, prefix, [], 0, false);
  return out;
}

/** Every candidate of a page's structured data, in a fixed order: JSON-LD, microdata, OpenGraph/meta, `<title>`. */
export function pageCandidates(page: ParsedPage): Candidate[] {
  return memo(page, 'structured', () => {
    if (page.kind === 'json') return flatten(page.json, 'JSON key', '');
    const out: Candidate[] = [];
    for (const node of jsonLdNodes(page)) flatten(node, 'JSON-LD', typeOf(node) ?? '', out);
    for (const item of microdataItems(page)) flatten(item, 'microdata', typeOf(item) ?? '', out);
    out.push(...metaCandidates(page.$));
    if (page.title) {
      // The <title> often carries the site's name too ("Post | Site"), so it yields to cleaner sources on a tie.
      out.push({ source: 'HTML', path: '<title>', keyTokens: tokens('title'), contextTokens: [], value: page.title, depth: 0, demoted: true });
    }
    return out;
  });
}

/** JSON-LD nodes of a page: each script's object, array elements and `@graph` members, in document order. */
export function jsonLdNodes(page: ParsedPage): Record<string, unknown>[] {
  return memo(page, 'jsonld', () => {
    const nodes: Record<string, unknown>[] = [];
    const add = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(add);
      else if (value !== null && typeof value === 'object') {
        const { '@graph': graph, ...rest } = value as Record<string, unknown>;
        if (graph === undefined || rest['@type'] !== undefined) nodes.push(graph === undefined ? (value as Record<string, unknown>) : rest);
        if (graph !== undefined) add(graph);
      }
    };
    page.$('script').each((_, el) => {
      if ((el.attribs.type ?? '').trim().toLowerCase() !== 'application/ld+json') return;
      const text = page
        .$(el)
        .text()
        .replace(/^\s*(<!--|<!\[CDATA\[)/, '')
        .replace(/(-->|\]\]>)\s*$/, '');
      try {
        add(JSON.parse(text));
      } catch {
        /* a broken block is skipped, like browsers and search engines do */
      }
    });
    return nodes;
  });
}

/** Top-level microdata items as JSON-LD-like objects (`@type` plus properties; repeated properties become lists). */
export function microdataItems(page: ParsedPage): Record<string, unknown>[] {
  return memo(page, 'microdata', () =>
    page
      .$('[itemscope]:not([itemprop])')
      .toArray()
      .map((el) => microdataItem(page.$, el)),
  );
}

function microdataItem($: CheerioAPI, scope: Element, depth = 0): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  const type = (scope.attribs.itemtype ?? '').trim().split(/\s+/)[0];
  if (type) item['@type'] = type;
  $(scope)
    .find('[itemprop]')
    .each((_, el) => {
      // A property belongs to the nearest enclosing item only.
      if ($(el).parent().closest('[itemscope]').get(0) !== scope) return;
      const value = el.attribs.itemscope !== undefined && depth < MAX_DEPTH ? microdataItem($, el, depth + 1) : propertyValue(el);
      for (const name of (el.attribs.itemprop ?? '').trim().split(/\s+/).filter(Boolean)) {
        const existing = item[name];
        item[name] = existing === undefined ? value : Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value];
      }
    });
  return item;
}

/** A microdata property's value, per the HTML spec's rules for each element. */
function propertyValue(el: Element): string {
  const a = el.attribs;
  if (a.content !== undefined) return collapse(a.content);
  switch (el.name) {
    case 'a':
    case 'area':
    case 'link':
      return a.href ?? '';
    case 'img':
    case 'audio':
    case 'video':
    case 'source':
    case 'iframe':
    case 'embed':
    case 'track':
      return a.src ?? '';
    case 'object':
      return a.data ?? '';
    case 'time':
      return a.datetime ?? elementText(el);
    case 'data':
    case 'meter':
      return a.value ?? elementText(el);
    default:
      return elementText(el);
  }
}

function metaCandidates($: CheerioAPI): Candidate[] {
  const out: Candidate[] = [];
  $('meta[content]').each((_, el) => {
    const key = (el.attribs.property ?? el.attribs.name ?? '').trim();
    const content = collapse(el.attribs.content ?? '');
    if (key === '' || content === '' || el.attribs.itemprop !== undefined) return;
    const segments = key.split(':');
    const namespaced = segments.length > 1;
    const source = namespaced && OG_NAMESPACES.has(segments[0].toLowerCase()) ? 'OpenGraph' : 'meta tag';
    out.push({
      source,
      path: key,
      value: content,
      depth: 0,
      demoted: false,
      keyTokens: tokens(namespaced ? segments.slice(1).join(' ') : key),
      contextTokens: namespaced ? tokens(segments[0]) : [],
    });
  });
  return out;
}

import { load, type CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { collapse } from '../coerce.js';
import { checkJsonDepth, checkMarkupDepth, checkTree } from '../parse-limits.js';

/** A fetched page: its final URL after redirects and its decoded body. */
export interface Page {
  url: string;
  body: string;
  contentType?: string;
}

/** A page parsed once for every rule that reads it; derived views are computed on first use. */
export interface ParsedPage {
  url: string;
  /** The HTML `<title>`, collapsed; null for JSON pages and pages without one. */
  title: string | null;
  kind: 'html' | 'json';
  /** The HTML document (an empty one for JSON pages). */
  $: CheerioAPI;
  /** The parsed body of a JSON page. */
  json?: unknown;
  body: string;
  memo: Map<string, unknown>;
}

const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'iframe', 'object']);
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'caption',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'tfoot',
  'thead',
  'tr',
  'ul',
  'body',
  'html',
  'details',
  'summary',
]);

/** Parses a page as JSON (by content type, or a body that parses as JSON) or else as HTML; throws over the parse limits. */
export function parsePage(page: Page): ParsedPage {
  const json = asJson(page);
  if (json !== undefined) checkJsonDepth(json, 'the JSON document');
  if (json !== undefined) return { url: page.url, title: null, kind: 'json', $: load(''), json, body: page.body, memo: new Map() };
  checkMarkupDepth(page.body, 'the page');
  const $ = load(page.body);
  checkTree($.root()[0], 'the page');
  const title = collapse($('title').first().text()) || null;
  return { url: page.url, title, kind: 'html', $, body: page.body, memo: new Map() };
}

function asJson(page: Page): unknown {
  const body = page.body.trim();
  const declared = /\bjson\b|\+json\b/i.test(page.contentType ?? '');
  if (!declared && !/^[[{]/.test(body)) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Computes a derived view of a page once. */
export function memo<T>(page: ParsedPage, key: string, compute: () => T): T {
  if (!page.memo.has(key)) page.memo.set(key, compute());
  return page.memo.get(key) as T;
}

const FLUSH = Symbol('flush');

/** Visible text under a node, one line per block element, each line collapsed; empty lines dropped. */
export function textLines(node: AnyNode): string[] {
  const lines: string[] = [];
  let current = '';
  const flush = () => {
    const line = collapse(current);
    if (line !== '') lines.push(line);
    current = '';
  };
  // An explicit stack (FLUSH marks a block's end): nesting depth never reaches the call stack.
  const stack: (AnyNode | typeof FLUSH)[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === FLUSH) {
      flush();
      continue;
    }
    if (n.type === 'text') {
      current += (n as unknown as { data: string }).data;
      continue;
    }
    if (n.type === 'comment' || n.type === 'directive') continue;
    const el = n as Element;
    if (el.name && SKIPPED.has(el.name)) continue;
    const block = el.name !== undefined && BLOCKS.has(el.name);
    if (block) flush();
    // A table row reads as one line, its cells separated as in "Plan | Price | Seats".
    if (n !== node && (el.name === 'td' || el.name === 'th') && hasCellBefore(el)) current += ' | ';
    if (block) stack.push(FLUSH);
    const children = el.children ?? [];
    for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]);
  }
  flush();
  return lines;
}

function hasCellBefore(el: Element): boolean {
  for (let n = el.prev; n; n = n.prev) if ((n as Element).name === 'td' || (n as Element).name === 'th') return true;
  return false;
}

/** The page's visible text, one line per block (what `x-regex` and "Label: value" read). */
export function pageLines(page: ParsedPage): string[] {
  return memo(page, 'lines', () => {
    if (page.kind === 'json') return [JSON.stringify(page.json, null, 1)];
    const root = page.$('body').get(0) ?? page.$.root().get(0);
    return root ? textLines(root) : [];
  });
}

/** Position of each element in document order, to break score ties deterministically. */
export function documentOrder(page: ParsedPage): Map<AnyNode, number> {
  return memo(page, 'order', () => {
    const order = new Map<AnyNode, number>();
    page.$('*').each((i, el) => {
      order.set(el, i);
    });
    return order;
  });
}

/** An element's visible text, collapsed to one line. */
export function elementText(el: AnyNode): string {
  return collapse(textLines(el).join(' '));
}

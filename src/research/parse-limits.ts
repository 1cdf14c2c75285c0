/**
 * Limits on what one fetched body may hold before reading it would cost more than it is worth
 * (a hostile page of 100,000 nested <div>s, a JSON endpoint of a million elements). A body over a
 * limit fails its source with a SourceLimitError naming the limit; the process is never at risk.
 * They are set per parse worker from the configuration (see research/isolate/parse-pool.ts).
 */
export interface ParseLimits {
  /** Deepest nesting of elements (HTML, XML) or of arrays and objects (JSON) read. */
  maxDepth: number;
  /** Most HTML nodes (elements, text, comments) in one page. */
  maxNodes: number;
  /** Most items (feed entries, JSON array elements) one source may hold. */
  maxItems: number;
}

/** Chromium's HTML parser stops nesting at 512 levels too; real pages stay far below. */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({ maxDepth: 512, maxNodes: 250_000, maxItems: 5_000 });

let limits: ParseLimits = { ...DEFAULT_PARSE_LIMITS };

/** Sets the limits of this thread (each parse worker sets them from its configuration once). */
export function setParseLimits(next: ParseLimits): void {
  limits = { ...next };
}

/** The limits in force in this thread. */
export function parseLimits(): Readonly<ParseLimits> {
  return limits;
}

/** A body over one of the parse limits: the source fails with this message. */
export class SourceLimitError extends Error {}

const n = (value: number) => value.toLocaleString('en-US');

/** Minimal shape of a parsed HTML node (domhandler's). */
interface TreeNode {
  children?: TreeNode[];
}

/** Throws a SourceLimitError when an HTML tree nests deeper or holds more nodes than allowed; iterative. */
export function checkTree(root: object, what: string): void {
  const stack: [TreeNode, number][] = [[root, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limits.maxDepth) {
      throw new SourceLimitError(`${what} nests elements more than ${n(limits.maxDepth)} levels deep (the limit)`);
    }
    nodes += 1;
    if (nodes > limits.maxNodes) throw new SourceLimitError(`${what} has more than ${n(limits.maxNodes)} HTML nodes (the limit)`);
    for (const child of node.children ?? []) stack.push([child, depth + 1]);
  }
}

/** Elements that never nest (void) or whose end tag may be left out (closed implicitly by a sibling). */
const FLAT_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
  'p',
  'li',
  'dt',
  'dd',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'option',
  'optgroup',
  'rb',
  'rt',
  'rp',
  'colgroup',
  'caption',
  'html',
  'head',
  'body',
  '!doctype',
]);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'plaintext']);
const TAG_NAME = /^(\/?)([a-zA-Z][\w:.-]*)/;

/**
 * Throws a SourceLimitError when markup (HTML or XML) visibly nests deeper than allowed, before any
 * parser builds its tree: the HTML parsers take quadratic time or more in the depth (100,000 nested
 * <div>s take parse5 minutes), so the depth is estimated first by one linear scan of the tags.
 * Elements whose end tag may be omitted are not counted, so sloppy markup is not over-counted.
 */
export function checkMarkupDepth(markup: string, what: string): void {
  const lower = markup.toLowerCase();
  let depth = 0;
  for (let i = lower.indexOf('<'); i !== -1; i = lower.indexOf('<', i)) {
    if (lower.startsWith('<!--', i)) {
      const end = lower.indexOf('-->', i + 4);
      if (end === -1) return;
      i = end + 3;
      continue;
    }
    const close = lower.indexOf('>', i + 1);
    if (close === -1) return;
    const tag = TAG_NAME.exec(lower.slice(i + 1, Math.min(close, i + 64)));
    i = close + 1;
    if (!tag || lower[close - 1] === '/' || FLAT_ELEMENTS.has(tag[2])) continue;
    if (tag[1] === '/') {
      depth = Math.max(0, depth - 1);
    } else if (RAW_TEXT.has(tag[2])) {
      // Its text is no markup: skip past its end tag.
      const end = lower.indexOf(`</${tag[2]}`, i);
      if (end === -1) return;
      i = lower.indexOf('>', end);
      if (i === -1) return;
    } else if (++depth > limits.maxDepth) {
      throw new SourceLimitError(`${what} nests elements more than ${n(limits.maxDepth)} levels deep (the limit)`);
    }
  }
}

/** Throws a SourceLimitError when parsed JSON nests arrays and objects deeper than allowed; iterative. */
export function checkJsonDepth(value: unknown, what: string): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limits.maxDepth) throw new SourceLimitError(`${what} nests JSON more than ${n(limits.maxDepth)} levels deep (the limit)`);
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}

/** Throws a SourceLimitError when a source holds more items than allowed. */
export function checkItemCount(count: number, what: string): void {
  if (count > limits.maxItems) {
    throw new SourceLimitError(`${what} holds ${n(count)} items; at most ${n(limits.maxItems)} are read from one source (VIGIL_PARSE_MAX_ITEMS)`);
  }
}

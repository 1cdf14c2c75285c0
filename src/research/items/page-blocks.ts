import { load, type CheerioAPI } from 'cheerio';
import { collapse } from '../coerce.js';
import { absoluteUrl } from './feed-discovery.js';
import { checkTree } from '../parse-limits.js';
import { isDateline, normaliseLink, stableText } from '../normalise.js';

/** What a block of page content is. */
export type BlockKind = 'heading' | 'paragraph' | 'item' | 'row' | 'text';

/** One stable block of a page's main content. */
export interface PageBlock {
  kind: BlockKind;
  /** The block's text, whitespace collapsed (table cells joined with " | "). */
  text: string;
  /** The id of the nearest heading above (or of the block itself), for a `#fragment`; null when none has one. */
  anchor: string | null;
  /** The text of the nearest heading above, or null. */
  section: string | null;
  /** The block's links with their text, absolute http(s), in document order. */
  links: { url: string; text: string }[];
}

/** A link that names an entry of a listing page (a post on a blog index, a release on a changelog). */
export interface EntryLink {
  url: string;
  title: string;
  summary: string | null;
  section: string | null;
}

/** A page split into blocks; `entries` is non-empty only when the page is a listing. */
export interface ExtractedPage {
  title: string | null;
  blocks: PageBlock[];
  entries: EntryLink[];
}

/** Minimal DOM node shape of cheerio's (htmlparser2's) tree. */
interface DomNode {
  type: string;
  data?: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
}

const SKIPPED_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'canvas',
  'iframe',
  'object',
  'embed',
  'nav',
  'aside',
  'form',
  'button',
  'select',
  'input',
  'textarea',
  'dialog',
  'menu',
  'time',
  'head',
  'video',
  'audio',
]);
const LEAF_BLOCKS: Record<string, BlockKind> = {
  h1: 'heading',
  h2: 'heading',
  h3: 'heading',
  h4: 'heading',
  h5: 'heading',
  h6: 'heading',
  p: 'paragraph',
  blockquote: 'paragraph',
  pre: 'paragraph',
  figcaption: 'paragraph',
  dd: 'paragraph',
  dt: 'paragraph',
  li: 'item',
  tr: 'row',
};
const CONTAINERS = new Set([
  'div',
  'section',
  'article',
  'main',
  'body',
  'html',
  'ul',
  'ol',
  'dl',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'figure',
  'header',
  'footer',
  'address',
  'details',
  'summary',
  'center',
  'hr',
  'caption',
]);
const CHROME_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'complementary',
  'search',
  'dialog',
  'alert',
  'menu',
  'menubar',
  'toolbar',
  'timer',
  'marquee',
]);
/**
 * Class and id words that mark page chrome: navigation, cookie banners, ad slots, share bars,
 * widgets, clocks. Matched as whole words between `-`, `_` or spaces so "add-to-cart" or
 * "download" do not match "ad".
 */
const CHROME_WORDS =
  /(?:^|[\s_-])(?:nav|navbar|navigation|menu|sidebar|cookies?|consent|gdpr|cmp|ads?|advert|adverts|advertisement|adslot|adunit|dfp|sponsor|sponsored|promo|promoted|newsletter|subscribe|share|sharing|social|breadcrumbs?|pagination|pager|skip|popup|modal|related|recommended|trending|widget|comments?|toolbar|masthead|copyright|ticker|clock|timestamp|banner|outbrain|taboola)(?:$|[\s_-])/i;

/** A listing has at least this many entry links… */
const LISTING_MIN_ENTRIES = 3;
/** …and they are at least this share of its blocks. */
const LISTING_MIN_SHARE = 0.25;

/**
 * Splits an HTML page into stable blocks of its main content (the `<main>` element when there is
 * one, else the body), leaving out chrome: navigation, header and footer outside articles, asides,
 * forms, cookie banners and ad slots (by tag, ARIA role or class/id words), hidden elements, and
 * blocks that are only a dateline ("Updated 3 minutes ago").
 */
export function extractPage(html: string, pageUrl: string): ExtractedPage {
  // htmlparser2 in HTML mode: several times faster than parse5, and as lenient for this purpose.
  const $ = load(html, { xml: { xmlMode: false, decodeEntities: true } });
  checkTree($.root()[0], 'the page');
  const base = absoluteUrl($('base[href]').first().attr('href'), pageUrl) ?? pageUrl;
  const title = collapse($('title').first().text()) || null;
  const main = $('main, [role="main"]').first();
  const root = (main.length > 0 ? main[0] : ($('body')[0] ?? $.root()[0])) as unknown as DomNode;
  const walker = new BlockWalker(base);
  walker.walk(root, main.length > 0);
  walker.flush();
  const blocks = walker.blocks;
  return { title, blocks, entries: listingEntries(blocks, pageUrl) };
}

/** A node still to visit, and whether it sits inside an article. */
interface Visit {
  node: DomNode;
  inArticle: boolean;
}

/** Pushes a node's children so that they pop in document order. */
function pushChildren(stack: (Visit | (() => void))[], node: DomNode, inArticle: boolean): void {
  const children = node.children ?? [];
  for (let i = children.length - 1; i >= 0; i -= 1) stack.push({ node: children[i], inArticle });
}

/** Accumulates text into blocks while walking the tree in document order. */
class BlockWalker {
  readonly blocks: PageBlock[] = [];
  private parts: string[] = [];
  private links: { url: string; text: string }[] = [];
  private kind: BlockKind = 'text';
  private anchor: string | null = null;
  private section: string | null = null;
  private ownAnchor: string | null = null;
  /**
   * A link whose element wraps blocks (a card: `<a><h3>Title</h3><p>…</p></a>`): its text is flushed
   * as blocks before the link closes, so it is given to the first block that starts inside it.
   */
  private wrapping: { url: string; startsInside: boolean; given: boolean } | null = null;

  constructor(private readonly base: string) {}

  /** Walks the tree in document order with an explicit stack: nesting depth never reaches the call stack. */
  walk(root: DomNode, inArticle: boolean): void {
    const stack: (Visit | (() => void))[] = [{ node: root, inArticle }];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (typeof next === 'function') next();
      else this.enter(next.node, next.inArticle, stack);
    }
  }

  /** Handles a node on the way in; what must happen on the way out is pushed below its children. */
  private enter(node: DomNode, inArticle: boolean, stack: (Visit | (() => void))[]): void {
    if (node.type === 'text') {
      this.parts.push(node.data ?? '');
      return;
    }
    if (node.type !== 'tag' && node.type !== 'root') return;
    const name = node.name ?? '';
    if (isChrome(node, name, inArticle)) return;
    const leaf = LEAF_BLOCKS[name];
    if (leaf && this.kind !== 'row') {
      this.flush();
      this.kind = leaf;
      this.ownAnchor = node.attribs?.id ?? null;
      stack.push(() => this.flush());
      pushChildren(stack, node, inArticle);
      return;
    }
    if (name === 'br') {
      this.parts.push(' ');
      return;
    }
    if (name === 'td' || name === 'th') this.parts.push(' | ');
    if (CONTAINERS.has(name) && this.kind === 'text') this.flush();
    const start = this.parts.length;
    const outer = this.wrapping;
    if (name === 'a') this.wrapping = this.openLink(node);
    stack.push(() => {
      if (name === 'a') {
        this.wrapping = outer;
        this.addLink(node, this.parts.slice(start).join(''));
      }
      if (CONTAINERS.has(name) && this.kind === 'text') this.flush();
    });
    pushChildren(stack, node, inArticle || name === 'article' || name === 'main');
  }

  private openLink(node: DomNode): BlockWalker['wrapping'] {
    const url = absoluteUrl(node.attribs?.href, this.base);
    // Text already waiting belongs to a block that began before the link.
    return url ? { url, startsInside: this.parts.every((part) => part.trim() === ''), given: false } : null;
  }

  private addLink(node: DomNode, text: string): void {
    const url = absoluteUrl(node.attribs?.href, this.base);
    const label = collapse(text);
    if (url && label) this.links.push({ url, text: label });
    this.ownAnchor ??= node.attribs?.id ?? node.attribs?.name ?? null;
  }

  /** Ends the current block; text-less and dateline-only blocks are dropped. */
  flush(): void {
    const text = collapse(this.parts.join(''))
      .replace(/^\|\s*|\s*\|$/g, '')
      .replace(/(?:\s*\|\s*)+\|/g, ' |')
      .trim();
    if (text && /[\p{L}\p{N}]/u.test(text) && !isDateline(text)) {
      if (this.kind === 'heading') {
        this.section = text;
        this.anchor = this.ownAnchor;
      }
      const wrap = this.wrapping;
      if (wrap?.startsInside && !wrap.given) {
        this.links.push({ url: wrap.url, text });
        wrap.given = true;
      }
      this.blocks.push({
        kind: this.kind,
        text,
        anchor: this.kind === 'heading' ? this.anchor : (this.ownAnchor ?? this.anchor),
        section: this.section,
        links: this.links,
      });
    }
    if (this.wrapping) this.wrapping.startsInside = true;
    this.parts = [];
    this.links = [];
    this.kind = 'text';
    this.ownAnchor = null;
  }
}

/**
 * Removes page chrome from a parsed document's body, by the same rules that keep it out of page
 * blocks, so that a task's text output and page watching agree on what a page's content is.
 */
export function removeChrome($: CheerioAPI): void {
  const body = $('body')[0] as unknown as DomNode | undefined;
  // An explicit stack: nesting depth never reaches the call stack.
  const stack: Visit[] = body ? [{ node: body, inArticle: false }] : [];
  while (stack.length > 0) {
    const { node, inArticle } = stack.pop()!;
    for (const child of [...(node.children ?? [])]) {
      if (child.type !== 'tag') continue;
      const name = child.name ?? '';
      if (isChrome(child, name, inArticle)) $(child as never).remove();
      else stack.push({ node: child, inArticle: inArticle || name === 'article' || name === 'main' });
    }
  }
}

function isChrome(node: DomNode, name: string, inArticle: boolean): boolean {
  if (SKIPPED_TAGS.has(name)) return true;
  // A page's own header and footer are chrome; an article's header holds its title.
  if ((name === 'header' || name === 'footer') && !inArticle) return true;
  const a = node.attribs;
  if (!a) return false;
  if ('hidden' in a || a['aria-hidden'] === 'true' || /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a.style ?? '')) return true;
  if (a.role && CHROME_ROLES.has(a.role.toLowerCase())) return true;
  return CHROME_WORDS.test(a.class ?? '') || CHROME_WORDS.test(a.id ?? '') || 'data-ad' in a || 'data-ad-slot' in a;
}

/**
 * The entry links of a listing page. A block is an entry when it is a heading, list item or
 * paragraph whose text is mostly (≥ 60%) one link of two words or more to another page; the page is
 * a listing when it has at least LISTING_MIN_ENTRIES such blocks making up at least
 * LISTING_MIN_SHARE of its blocks (blog indexes, changelogs and press pages list posts that way;
 * an article's paragraphs are mostly prose). Blocks after an entry, up to the next, give its summary.
 */
export function listingEntries(blocks: PageBlock[], pageUrl: string): EntryLink[] {
  const entries = entryLinks(blocks, pageUrl);
  return entries.length < LISTING_MIN_ENTRIES || entries.length < LISTING_MIN_SHARE * blocks.length ? [] : entries;
}

/**
 * The entries a page has when read as a listing, whether or not it is one: page watching
 * remembers them for a page read as blocks, so that the page turning into a listing (a blog
 * index that grows from two posts to four) does not report its old entries again.
 */
export function entryLinks(blocks: PageBlock[], pageUrl: string): EntryLink[] {
  const page = normaliseLink(pageUrl);
  const entryLink = (block: PageBlock) => {
    if (block.kind === 'row' || block.kind === 'text') return null;
    const link = block.links.find((l) => l.text.length >= 0.6 * block.text.length && l.text.split(/\s+/).length >= 2);
    return link && normaliseLink(link.url) !== page ? link : null;
  };
  const marks = blocks.map(entryLink);
  const entries: EntryLink[] = [];
  blocks.forEach((block, i) => {
    const link = marks[i];
    if (link) entries.push({ url: link.url, title: link.text, summary: null, section: block.section });
    else if (entries.length > 0 && entries.at(-1)!.summary === null && block.kind !== 'heading') entries.at(-1)!.summary = block.text;
  });
  return entries;
}

/** A block's identity: its kind and its stable text (volatile tokens removed), so timestamps never make a block new. */
export function blockIdentity(block: PageBlock): string {
  return `block:${block.kind}:${stableText(block.text)}`;
}

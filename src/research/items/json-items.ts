import { createHash } from 'node:crypto';
import { checkItemCount, checkJsonDepth } from '../parse-limits.js';

/** One element of a JSON endpoint's main array, read through the keys such APIs commonly use. */
export interface JsonItem {
  /** The element's stable key (`id`, `guid`, `uuid`, …) as text, or null when it has none. */
  key: string | null;
  link: string | null;
  title: string | null;
  summary: string | null;
  author: string | null;
  publishedAt: Date | null;
  /** A hash of the element's canonical JSON (keys sorted), its identity when it has no key or link. */
  contentHash: string;
}

const KEY_FIELDS = ['id', 'guid', 'uuid', '_id', 'key', 'slug', 'uid'];
const LINK_FIELDS = ['url', 'link', 'href', 'permalink', 'html_url', 'web_url', 'canonical_url', 'external_url'];
const TITLE_FIELDS = ['title', 'name', 'headline', 'subject', 'label'];
const SUMMARY_FIELDS = ['summary', 'description', 'excerpt', 'content_text', 'content', 'text', 'body', 'message', 'abstract'];
const AUTHOR_FIELDS = ['author', 'byline', 'creator', 'user'];
const DATE_FIELDS = [
  'published_at',
  'publishedAt',
  'published',
  'date_published',
  'pubDate',
  'date',
  'created_at',
  'createdAt',
  'updated_at',
  'updatedAt',
  'timestamp',
  'time',
];
/** Keys that usually hold a document's main array, in order of preference. */
const ARRAY_FIELDS = [
  'items',
  'data',
  'results',
  'entries',
  'posts',
  'articles',
  'records',
  'list',
  'hits',
  'nodes',
  'edges',
  'rows',
  'releases',
  'events',
  'news',
];
const MAX_TEXT = 1000;

/** Parses a JSON body; null when it is not JSON or holds no array; throws over the parse limits. */
export function parseJsonItems(body: string, baseUrl: string): JsonItem[] | null {
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch {
    return null;
  }
  checkJsonDepth(doc, 'the JSON document');
  const array = mainArray(doc, 0);
  if (array) checkItemCount(array.length, 'the JSON document');
  return array ? array.map((element) => jsonItem(element, baseUrl)) : null;
}

/**
 * The document's main array: itself when it is one, else the first of ARRAY_FIELDS holding an
 * array (looking inside `data`-like objects too), else its largest array of objects.
 */
function mainArray(doc: unknown, depth: number): unknown[] | null {
  if (Array.isArray(doc)) return doc as unknown[];
  if (!isObject(doc) || depth > 3) return null;
  for (const field of ARRAY_FIELDS) {
    const value = doc[field];
    if (Array.isArray(value)) return value as unknown[];
    if (isObject(value)) {
      const inner = mainArray(value, depth + 1);
      if (inner) return inner;
    }
  }
  let best: unknown[] | null = null;
  for (const value of Object.values(doc)) {
    const candidate = Array.isArray(value) ? value : isObject(value) ? mainArray(value, depth + 1) : null;
    if (candidate && candidate.some(isObject) && candidate.length > (best?.length ?? 0)) best = candidate;
  }
  return best;
}

function jsonItem(element: unknown, baseUrl: string): JsonItem {
  const contentHash = createHash('sha256').update(canonical(element)).digest('hex').slice(0, 32);
  if (!isObject(element)) {
    const text = typeof element === 'string' ? element : JSON.stringify(element);
    return { key: null, link: null, title: null, summary: clip(text), author: null, publishedAt: null, contentHash };
  }
  const key = firstScalar(element, KEY_FIELDS);
  const link = absolute(firstScalar(element, LINK_FIELDS), baseUrl);
  const title = firstText(element, TITLE_FIELDS);
  const summary = firstText(element, SUMMARY_FIELDS) ?? (title ? null : clip(JSON.stringify(element)));
  const author = firstText(element, AUTHOR_FIELDS);
  const date = firstScalar(element, DATE_FIELDS);
  return { key, link, title, summary, author, publishedAt: parseDate(date), contentHash };
}

function firstScalar(obj: Record<string, unknown>, fields: string[]): string | null {
  for (const field of fields) {
    const value = obj[field];
    if ((typeof value === 'string' && value.trim() !== '') || typeof value === 'number') return String(value).trim();
  }
  return null;
}

function firstText(obj: Record<string, unknown>, fields: string[]): string | null {
  for (const field of fields) {
    const value = obj[field];
    if (typeof value === 'string' && value.trim() !== '') return clip(value.replace(/<[^>]*>/g, ' '));
    if (isObject(value)) {
      // `author: {name}` and `content: {rendered}` (WordPress) shapes.
      const inner = firstScalar(value, ['name', 'rendered', 'text', 'login', 'title']);
      if (inner) return clip(inner.replace(/<[^>]*>/g, ' '));
    }
  }
  return null;
}

function clip(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed.length > MAX_TEXT ? `${collapsed.slice(0, MAX_TEXT - 1)}…` : collapsed;
}

function absolute(link: string | null, base: string): string | null {
  if (!link) return null;
  try {
    const url = new URL(link, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function parseDate(value: string | null): Date | null {
  if (!value) return null;
  // Numbers are epoch seconds or milliseconds, told apart by size.
  const ms = /^\d{9,13}$/.test(value) ? Number(value) * (value.length <= 10 ? 1000 : 1) : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** JSON with object keys sorted, so two equal elements hash alike whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

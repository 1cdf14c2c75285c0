import type { TaskOutput } from '../../domain/event.js';
import type { Extraction } from './extraction.js';
import type { ParsedPage } from './parsed-page.js';
import { jsonLdNodes, microdataItems, typeOf } from './structured-data.js';
import { overlap, tokens } from './tokens.js';

type JsonOutput = (pages: ParsedPage[], schema: Record<string, unknown>, contextTokens: string[]) => TaskOutput;
type Schema = Record<string, unknown>;

const MAX_PROPERTIES = 50;
const FURNITURE = new Set(['WebSite', 'WebPage', 'BreadcrumbList', 'Organization', 'SearchAction', 'SiteNavigationElement', 'ImageObject']);
const OG_NAMESPACES = /^(og|article|product|book|profile|music|video):/;

/**
 * The auto spec: when a page has structured data (JSON-LD, microdata, OpenGraph, or is JSON), a schema is
 * derived from its main entity and filled by the same rules as a JSON spec, so that a later run with the
 * derived schema (a snapshot monitor) finds the same values. Null when no page has any.
 */
export function autoOutput(pages: ParsedPage[], queryTokens: string[], jsonOutput: JsonOutput): Extraction | null {
  for (const page of pages) {
    const derived = deriveSchema(page, queryTokens);
    if (!derived) continue;
    const output = jsonOutput(pages, derived, queryTokens);
    if (output.type !== 'json') return null;
    // Keep only what the rules find again; a property they cannot refill would be null on every re-run.
    const kept = output.basis.filter((b) => output.content[b.field] !== null).map((b) => b.field);
    if (kept.length === 0) continue;
    const properties = derived.properties as Record<string, Schema>;
    const outputSchema = { type: 'object', properties: Object.fromEntries(kept.map((k) => [k, properties[k]])) };
    return {
      output: { type: 'json', content: Object.fromEntries(kept.map((k) => [k, output.content[k]])), basis: output.basis.filter((b) => kept.includes(b.field)) },
      outputSchema,
    };
  }
  return null;
}

function deriveSchema(page: ParsedPage, queryTokens: string[]): Schema | null {
  let properties: [string, Schema][] = [];
  if (page.kind === 'json') {
    if (page.json !== null && typeof page.json === 'object' && !Array.isArray(page.json)) properties = entityProperties(page.json as Schema, 'JSON key', '');
  } else {
    const entity = mainEntity(jsonLdNodes(page), queryTokens, 'JSON-LD') ?? mainEntity(microdataItems(page), queryTokens, 'microdata');
    if (entity) properties = entityProperties(entity.node, entity.source, typeOf(entity.node) ?? '');
    else properties = openGraphProperties(page);
  }
  const unique = new Map<string, Schema>();
  for (const [key, schema] of properties) if (!unique.has(key) && unique.size < MAX_PROPERTIES) unique.set(key, schema);
  return unique.size > 0 ? { type: 'object', properties: Object.fromEntries(unique) } : null;
}

/** The entity the page is about: the non-furniture node that best matches the query, the first one on a tie. */
function mainEntity(nodes: Schema[], queryTokens: string[], source: string): { node: Schema; source: string } | null {
  let best: { node: Schema; score: number } | null = null;
  for (const node of nodes) {
    const type = typeOf(node);
    if (type && FURNITURE.has(type)) continue;
    const score = overlap(queryTokens, tokens(`${type ?? ''} ${typeof node.name === 'string' ? node.name : ''}`));
    if (!best || score > best.score) best = { node, score };
  }
  return best ? { node: best.node, source } : null;
}

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const scalarType = (v: string | number | boolean) => (typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string');

/** Properties for an entity's keys: scalars as they are, named objects by their name, other objects one level flattened. */
function entityProperties(node: Schema, source: string, prefix: string): [string, Schema][] {
  const out: [string, Schema][] = [];
  const describe = (path: string) => `From ${source} ${prefix ? `${prefix}.` : ''}${path}`;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@')) continue;
    const name = snake(key);
    if (isScalar(value)) out.push([name, { type: scalarType(value), description: describe(key) }]);
    else if (Array.isArray(value)) {
      const items = arrayItems(value);
      if (items) out.push([name, { type: 'array', items, description: describe(key) }]);
    } else if (value !== null && typeof value === 'object') {
      const record = value as Schema;
      if (isScalar(record.name)) out.push([name, { type: 'string', description: describe(`${key}.name`) }]);
      else
        for (const [child, v] of Object.entries(record)) {
          if (!child.startsWith('@') && isScalar(v)) out.push([`${name}_${snake(child)}`, { type: scalarType(v), description: describe(`${key}.${child}`) }]);
        }
    }
  }
  return out;
}

function arrayItems(list: unknown[]): Schema | null {
  if (list.length === 0) return null;
  if (list.every(isScalar)) return { type: scalarType(list[0]) };
  if (!list.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) return null;
  const records = list as Schema[];
  if (records.every((r) => isScalar(r.name))) return { type: 'string' };
  const properties = Object.entries(records[0])
    .filter(([k, v]) => !k.startsWith('@') && isScalar(v))
    .map(([k, v]) => [snake(k), { type: scalarType(v as string | number | boolean) }] as const);
  return properties.length > 0 ? { type: 'object', properties: Object.fromEntries(properties) } : null;
}

function openGraphProperties(page: ParsedPage): [string, Schema][] {
  return page
    .$('meta[property][content]')
    .toArray()
    .map((el) => (el.attribs.property ?? '').trim())
    .filter((key) => OG_NAMESPACES.test(key))
    .map((key) => [snake(key.split(':').slice(1).join('_')), { type: 'string', description: `From OpenGraph ${key}` }]);
}

function snake(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

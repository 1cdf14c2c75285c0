// Entities written on a page: schema.org JSON-LD (ItemList, Organization, Person, Product…) and
// tables of named things. Runs in a parse worker (page-reading.ts), on an already parsed page.
import { collapse } from '../coerce.js';
import { absoluteUrl } from '../items/feed-discovery.js';
import { elementText, type ParsedPage } from '../fields/parsed-page.js';
import { jsonLdNodes, typeOf } from '../fields/structured-data.js';
import { pageTables, type Table } from '../fields/tables.js';

/** An entity seen on a page, before deduplication; `via` says which kind of source showed it. */
export interface Sighting {
  name: string;
  url: string | null;
  description: string | null;
  via: string;
}

/** schema.org types (and common subtypes) that name an entity FindAll can return. */
const ENTITY_TYPES = new Set([
  'Organization',
  'Corporation',
  'LocalBusiness',
  'NGO',
  'EducationalOrganization',
  'GovernmentOrganization',
  'NewsMediaOrganization',
  'ResearchOrganization',
  'MedicalOrganization',
  'SportsOrganization',
  'Airline',
  'OnlineBusiness',
  'OnlineStore',
  'Store',
  'Person',
  'Product',
  'ProductModel',
  'SoftwareApplication',
  'WebApplication',
  'MobileApplication',
  'Service',
  'Brand',
  'Place',
  'Event',
  'CreativeWork',
  'Book',
  'Course',
]);

const MAX_DESCRIPTION = 500;

/** Whether a JSON-LD node is an entity FindAll can return. */
export function isEntityNode(node: unknown): node is Record<string, unknown> {
  const type = typeOf(node);
  return type !== null && ENTITY_TYPES.has(type);
}

/** A JSON-LD entity node as a sighting; null without a name. */
export function nodeSighting(node: Record<string, unknown>, pageUrl: string, via: string): Sighting | null {
  const name = text(node.name) ?? text(node.legalName) ?? text(node.headline);
  if (!name) return null;
  return { name, url: link(node.url ?? node['@id'], pageUrl), description: clip(text(node.description)), via };
}

/**
 * The page's JSON-LD: every element of an ItemList, and every entity node that is not the page's
 * own subject (one whose url is another page's). The page's own entity comes back as `self`.
 */
export function jsonLdSightings(page: ParsedPage): { sightings: Sighting[]; self: Record<string, unknown> | null } {
  const sightings: Sighting[] = [];
  let self: Record<string, unknown> | null = null;
  for (const node of jsonLdNodes(page)) {
    if (typeOf(node) === 'ItemList') {
      sightings.push(...listElements(node, page.url));
    } else if (isEntityNode(node)) {
      const url = link(node.url ?? node['@id'], page.url);
      if (url === null || sameDocument(url, page.url)) self ??= node;
      else {
        const seen = nodeSighting(node, page.url, 'JSON-LD');
        if (seen) sightings.push(seen);
      }
    }
  }
  return { sightings, self };
}

function listElements(list: Record<string, unknown>, pageUrl: string): Sighting[] {
  const elements = Array.isArray(list.itemListElement) ? list.itemListElement : [list.itemListElement];
  const out: Sighting[] = [];
  for (const element of elements) {
    if (element === null || typeof element !== 'object') continue;
    const entry = element as Record<string, unknown>;
    // A ListItem wraps its entity in `item` (an object, or only its URL); a bare entity stands for itself.
    const item = entry.item;
    const node = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : entry;
    const name = text(node.name) ?? text(entry.name);
    const url = link(typeof item === 'string' ? item : (node.url ?? node['@id'] ?? entry.url), pageUrl);
    if (name) out.push({ name, url, description: clip(text(node.description) ?? text(entry.description)), via: 'JSON-LD ItemList' });
  }
  return out;
}

const NAME_HEADER = /\b(name|company|companies|organi[sz]ation|startup|firm|person|people|product|title|brand|entity)\b/i;

/** Rows of the page's tables that name an entity: its name column (or first column) and the row's first link; a row needs one of the two. */
export function tableSightings(page: ParsedPage): Sighting[] {
  const out: Sighting[] = [];
  for (const table of pageTables(page)) {
    if (table.rows.length === 0) continue;
    const named = table.header?.findIndex((h) => NAME_HEADER.test(h)) ?? -1;
    const nameColumn = Math.max(0, named);
    for (const row of table.rows) {
      const name = collapse(row.cells[nameColumn] ?? '');
      if (!name || name.length > 120) continue;
      const url = rowLink(page, row.elements);
      // Without a name column or a link, a row is more likely layout or figures than an entity.
      if (named < 0 && url === null) continue;
      out.push({ name, url, description: rowDescription(table, row.cells, nameColumn), via: 'table' });
    }
  }
  return out;
}

function rowLink(page: ParsedPage, cells: Table['rows'][number]['elements']): string | null {
  for (const cell of cells) {
    const href = page.$(cell).find('a[href]').first().attr('href');
    const url = absoluteUrl(href, page.url);
    if (url) return url;
    // A cell that is itself a URL written out.
    const written = elementText(cell);
    if (/^https?:\/\/\S+$/.test(written)) return written;
  }
  return null;
}

/** The row's other cells as "Header: value" text, the entity's description as the table gives it. */
function rowDescription(table: Table, cells: string[], nameColumn: number): string | null {
  const parts = cells
    .map((cell, i) => {
      if (i === nameColumn || cell === '' || /^https?:\/\//.test(cell)) return null;
      const header = table.header?.[i];
      return header ? `${header}: ${cell}` : cell;
    })
    .filter((part): part is string => part !== null);
  return parts.length > 0 ? clip(parts.join('; ')) : null;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return collapse(value.replace(/<[^>]*>/g, ' '));
  return null;
}

function link(value: unknown, base: string): string | null {
  return typeof value === 'string' ? absoluteUrl(value, base) : null;
}

function clip(value: string | null): string | null {
  if (value === null) return null;
  return value.length > MAX_DESCRIPTION ? `${value.slice(0, MAX_DESCRIPTION - 1)}…` : value;
}

function sameDocument(a: string, b: string): boolean {
  const strip = (u: string) => u.replace(/#.*$/, '').replace(/\/$/, '');
  return strip(a) === strip(b);
}

// When two sightings are one entity: the same canonical URL or the same normalised name.
import { normaliseLink } from '../normalise.js';
import type { CandidateSeed } from './seam.js';
import type { Sighting } from './sightings.js';

const LEGAL_SUFFIXES = new Set([
  'inc',
  'incorporated',
  'ltd',
  'limited',
  'llc',
  'llp',
  'gmbh',
  'ag',
  'sa',
  'sas',
  'sarl',
  'bv',
  'nv',
  'plc',
  'corp',
  'corporation',
  'co',
  'se',
  'oy',
  'ab',
  'as',
  'kg',
  'pty',
  'srl',
  'spa',
]);

/** A URL's identity: normaliseLink's (tracking parameters, fragment, default port dropped) without a trailing slash. */
export function canonicalUrl(url: string): string {
  const normal = normaliseLink(url);
  if (!URL.canParse(normal)) return normal;
  const parsed = new URL(normal);
  if (parsed.pathname === '/') return normal;
  parsed.pathname = parsed.pathname.replace(/\/+$/, '');
  return parsed.href;
}

/** A name's identity: lower-case, accents and punctuation dropped, "&" as "and", legal suffixes (Inc, GmbH…) dropped. */
export function normalisedName(name: string): string {
  const words =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/&/g, ' and ')
      .replace(/['’]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  while (words.length > 1 && LEGAL_SUFFIXES.has(words.at(-1)!)) words.pop();
  return words.join(' ');
}

/**
 * The entities generation has already given (or must never give: the exclude list), and the seeds
 * a page's sightings add. A seed's key is its canonical URL, else `name:` and its normalised name.
 */
export class SeenEntities {
  private readonly urls = new Set<string>();
  private readonly names = new Set<string>();

  constructor(exclude: readonly { name: string; url: string }[]) {
    for (const entry of exclude) this.remember(entry.url ? canonicalUrl(entry.url) : null, normalisedName(entry.name ?? ''));
  }

  /** New seeds from one page's sightings, in their order; sightings of one entity on the page are merged. */
  admit(sightings: readonly Sighting[], pageUrl: string): CandidateSeed[] {
    const seeds: CandidateSeed[] = [];
    for (const sighting of sightings) {
      const url = sighting.url ? canonicalUrl(sighting.url) : null;
      const name = normalisedName(sighting.name);
      if (name === '') continue;
      const same = seeds.find((s) => (url !== null && s.key === url) || normalisedName(s.name) === name);
      if (same) {
        same.description ??= sighting.description;
        continue;
      }
      if ((url !== null && this.urls.has(url)) || this.names.has(name)) continue;
      seeds.push({ key: url ?? `name:${name}`, name: sighting.name, url: sighting.url ?? pageUrl, description: sighting.description });
    }
    for (const seed of seeds) this.remember(seed.key.startsWith('name:') ? null : seed.key, normalisedName(seed.name));
    return seeds;
  }

  private remember(url: string | null, name: string): void {
    if (url) this.urls.add(url);
    if (name) this.names.add(name);
  }
}

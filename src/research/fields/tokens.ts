import { stemmer } from 'stemmer';

/** Function words that say nothing about which value a field wants ("the price of the plan"). */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'of',
  'in',
  'on',
  'to',
  'for',
  'with',
  'by',
  'at',
  'as',
  'from',
  'per',
  'is',
  'are',
  'was',
  'be',
  'it',
  'its',
  'this',
  'that',
  'these',
  'those',
  'which',
  'what',
  'who',
  'any',
  'each',
  'if',
  'than',
  'into',
  'about',
  'there',
  'their',
  'our',
  'your',
  'my',
  'value',
]);

/**
 * Words that name the same kind of value in field names and in structured-data keys ("title" ↔
 * schema.org "name"/"headline"). Used only for structured data: in tables a "Name" and a "Title"
 * column mean different things (a person's name and job title).
 */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['name', 'title', 'headline'],
  ['description', 'summary', 'abstract'],
  ['author', 'creator', 'byline', 'writer'],
  ['date', 'time', 'datetime'],
  ['publish', 'release'],
  ['price', 'cost', 'fee', 'amount'],
  ['image', 'photo', 'picture', 'thumbnail'],
  ['url', 'link', 'href', 'permalink'],
  ['company', 'organization', 'employer', 'firm'],
  ['city', 'locality', 'town'],
  ['location', 'place', 'venue'],
  ['zip', 'postcode', 'postal'],
  ['phone', 'telephone'],
];

const CANONICAL: ReadonlyMap<string, string> = new Map(SYNONYM_GROUPS.flatMap((group) => group.map((word) => [stemmer(word), stemmer(group[0])] as const)));

/**
 * Normalised tokens of a name, label or description: `_`/`-`/camelCase split, lower-cased, stop
 * words dropped, stemmed (as src/research/relevance.ts does); unique, in order of appearance.
 */
export function tokens(text: string): string[] {
  const spaced = text.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
  const out = new Set<string>();
  for (const word of spaced.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOP_WORDS.has(word)) continue;
    out.add(stemmer(word));
  }
  return [...out];
}

/** The token that stands for a token's synonym group (itself when it has none). */
export function canonical(token: string): string {
  return CANONICAL.get(token) ?? token;
}

/** How many of `wanted` occur in `have`. */
export function overlap(wanted: readonly string[], have: readonly string[]): number {
  const set = new Set(have);
  return wanted.reduce((n, token) => n + (set.has(token) ? 1 : 0), 0);
}

/** Whitespace collapsed, quotes and dashes made plain, lower case: how an excerpt is compared with page text. */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * Whether a cited excerpt occurs in the text of the page it cites (or, when the URL matches no page
 * read, in any of them). Excerpts shorter than 3 characters verify nothing.
 */
export function citedExcerptFound(citation: { url: string; excerpt: string }, pages: { url: string; text: string }[]): boolean {
  const excerpt = normaliseText(citation.excerpt);
  if (excerpt.length < 3) return false;
  const cited = pages.filter((p) => sameUrl(p.url, citation.url));
  return (cited.length > 0 ? cited : pages).some((p) => normaliseText(p.text).includes(excerpt));
}

function sameUrl(a: string, b: string): boolean {
  const strip = (u: string) => u.replace(/#.*$/, '').replace(/\/$/, '');
  return strip(a) === strip(b);
}

/** A JSON schema describing an `auto` output's value (the schema a snapshot monitor re-runs with). */
export function deriveSchema(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { type: ['string', 'null'] };
  if (typeof value === 'string') return { type: 'string' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (Array.isArray(value)) return { type: 'array', items: value.length > 0 ? deriveSchema(value[0]) : {} };
  const properties = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, deriveSchema(v)]));
  return { type: 'object', properties, required: Object.keys(properties) };
}

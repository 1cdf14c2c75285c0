import { coerceScalar, excerpt, itemsOf, propertiesOf, resolveSchema } from '../coerce.js';
import { fieldQuery, type FieldQuery, type Found } from './field-query.js';
import type { ParsedPage } from './parsed-page.js';
import { flatten, pageCandidates, type Candidate } from './structured-data.js';
import { canonical, overlap } from './tokens.js';

/** The best structured-data value for the field on this page (JSON-LD, microdata, OpenGraph, meta, or a JSON page's keys). */
export function fromStructured(page: ParsedPage, field: FieldQuery): Found | null {
  return best(pageCandidates(page), field);
}

/** The best value for the field among one JSON value's keys (used inside array elements and objects). */
export function bestInJson(json: unknown, field: FieldQuery): Found | null {
  return best(flatten(json, 'JSON key', ''), field);
}

function best(candidates: Candidate[], field: FieldQuery): Found | null {
  const scored = rank(candidates, field);
  for (const { candidate } of scored) {
    const value = convert(candidate.value, field);
    if (value === null) continue;
    const shown = typeof candidate.value === 'string' ? candidate.value : JSON.stringify(candidate.value);
    return {
      value,
      rule: `${candidate.source} ${candidate.path}`,
      excerpt: excerpt(`${candidate.path}: ${shown}`),
      confidence: 'high',
    };
  }
  return null;
}

/** Candidates that match the field, best first; ties keep their (document) order because the sort is stable. */
function rank(candidates: Candidate[], field: FieldQuery): { candidate: Candidate; score: number }[] {
  const name = field.nameTokens.map(canonical);
  let scored = candidates.map((candidate) => ({ candidate, score: nameScore(candidate, field, name) }));
  // The description speaks only for an opaque name ("x1"): one whose words name no key on the page.
  if (!scored.some((s) => overlap(name, s.candidate.keyTokens.map(canonical)) > 0)) {
    scored = candidates.map((candidate) => ({ candidate, score: descriptionScore(candidate, field) }));
  }
  return scored.filter((s): s is { candidate: Candidate; score: number } => s.score !== null).sort((a, b) => b.score - a.score);
}

/**
 * A candidate matches when its key shares a word with the field's name and every word of the name
 * occurs in the key or its enclosing path ("product_price" ↔ Product.offers.price, not "basic_price").
 */
function nameScore(c: Candidate, field: FieldQuery, name: string[]): number | null {
  if (name.length === 0) return null;
  const key = c.keyTokens.map(canonical);
  const context = c.contextTokens.map(canonical);
  const exact = overlap(field.nameTokens, c.keyTokens);
  const similar = overlap(name, key) - exact;
  if (exact + similar === 0 || !name.every((t) => key.includes(t) || context.includes(t))) return null;
  const extra = key.filter((t) => !name.includes(t)).length;
  return 3 * exact + 2 * similar - extra + tieBreaks(c, field, key, context);
}

/** By description: every word of the key is in it, and the key with its path covers half of it at least. */
function descriptionScore(c: Candidate, field: FieldQuery): number | null {
  const description = field.descriptionTokens.map(canonical);
  const key = c.keyTokens.map(canonical);
  const context = c.contextTokens.map(canonical);
  if (key.length === 0 || !key.every((t) => description.includes(t))) return null;
  const covered = overlap(description, [...key, ...context]);
  if (covered / description.length < 0.5) return null;
  return covered + tieBreaks(c, field, key, context);
}

/** Small preferences: enclosing words the field's context or description mentions, shallow keys, the page's main entity. */
function tieBreaks(c: Candidate, field: FieldQuery, key: string[], context: string[]): number {
  const around = overlap(field.contextTokens.map(canonical), context);
  const described = overlap(field.descriptionTokens.map(canonical), [...key, ...context]);
  return 0.5 * around + 0.25 * described - 0.1 * c.depth - (c.demoted ? 1 : 0);
}

/** A candidate's value as the field wants it, or null when it cannot be. */
function convert(value: unknown, field: FieldQuery): unknown {
  if (field.kind === 'array') return convertArray(value, field);
  if (field.kind === 'object') return convertObject(value, field);
  return coerceScalar(value, field.kind, field.schema);
}

function convertArray(value: unknown, field: FieldQuery): unknown[] | null {
  const items = resolveSchema(itemsOf(field.schema));
  const item = fieldQuery(`${field.path}[]`, field.name, items.schema, field.contextTokens);
  let list: unknown[];
  if (Array.isArray(value)) list = value;
  // Structured data often lists scalars in one string ("keywords": "a, b, c").
  else if (typeof value === 'string' && items.kind !== 'object') list = value.split(/\s*[,;]\s*/);
  else if (value !== null && typeof value === 'object' && items.kind === 'object') list = [value];
  else return null;
  const out = list.map((v) => convert(v, item)).filter((v) => v !== null);
  return out.length > 0 ? out : null;
}

function convertObject(value: unknown, field: FieldQuery): Record<string, unknown> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const properties = propertiesOf(field.schema);
  if (properties.length === 0) return value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let found = false;
  for (const [name, schema] of properties) {
    const sub = fieldQuery(`${field.path}.${name}`, name, schema, [...field.contextTokens, ...field.nameTokens]);
    const hit = bestInJson(value, sub);
    out[name] = hit?.value ?? null;
    found ||= hit !== null;
  }
  return found ? out : null;
}

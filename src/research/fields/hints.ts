import type { Cheerio } from 'cheerio';
import type { Element } from 'domhandler';
import { JSONPath } from 'jsonpath-plus';
import { coerceScalar, excerpt, itemsOf, propertiesOf, resolveSchema } from '../coerce.js';
import { fieldQuery, type FieldQuery, type Found } from './field-query.js';
import { elementText, pageLines, textLines, type ParsedPage } from './parsed-page.js';
import { bestInJson } from './structured.js';
import { tokens } from './tokens.js';
import { compileRegex, hintsOf, type Hints } from './hint-checks.js';

/** The first capture group of the first match (or the whole match); null when it does not match. */
function applyRegex(text: string, regex: string): string | null {
  const match = compileRegex(regex).exec(text);
  return match ? (match[1] ?? match[0]) : null;
}

/** The value the field's hints point at on this page, or null (hints that do not apply to the page are skipped). */
export function fromHints(page: ParsedPage, field: FieldQuery, scope?: Element): Found | null {
  const hints = hintsOf(field.schema);
  if (!hints) return null;
  try {
    if (hints.jsonpath) return page.kind === 'json' ? fromJsonPath(page.json, field, hints) : null;
    if (hints.selector) return page.kind === 'html' ? fromSelector(page, field, hints, scope) : null;
    return fromRegex(page, field, hints.regex!, scope);
  } catch {
    // A hint validateHints would refuse (bad selector, regex, script in a JSONPath) finds nothing rather than failing the run.
    return null;
  }
}

function fromJsonPath(json: unknown, field: FieldQuery, hints: Hints): Found | null {
  let results = JSONPath<unknown[]>({ path: hints.jsonpath!, json: json as object, eval: false, wrap: true });
  const rule = `JSONPath ${hints.jsonpath} (x-jsonpath${hints.regex ? ', x-regex' : ''})`;
  if (field.kind === 'array') {
    if (results.length === 1 && Array.isArray(results[0])) results = results[0] as unknown[];
    const values = results.map((r) => jsonItem(r, field, hints)).filter((v) => v !== null);
    return values.length > 0 ? { value: values, rule, excerpt: excerpt(JSON.stringify(results)), confidence: 'high' } : null;
  }
  for (const result of results) {
    const value = field.kind === 'object' ? jsonObject(result, field) : scalar(result, field, hints.regex);
    if (value !== null) return { value, rule, excerpt: excerpt(`${hints.jsonpath} = ${JSON.stringify(result)}`), confidence: 'high' };
  }
  return null;
}

function scalar(raw: unknown, field: FieldQuery, regex: string | undefined) {
  const text = regex && raw !== null && typeof raw !== 'object' ? applyRegex(`${raw as string | number | boolean}`, regex) : raw;
  return coerceScalar(text, field.kind, field.schema);
}

function jsonItem(raw: unknown, field: FieldQuery, hints: Hints): unknown {
  const items = resolveSchema(itemsOf(field.schema));
  const item = fieldQuery(`${field.path}[]`, field.name, items.schema, field.contextTokens);
  return items.kind === 'object' ? jsonObject(raw, item) : scalar(raw, item, hints.regex);
}

/** An object's properties from one JSON value: each by its own x-jsonpath (relative to the value) or by key name. */
function jsonObject(raw: unknown, field: FieldQuery): Record<string, unknown> | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const out: Record<string, unknown> = {};
  let found = false;
  for (const [name, schema] of propertiesOf(field.schema)) {
    const sub = fieldQuery(`${field.path}.${name}`, name, schema, [...field.contextTokens, ...field.nameTokens]);
    const hit = hintsOf(sub.schema)?.jsonpath ? fromJsonPath(raw, sub, hintsOf(sub.schema)!) : bestInJson(raw, sub);
    out[name] = hit?.value ?? null;
    found ||= hit !== null;
  }
  return found ? out : null;
}

function fromSelector(page: ParsedPage, field: FieldQuery, hints: Hints, scope?: Element): Found | null {
  const $ = page.$;
  // A selector only ever matches elements.
  const matches = (scope ? $(scope).find(hints.selector) : $(hints.selector)) as Cheerio<Element>;
  const via = [hints.attribute ? `attribute ${hints.attribute} of ` : '', `CSS selector ${hints.selector}`].join('');
  const keys = ['x-selector', hints.attribute ? 'x-attribute' : '', hints.regex ? 'x-regex' : ''].filter(Boolean).join(', ');
  const rule = `${via} (${keys})`;
  const read = (el: Element) => (hints.attribute ? ($(el).attr(hints.attribute) ?? null) : elementText(el));
  if (field.kind === 'array') {
    const items = resolveSchema(itemsOf(field.schema));
    const item = fieldQuery(`${field.path}[]`, field.name, items.schema, field.contextTokens);
    const values = matches
      .toArray()
      .map((el) => (items.kind === 'object' ? scopedObject(page, el, item) : scalar(read(el), item, hints.regex)))
      .filter((v) => v !== null);
    const first = matches.get(0);
    return values.length > 0 && first ? { value: values, rule, excerpt: excerpt(elementText(first)), confidence: 'high' } : null;
  }
  for (const el of matches.toArray()) {
    const value = field.kind === 'object' ? scopedObject(page, el, field) : scalar(read(el), field, hints.regex);
    if (value !== null) return { value, rule, excerpt: excerpt(elementText(el)), confidence: 'high' };
  }
  return null;
}

/**
 * An object's properties from inside one element: each by its own x-selector (relative to the element) or
 * x-regex (on its text), else from the first descendant whose class, itemprop or id names the property.
 */
function scopedObject(page: ParsedPage, scope: Element, field: FieldQuery): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  let found = false;
  for (const [name, schema] of propertiesOf(field.schema)) {
    const sub = fieldQuery(`${field.path}.${name}`, name, schema, [...field.contextTokens, ...field.nameTokens]);
    const hit = hintsOf(sub.schema) ? fromHints(page, sub, scope) : byClassName(page, scope, sub);
    out[name] = hit?.value ?? null;
    found ||= hit !== null;
  }
  return found ? out : null;
}

function byClassName(page: ParsedPage, scope: Element, field: FieldQuery): Found | null {
  if (field.kind === 'object' || field.kind === 'array' || field.nameTokens.length === 0) return null;
  const $ = page.$;
  for (const el of $(scope).find('[class], [itemprop], [id]').toArray()) {
    const names = tokens([el.attribs.class, el.attribs.itemprop, el.attribs.id].filter(Boolean).join(' '));
    if (!field.nameTokens.every((t) => names.includes(t))) continue;
    const raw = el.attribs.content ?? elementText(el);
    const value = coerceScalar(raw, field.kind, field.schema);
    if (value !== null) return { value, rule: 'element named after the property', excerpt: excerpt(raw), confidence: 'high' };
  }
  return null;
}

function fromRegex(page: ParsedPage, field: FieldQuery, regex: string, scope?: Element): Found | null {
  const text = (scope ? textLines(scope) : pageLines(page)).join('\n');
  const rule = `regular expression ${regex} on the ${scope ? 'item' : 'page'} text (x-regex)`;
  if (field.kind === 'array') {
    const item = fieldQuery(`${field.path}[]`, field.name, itemsOf(field.schema), field.contextTokens);
    const matches = [...compileRegex(regex).matchAll(text)];
    const values = matches.map((m) => coerceScalar(m[1] ?? m[0], item.kind, item.schema)).filter((v) => v !== null);
    return values.length > 0 ? { value: values, rule, excerpt: excerpt(matches[0][0]), confidence: 'high' } : null;
  }
  for (const match of compileRegex(regex).matchAll(text)) {
    const value = coerceScalar(match[1] ?? match[0], field.kind, field.schema);
    if (value !== null) return { value, rule, excerpt: excerpt(match[0]), confidence: 'high' };
  }
  return null;
}

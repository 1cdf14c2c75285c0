import type { FieldBasis, TaskOutput } from '../../domain/event.js';
import { queryTerms } from '../relevance.js';
import { autoOutput } from './auto-schema.js';
import type { Extraction } from './extraction.js';
import { excerpt, propertiesOf } from '../coerce.js';
import { fieldQuery, type FieldQuery, type Found } from './field-query.js';
import { fromHints } from './hints.js';
import { hintsOf } from './hint-checks.js';
import { fromLabels } from './labels.js';
import { mainContent } from './main-content.js';
import { parsePage, type Page, type ParsedPage } from './parsed-page.js';
import { fromStructured } from './structured.js';
import { fromTables } from './tables.js';

export type { Page } from './parsed-page.js';
export { validateHints } from './hint-checks.js';

/** What the task asked for: JSON matching a schema, text, or whatever the pages offer. */
export type OutputSpec = { type: 'json'; json_schema: Record<string, unknown> } | { type: 'text'; description?: string | null } | { type: 'auto' };

export type { Extraction } from './extraction.js';

/** A field's value with every place it came from (several for an object filled property by property). */
interface Hit {
  value: unknown;
  page: ParsedPage;
  rules: string[];
  excerpts: string[];
  confidence: 'high' | 'medium';
  /** Filled property by property: `rules` name each property's path. */
  composite?: boolean;
}

/** Fills the output spec from the pages, deterministically; never invents a value. */
export function extractOutput(pages: Page[], spec: OutputSpec, context: { query: string }): Extraction {
  const parsed = pages.map(parsePage);
  switch (spec.type) {
    case 'json':
      return { output: jsonOutput(parsed, spec.json_schema, queryTerms(context.query)) };
    case 'text':
      return { output: textOutput(parsed) };
    case 'auto':
      return autoOutput(parsed, queryTerms(context.query), jsonOutput) ?? { output: textOutput(parsed) };
  }
}

/** JSON output: each top-level property filled from the first page that yields it, with one basis entry each. */
export function jsonOutput(pages: ParsedPage[], jsonSchema: Record<string, unknown>, contextTokens: string[]): TaskOutput {
  const content: Record<string, unknown> = {};
  const basis: FieldBasis[] = [];
  for (const [name, schema] of propertiesOf(jsonSchema)) {
    const field = fieldQuery(name, name, schema, contextTokens);
    const hit = firstHit(pages, field);
    content[name] = hit?.value ?? null;
    basis.push(hit ? foundBasis(name, hit) : notFoundBasis(name, field, pages));
  }
  return { type: 'json', content, basis };
}

function firstHit(pages: ParsedPage[], field: FieldQuery): Hit | null {
  for (const page of pages) {
    const hit = onPage(page, field);
    if (hit) return hit;
  }
  return null;
}

/** Rules in order of trust: explicit hints, then structured data, then labels in the page's text. */
function onPage(page: ParsedPage, field: FieldQuery): Hit | null {
  const found = fromHints(page, field) ?? fromStructured(page, field) ?? (field.kind === 'array' ? fromTables(page, field) : null) ?? fromLabels(page, field);
  if (found) return asHit(page, found);
  return field.kind === 'object' ? objectOnPage(page, field) : null;
}

function asHit(page: ParsedPage, found: Found): Hit {
  return { value: found.value, page, rules: [found.rule], excerpts: [found.excerpt], confidence: found.confidence };
}

/** A nested object that no rule found whole, filled property by property from the same page. */
function objectOnPage(page: ParsedPage, field: FieldQuery): Hit | null {
  const value: Record<string, unknown> = {};
  const rules: string[] = [];
  const excerpts: string[] = [];
  let confidence: Hit['confidence'] = 'high';
  for (const [name, schema] of propertiesOf(field.schema)) {
    const sub = fieldQuery(`${field.path}.${name}`, name, schema, [...field.contextTokens, ...field.nameTokens]);
    const hit = onPage(page, sub);
    value[name] = hit?.value ?? null;
    rules.push(`${sub.path}: ${hit ? hit.rules.join('; ') : 'not found'}`);
    if (!hit) continue;
    excerpts.push(...hit.excerpts);
    if (hit.confidence === 'medium') confidence = 'medium';
  }
  return excerpts.length > 0 ? { value, page, rules, excerpts, confidence, composite: true } : null;
}

function foundBasis(field: string, hit: Hit): FieldBasis {
  const rules = hit.rules.join('; ');
  return {
    field,
    citations: [{ url: hit.page.url, title: hit.page.title, excerpts: [...new Set(hit.excerpts)] }],
    reasoning: hit.composite ? `Filled property by property: ${rules}.` : `${rules.charAt(0).toUpperCase()}${rules.slice(1)}.`,
    confidence: hit.confidence,
  };
}

function notFoundBasis(field: string, query: FieldQuery, pages: ParsedPage[]): FieldBasis {
  const hints = hintsOf(query.schema);
  const looked = [
    hints?.selector ? `the CSS selector ${hints.selector} (x-selector)` : '',
    hints?.jsonpath ? `the JSONPath ${hints.jsonpath} (x-jsonpath)` : '',
    hints?.regex && !hints.selector && !hints.jsonpath ? `the regular expression ${hints.regex} (x-regex)` : '',
    'structured data (JSON-LD, microdata, OpenGraph and meta tags, JSON keys)',
    'labels (table headers and rows, definition lists, "Label: value" text, headings)',
  ].filter(Boolean);
  const where =
    pages.length === 0 ? 'no pages were read' : `looked in ${pages.length} page${pages.length > 1 ? 's' : ''} (${pages.map((p) => p.url).join(', ')})`;
  return {
    field,
    citations: pages.map((p) => ({ url: p.url, title: p.title, excerpts: [] })),
    reasoning: `Not found: ${where} for ${looked.join(', then ')} matching "${words(field)}"; left null rather than guessed.`,
    confidence: 'low',
  };
}

function words(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .toLowerCase();
}

/** Text output: the main content of the first page that has any. */
function textOutput(pages: ParsedPage[]): TaskOutput {
  for (const page of pages) {
    const main = mainContent(page);
    if (!main) continue;
    return {
      type: 'text',
      content: main.content,
      basis: [
        {
          field: 'output',
          citations: [{ url: page.url, title: page.title, excerpts: [excerpt(main.content)] }],
          reasoning: `The page's text: ${main.via}.`,
          confidence: 'medium',
        },
      ],
    };
  }
  return {
    type: 'text',
    content: '',
    basis: [
      {
        field: 'output',
        citations: pages.map((p) => ({ url: p.url, title: p.title, excerpts: [] })),
        reasoning: pages.length === 0 ? 'No pages were read.' : 'None of the pages has readable text.',
        confidence: 'low',
      },
    ],
  };
}

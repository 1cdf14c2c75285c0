import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { coerceScalar, excerpt, itemsOf, resolveSchema } from '../coerce.js';
import type { FieldQuery, Found } from './field-query.js';
import { documentOrder, elementText, memo, textLines, type ParsedPage } from './parsed-page.js';
import { pageTables } from './tables.js';
import { overlap, tokens } from './tokens.js';

/** A value the page labels in words: a table cell, a definition, "Label: value", or content under a heading. */
interface Labelled {
  labelTokens: string[];
  rule: string;
  value: string;
  /** The value as a list, when the page gives one (several `dd`s, a list under a heading, "a, b, c"). */
  list: string[];
  excerpt: string;
  order: number;
  /** Headings are looser labels than table headers or "Label:" and lose near-ties. */
  penalty: number;
}

const LABEL_LINE = /^([^:：]{1,60}?)\s*[:：]\s*(.+)$/s;
const LEAF_BLOCKS = new Set(['p', 'li', 'div', 'td', 'th', 'dd', 'span', 'label', 'section']);
const BLOCK_CHILDREN = new Set(['p', 'li', 'div', 'ul', 'ol', 'table', 'dl', 'section', 'article', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const MAX_HEADING_VALUE = 300;

/** The best labelled value for the field on this page, or null. */
export function fromLabels(page: ParsedPage, field: FieldQuery): Found | null {
  if (page.kind !== 'html' || field.kind === 'object') return null;
  const ranked = pageLabels(page)
    .map((candidate) => ({ candidate, score: labelScore(candidate, field) }))
    .filter((s): s is { candidate: Labelled; score: number } => s.score !== null)
    .sort((a, b) => b.score - a.score || a.candidate.order - b.candidate.order);
  for (const { candidate } of ranked) {
    const value = field.kind === 'array' ? listValue(candidate, field) : coerceScalar(candidate.value, field.kind, field.schema);
    if (value !== null) return { value, rule: candidate.rule, excerpt: candidate.excerpt, confidence: 'medium' };
  }
  return null;
}

function listValue(candidate: Labelled, field: FieldQuery): unknown[] | null {
  const items = resolveSchema(itemsOf(field.schema));
  if (items.kind === 'object' || items.kind === 'array') return null;
  const values = candidate.list.map((v) => coerceScalar(v, items.kind, items.schema)).filter((v) => v !== null);
  return values.length > 0 ? values : null;
}

/**
 * How well a label names the field: mostly by the field's name (half its words at least), else by its
 * description when the label's words all come from it and cover half of it.
 */
function labelScore(c: Labelled, field: FieldQuery): number | null {
  const label = c.labelTokens;
  if (label.length === 0) return null;
  const name = field.nameTokens;
  const described = field.descriptionTokens;
  const nameHit = overlap(name, label);
  const descHit = overlap(described, label);
  const byName = name.length > 0 && nameHit / name.length >= 0.5;
  const byDescription = descHit === label.length && described.length > 0 && descHit / described.length >= 0.5;
  if (!byName && !byDescription) return null;
  const nameScore = name.length > 0 ? (2 * nameHit) / name.length + nameHit / label.length : 0;
  const descScore = described.length > 0 ? descHit / described.length + descHit / label.length : 0;
  return nameScore + 0.5 * descScore + 0.25 * overlap(field.contextTokens, label) - c.penalty;
}

/** Every labelled value on the page, computed once. */
function pageLabels(page: ParsedPage): Labelled[] {
  return memo(page, 'labels', () => {
    const order = documentOrder(page);
    const at = (el: Element | undefined) => (el ? (order.get(el) ?? 0) : 0);
    return [...tableLabels(page, at), ...definitionLabels(page.$, at), ...lineLabels(page.$, at), ...headingLabels(page.$, at)];
  });
}

function tableLabels(page: ParsedPage, at: (el: Element | undefined) => number): Labelled[] {
  const out: Labelled[] = [];
  for (const table of pageTables(page)) {
    for (const row of table.rows) {
      const [label, ...rest] = row.cells;
      if (!label || rest.length === 0) continue;
      if (!table.header) {
        out.push(simple(`table row labelled '${label}'`, label, rest[0], `${label} | ${rest.join(' | ')}`, at(row.elements[1])));
        continue;
      }
      rest.forEach((value, i) => {
        const column = table.header![i + 1];
        if (!column || value === '') return;
        out.push({
          labelTokens: [...new Set([...tokens(label), ...tokens(column)])],
          rule: `table row labelled '${label}' under column '${column}'`,
          value,
          list: splitList(value),
          order: at(row.elements[i + 1]),
          penalty: 0,
          excerpt: excerpt(`${table.header!.join(' | ')} / ${row.cells.join(' | ')}`),
        });
      });
    }
  }
  return out;
}

function definitionLabels($: CheerioAPI, at: (el: Element | undefined) => number): Labelled[] {
  return $('dt')
    .toArray()
    .flatMap((dt) => {
      const label = elementText(dt);
      const dds = $(dt).nextUntil('dt', 'dd').toArray();
      const values = dds.map((dd) => elementText(dd)).filter(Boolean);
      if (!label || values.length === 0) return [];
      const candidate = simple(`definition list term '${label}'`, label, values[0], `${label}: ${values.join('; ')}`, at(dds[0]));
      return [{ ...candidate, list: values.length > 1 ? values : candidate.list }];
    });
}

/** "Label: value" written in a block with no blocks inside it (so each line is read once, at its innermost block). */
function lineLabels($: CheerioAPI, at: (el: Element | undefined) => number): Labelled[] {
  const root = $.root().get(0);
  // Each line counts on its own: "Price: $10<br>Seats: 5" holds two labels.
  return (root ? leafBlocks(root) : []).flatMap((el) =>
    textLines(el).flatMap((text) => {
      const match = LABEL_LINE.exec(text);
      if (!match) return [];
      const [, label, value] = match as unknown as [string, string, string];
      if (!/\p{L}/u.test(label) || label.split(' ').length > 8 || value.startsWith('//')) return [];
      return [simple(`text labelled '${label}'`, label, value, text, at(el))];
    }),
  );
}

/** Elements of LEAF_BLOCKS with no BLOCK_CHILDREN inside, in document order (one walk, no selector per element). */
function leafBlocks(root: AnyNode): Element[] {
  const out: (Element | null)[] = [];
  const walk = (node: AnyNode): boolean => {
    const el = node as Element;
    // The slot is taken before the children are walked, so the list stays in document order.
    const slot = out.push(null) - 1;
    let hasBlock = false;
    for (const child of el.children ?? []) {
      if (child.type !== 'tag') continue;
      if (walk(child)) hasBlock = true;
      if (BLOCK_CHILDREN.has(child.name)) hasBlock = true;
    }
    if (el.type === 'tag' && LEAF_BLOCKS.has(el.name) && !hasBlock) out[slot] = el;
    return hasBlock;
  };
  walk(root);
  return out.filter((el): el is Element => el !== null);
}

function headingLabels($: CheerioAPI, at: (el: Element | undefined) => number): Labelled[] {
  return $('h1, h2, h3, h4, h5, h6')
    .toArray()
    .flatMap((heading) => {
      const label = elementText(heading);
      const next = contentAfter($, heading);
      if (!label || !next) return [];
      const items =
        next.name === 'ul' || next.name === 'ol'
          ? $(next)
              .children('li')
              .toArray()
              .map((li) => elementText(li))
          : [];
      const value = elementText(next);
      if (value.length > MAX_HEADING_VALUE && items.length === 0) return [];
      const candidate = simple(`content under heading '${label}'`, label, value, `${label}: ${value}`, at(next));
      return [{ ...candidate, list: items.length > 0 ? items : candidate.list, penalty: 1 }];
    });
}

/** The first element with text after a heading (looking past a wrapper that holds only the heading); tables and headings end the search. */
function contentAfter($: CheerioAPI, heading: Element, depth = 0): Element | null {
  for (const sibling of $(heading).nextAll().toArray()) {
    if (/^(h[1-6]|table)$/.test(sibling.name)) return null;
    if (elementText(sibling) !== '') return sibling;
  }
  const parent = heading.parent as Element | null;
  if (depth < 2 && parent && parent.type === 'tag' && elementText(parent) === elementText(heading)) return contentAfter($, parent, depth + 1);
  return null;
}

function simple(rule: string, label: string, value: string, text: string, order: number): Labelled {
  return { labelTokens: tokens(label), rule, value, list: splitList(value), excerpt: excerpt(text), order, penalty: 0 };
}

function splitList(value: string): string[] {
  // A comma needs a space after it, so "$1,299" stays one value.
  return value.split(/\s*;\s*|,\s+/).filter(Boolean);
}

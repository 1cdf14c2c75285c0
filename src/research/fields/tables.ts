import type { Element } from 'domhandler';
import { coerceScalar, excerpt, itemsOf, propertiesOf, resolveSchema } from '../coerce.js';
import { fieldQuery, type FieldQuery, type Found } from './field-query.js';
import { elementText, memo, type ParsedPage } from './parsed-page.js';
import { overlap, tokens } from './tokens.js';

/** A table read as text: its header row (if it has one) and its body rows. */
export interface Table {
  header: string[] | null;
  rows: { cells: string[]; elements: Element[] }[];
  /** Read on its side: each "row" here is a column of the page's table. */
  transposed?: boolean;
}

/** The page's tables in document order (nested tables are read as tables of their own). */
export function pageTables(page: ParsedPage): Table[] {
  return memo(page, 'tables', () =>
    page
      .$('table')
      .toArray()
      .map((table) => readTable(table)),
  );
}

function readTable(table: Element): Table {
  const rows = rowsOf(table)
    .map((tr) => {
      const elements = childElements(tr).filter((cell) => cell.name === 'th' || cell.name === 'td');
      return { cells: elements.map((cell) => elementText(cell)), elements, head: (tr.parent as Element | null)?.name === 'thead' };
    })
    .filter((row) => row.cells.some((c) => c !== ''));
  const headRows = rows.filter((r) => r.head);
  const first = rows[0];
  const header = headRows.at(-1) ?? (first && first.elements.length >= 2 && first.elements.every((c) => c.name === 'th') ? first : undefined);
  const body = rows.filter((r) => r !== header && !r.head);
  return { header: header ? header.cells : null, rows: body.map(({ cells, elements }) => ({ cells, elements })) };
}

// Walked by hand: cheerio would compile a selector per row, which costs seconds on pages with thousands of rows.
function childElements(el: Element): Element[] {
  return el.children.filter((c): c is Element => c.type === 'tag');
}

/** The table's own rows, in order, not those of tables nested in its cells. */
function rowsOf(table: Element): Element[] {
  const rows: Element[] = [];
  const walk = (el: Element) => {
    for (const child of childElements(el)) {
      if (child.name === 'tr') rows.push(child);
      else if (child.name !== 'table') walk(child);
    }
  };
  walk(table);
  return rows;
}

/** Words that make a property mean "the row's own name", i.e. the first column of a table of named things. */
const NAME_WORDS = new Set(tokens('name title label'));

interface Mapping {
  columns: (number | null)[];
  direct: number;
  score: number;
  notes: string[];
}

/**
 * An array field filled from the table whose column headers best match its items' properties:
 * one item per body row ("plans" ↔ Plan | Price | Seats). Scalar items take the column named like the field.
 */
export function fromTables(page: ParsedPage, field: FieldQuery): Found | null {
  const items = resolveSchema(itemsOf(field.schema));
  const properties = items.kind === 'object' ? propertiesOf(items.schema) : [[field.name, items.schema] as const];
  const subs = properties.map(([name, schema]) => fieldQuery(`${field.path}[].${name}`, name, schema, field.nameTokens));
  let best: { table: Table; mapping: Mapping } | null = null;
  for (const table of pageTables(page).flatMap((t) => [t, transpose(t)])) {
    if (!table?.header || table.rows.length === 0) continue;
    const mapping = mapColumns(table.header, subs, field, items.kind === 'object');
    if (mapping.direct > 0 && (!best || mapping.score > best.mapping.score)) best = { table, mapping };
  }
  if (!best) return null;
  const { table, mapping } = best;
  const values = table.rows
    .map((row) => {
      const cells = mapping.columns.map((j, k) => (j === null ? null : coerceScalar(row.cells[j], subs[k].kind, subs[k].schema)));
      if (cells.every((v) => v === null)) return null;
      return items.kind === 'object' ? Object.fromEntries(subs.map((s, k) => [s.name, cells[k]])) : cells[0];
    })
    .filter((v) => v !== null);
  if (values.length === 0) return null;
  const [across, along] = table.transposed ? ['columns', 'rows'] : ['rows', 'columns'];
  const labels = table
    .header!.filter(Boolean)
    .map((h) => `'${h}'`)
    .join(', ');
  return {
    value: values,
    rule: `${values.length} ${across} of the table with ${along} ${labels} (${mapping.notes.join(', ')})`,
    excerpt: excerpt(`${table.header!.join(' | ')} / ${table.rows[0].cells.join(' | ')}`),
    confidence: 'medium',
  };
}

/**
 * A comparison table turned on its side: items as columns, their properties as rows
 * (`| | Basic | Pro |`, `| Price | $10 | $25 |`). Null for a table without header or row labels.
 */
function transpose(table: Table): Table | null {
  if (!table.header || table.header.length < 2 || table.rows.length === 0) return null;
  const labels = table.rows.map((row) => row.cells[0] ?? '');
  if (labels.some((label) => label === '')) return null;
  const rows = table.header.slice(1).map((name, i) => ({
    cells: [name, ...table.rows.map((row) => row.cells[i + 1] ?? '')],
    elements: table.rows.map((row) => row.elements[i + 1]).filter((el): el is Element => el !== undefined),
  }));
  return { header: [table.header[0] ?? '', ...labels], rows, transposed: true };
}

function mapColumns(header: string[], subs: FieldQuery[], field: FieldQuery, objects: boolean): Mapping {
  const heads = header.map((h) => tokens(h));
  const columns: (number | null)[] = [];
  const notes: string[] = [];
  let direct = 0;
  let score = 0;
  for (const sub of subs) {
    const words = objects ? sub.nameTokens : field.nameTokens;
    let column: number | null = null;
    let bestCover = 0.5;
    heads.forEach((head, j) => {
      const cover = words.length === 0 ? 0 : overlap(words, head) / words.length;
      if (cover > bestCover || (cover === bestCover && column === null && cover > 0)) {
        column = j;
        bestCover = cover;
      }
    });
    if (column !== null) {
      direct += 1;
      score += bestCover;
    } else if (objects && sub.nameTokens.some((t) => NAME_WORDS.has(t))) {
      // "name" is the row's label: the column named like the array ("Plan" for plans), else the first one.
      const named = heads.findIndex((head) => overlap(field.nameTokens, head) > 0);
      column = named >= 0 ? named : 0;
      score += 0.5;
    }
    columns.push(column);
    if (column !== null) notes.push(`${sub.name} ← ${header[column] ? `'${header[column]}'` : 'the label of each'}`);
  }
  return { columns, direct, score, notes };
}

import type { FieldBasis, TaskOutput } from '../../domain/event.js';
import { collapse } from '../coerce.js';
import { stableText } from '../normalise.js';

/**
 * What changed between a snapshot monitor's latest snapshot and a re-run's output: only the changed
 * top-level fields (each with its basis), or null when nothing material changed. Values are
 * compared after normalisation, so formatting is not news: whitespace, number formatting
 * ("1,299.00" = 1299), key order, and list order where the schema marks a list `x-unordered`; a
 * text output also ignores dates, clock times, relative times and case.
 * A field that disappears is reported as null.
 */
export function diffSnapshots(previous: TaskOutput | null | undefined, next: TaskOutput, schema?: Record<string, unknown> | null): TaskOutput | null {
  if (!previous || previous.type !== next.type) return next;
  if (next.type === 'text') {
    // A page's text carries clocks and "updated 3 minutes ago" lines: page watching's volatile-token rule applies.
    return stableText(previous.content as string) === stableText(next.content) ? null : next;
  }
  const before = previous.content as Record<string, unknown>;
  const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const fields = [...new Set([...Object.keys(next.content), ...Object.keys(before)])];
  const same = (field: string) =>
    JSON.stringify(normalise(before[field] ?? null, properties[field])) === JSON.stringify(normalise(next.content[field] ?? null, properties[field]));
  const changed = fields.filter((field) => !same(field));
  if (changed.length === 0) return null;
  return {
    type: 'json',
    content: Object.fromEntries(changed.map((field) => [field, next.content[field] ?? null])),
    basis: next.basis.filter((b: FieldBasis) => changed.some((field) => b.field === field || b.field.startsWith(`${field}.`))),
  };
}

const NUMBER_IN_TEXT = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;

/** A field value's normal form: equal forms (as JSON) mean no material change. */
function normalise(value: unknown, schema: Record<string, unknown> | undefined): unknown {
  if (typeof value === 'string') {
    return collapse(value).replace(NUMBER_IN_TEXT, (n) => String(Number(n.replace(/,/g, ''))));
  }
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => normalise(item, schema?.items as Record<string, unknown> | undefined));
    return schema?.['x-unordered'] === true ? items.map((item) => JSON.stringify(item)).sort() : items;
  }
  if (typeof value === 'object' && value !== null) {
    const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown> | undefined>;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, normalise((value as Record<string, unknown>)[key], properties[key])]),
    );
  }
  return value;
}

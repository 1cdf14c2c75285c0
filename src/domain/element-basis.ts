import type { FieldBasis, TaskOutput } from './event.js';

/** The `parallel-beta` value that asks for a basis entry per element of a list field (api.md §1.7). */
export const FIELD_BASIS_BETA = 'field-basis-2025-11-25';

/** Whether a `parallel-beta` header (a comma-separated list) asks for per-element basis. */
export function wantsElementBasis(header: string | string[] | undefined): boolean {
  const values = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  return values.some((value) => value.trim().toLowerCase() === FIELD_BASIS_BETA);
}

/**
 * The output with, after the basis entry of each top-level list field, one entry per element
 * (`plans.0`, `plans.1`, …). An element comes from where its list came from, by the same rule, so
 * it cites the list's pages; its excerpts are those of the list that contain its own text, or else
 * its own values as read from the page (`Pro | $25/mo`).
 */
export function withElementBasis(output: TaskOutput): TaskOutput {
  if (output.type !== 'json') return output;
  const content = output.content;
  const basis: FieldBasis[] = [];
  for (const entry of output.basis) {
    basis.push(entry);
    const list = content[entry.field];
    if (!Array.isArray(list)) continue;
    list.forEach((element, index) => basis.push(elementBasis(entry, element, index, list.length)));
  }
  return { ...output, basis };
}

function elementBasis(list: FieldBasis, element: unknown, index: number, count: number): FieldBasis {
  const texts = textsOf(element).filter((text) => text.length > 0);
  return {
    field: `${list.field}.${index}`,
    citations: list.citations.map((citation) => {
      // Very short texts (a seat count of 5) would match any excerpt; they select none.
      const matching = (citation.excerpts ?? []).filter((excerpt) => texts.some((text) => text.length >= 3 && excerpt.includes(text)));
      return { ...citation, excerpts: matching.length > 0 || texts.length === 0 ? matching : [texts.join(' | ')] };
    }),
    reasoning: `Element ${index + 1} of ${count} of ${list.field}. ${list.reasoning}`,
    confidence: list.confidence ?? null,
  };
}

function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value.trim()];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(textsOf);
  return [];
}

import { resolveSchema, type FieldKind, type FieldSchema } from '../coerce.js';
import { tokens } from './tokens.js';

/** One property to fill, with the normalised words used to match it against the page. */
export interface FieldQuery {
  /** Dotted path from the output's root ("plans", "address.city"). */
  path: string;
  name: string;
  kind: FieldKind;
  schema: FieldSchema;
  nameTokens: string[];
  descriptionTokens: string[];
  /** Words of the enclosing properties and the task's query: they only break near-ties. */
  contextTokens: string[];
}

/** A value found for a field, with where it came from. */
export interface Found {
  value: unknown;
  /** Which rule found it, e.g. "JSON-LD Product.offers.price". */
  rule: string;
  excerpt: string;
  confidence: 'high' | 'medium';
}

/** The query for a property of the output schema (or of a nested object). */
export function fieldQuery(path: string, name: string, schema: FieldSchema, contextTokens: string[]): FieldQuery {
  const resolved = resolveSchema(schema);
  const description = typeof resolved.schema.description === 'string' ? resolved.schema.description : '';
  return {
    path,
    name,
    kind: resolved.kind,
    schema: resolved.schema,
    nameTokens: tokens(name),
    descriptionTokens: tokens(description),
    contextTokens,
  };
}

import { Type } from 'typebox';

/**
 * `T | null` for wire schemas. `null` is listed first: with query-style type coercion on, a
 * validator that tried the string branch first would turn `null` into `""` and accept it.
 */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);

/**
 * One of a few strings, typed as their union. Written as a string with `enum` rather than a union
 * of literals: Fastify's serialiser writes a string as is, but tries a union branch by branch.
 */
export const StringEnum = <const V extends readonly string[]>(values: V, options: { description?: string } = {}) =>
  Type.Unsafe<V[number]>(Type.String({ ...options, enum: [...values] }));

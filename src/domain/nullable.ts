import { Type } from 'typebox';

/**
 * `T | null` for wire schemas. `null` is listed first: with query-style type coercion on, a
 * validator that tried the string branch first would turn `null` into `""` and accept it.
 */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);

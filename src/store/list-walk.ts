import { sql, type AliasedRawBuilder, type Expression, type Selectable, type SqlBool } from 'kysely';
import type { ListReader } from './db.js';
import type { DialectInfo } from './dialect.js';
import type { Database } from './tables.js';

/**
 * The table a list reads, with the index it walks named where the dialect can (SQLite's
 * `INDEXED BY`; see `DialectInfo.listNamesIndex`). Use as `selectFrom(listFrom(…))`.
 */
export function listFrom<T extends keyof Database>(lists: ListReader, table: T, index: string): AliasedRawBuilder<Selectable<Database[T]>, T> {
  const named = lists.dialect.listNamesIndex ? sql`${sql.table(table)} indexed by ${sql.id(index)}` : sql.table(table);
  return sql<Selectable<Database[T]>>`${sql.table(table)}`.as<T>(named);
}

/**
 * `column = value` as the leading key of a list's index walk: a range on PostgreSQL, so that the key
 * stays part of the order and only the list's index yields it (see `DialectInfo.listKeyAsRange`).
 * Queries using it order by `column` first, then by their cursor columns.
 */
export function listKey(dialect: DialectInfo, column: string, value: string): Expression<SqlBool> {
  const ref = sql.ref(column);
  return dialect.listKeyAsRange ? sql<SqlBool>`${ref} >= ${value} and ${ref} <= ${value}` : sql<SqlBool>`${ref} = ${value}`;
}

/**
 * The events list's "no completions" filter, as the literal predicate of the partial index
 * `events_by_monitor_reported` (migration 0008): only a query that repeats it can walk that index.
 */
export const NOT_COMPLETION = sql<SqlBool>`${sql.ref('kind')} <> 'completion'`;

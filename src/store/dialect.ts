import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { SqliteDialect, type ColumnDefinitionBuilder, type Dialect } from 'kysely';

/**
 * What differs between the stores Vigil runs on. Code branches on these capabilities,
 * never on the dialect's name, so every SQLite/PostgreSQL difference lives in this file.
 */
export interface DialectInfo {
  readonly name: 'sqlite' | 'postgres';
  /** `FOR UPDATE SKIP LOCKED` exists; without it, writes are serialised by the store itself. */
  readonly supportsSkipLocked: boolean;
  /** Defines the append-only log's position column (strictly increasing, never reused). */
  logPositionColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

/** A Kysely dialect and its capabilities for a `VIGIL_DATABASE_URL`. */
export interface OpenedDialect {
  readonly dialect: Dialect;
  readonly info: DialectInfo;
}

const sqliteInfo: DialectInfo = {
  name: 'sqlite',
  supportsSkipLocked: false,
  // AUTOINCREMENT keeps ids of deleted (pruned) rows from being reused, so cursors stay valid.
  logPositionColumn: (column) => column.primaryKey().autoIncrement(),
};

/** Opens the store a database URL names. */
export function openDialect(url: string): OpenedDialect {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  throw new Error(`unsupported database URL "${url}": this build supports sqlite:<path>`);
}

function openSqlite(path: string): OpenedDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  // WAL lets readers proceed while a writer commits; NORMAL sync is durable across process
  // crashes (kill -9), which is the failure Vigil promises to survive.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  return { dialect: new SqliteDialect({ database }), info: sqliteInfo };
}

import { Kysely, Migrator, type Transaction } from 'kysely';
import type { Database } from './tables.js';
import { openDialect, type DialectInfo, type HintChannel } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

/** The query builder over Vigil's tables. */
export type Db = Kysely<Database>;
/** A transaction over Vigil's tables. */
export type Tx = Transaction<Database>;
/** Either: repository functions take whichever the caller holds. */
export type Queryable = Db | Tx;

/**
 * What list reads go through: a query builder whose sessions leave the planner only ordered index
 * walks (on PostgreSQL; see dialect.ts), and the dialect's capabilities. Only list queries run on it.
 */
export interface ListReader {
  readonly db: Db;
  readonly dialect: DialectInfo;
}

/** An open store: the query builder, its dialect's capabilities, and close(). */
export interface Store {
  readonly db: Db;
  readonly dialect: DialectInfo;
  /** For the repositories' list reads (events, monitors, deliveries, task messages). */
  readonly lists: ListReader;
  /** "Work was queued": a hint that wakes workers in every process sharing the store. */
  readonly workHints: HintChannel;
  /** "A log was appended to", with the log's topic (src/delivery/log-fanout.ts): wakes live streams in every process. */
  readonly logHints: HintChannel;
  close(): Promise<void>;
}

/** Opens the database a URL names and brings its schema up to date. */
export async function openStore(url: string, onError: (err: unknown) => void = () => {}): Promise<Store> {
  const { dialect, listDialect, info } = openDialect(url, onError);
  const db = new Kysely<Database>({ dialect });
  const { error, results } = await new Migrator({ db, provider: migrationProvider(info) }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
  let closing: Promise<void> | undefined;
  const workHints = info.hintChannel('work');
  const logHints = info.hintChannel('log');
  const listDb = listDialect === dialect ? db : new Kysely<Database>({ dialect: listDialect });
  return {
    db,
    dialect: info,
    workHints,
    logHints,
    lists: { db: listDb, dialect: info },
    close: () =>
      (closing ??= (async () => {
        await workHints.close();
        await logHints.close();
        await db.destroy();
        if (listDb !== db) await listDb.destroy();
      })()),
  };
}

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, PostgresDialect, SqliteDialect, type ColumnDefinitionBuilder, type Dialect, type Driver, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import { LRUCache } from 'lru-cache';
import { isFixedShape } from './fixed-shapes.js';
import { checkpointOffThread } from './sqlite-checkpoints.js';

/** A wake-up hint between processes (or within one): never the truth, only a reason to look now. */
export interface HintChannel {
  /**
   * Hints that something changed; a `topic` (at most a few hundred characters) says what, so
   * listeners wake only what it concerns: one kind of work on the work channel (an evaluation
   * submitted wakes no execution or webhook claims), one log and scope on the log channel.
   */
  notify(topic?: string): void;
  /** Hears hints; `topic` is '' when the hint concerns everything on the channel. */
  subscribe(listener: (topic: string) => void): void;
  close(): Promise<void>;
}

/**
 * What differs between the stores Vigil runs on. Code branches on these capabilities, never on
 * the dialect's name, so every SQLite/PostgreSQL difference lives in this file.
 */
export interface DialectInfo {
  readonly name: 'sqlite' | 'postgres';
  /**
   * `FOR UPDATE SKIP LOCKED` exists. Without it (SQLite) a store has one writer at a time, so a
   * claim made in a transaction cannot race another.
   */
  readonly supportsSkipLocked: boolean;
  /**
   * Statements run at the start of the transaction of a claim that leases queued rows in index
   * order (webhook deliveries); null when the store needs none and the claim runs on its own.
   */
  readonly orderedClaimSettings: string | null;
  /**
   * Statements run at the start of a fair claim of executions or task runs (src/store/fair-claim.ts),
   * so the planner reads the partial queue indexes in order; null when the store needs none.
   */
  readonly queueClaimSettings: string | null;
  /** Column type of the append-only log's position (strictly increasing, never reused). */
  readonly logPositionType: 'integer' | 'bigserial';
  logPositionColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * A list's leading key (`monitor_id = ?`) must be written as a range (`>= ? and <= ?`) to pin the
   * list to its index. PostgreSQL turns an equality into a constant, and `ORDER BY seq` could then be
   * served by walking the log's primary key and filtering out other monitors' rows, which stale
   * statistics can make it prefer; a range keeps the key in the order, which only the list's index
   * yields. SQLite plans without statistics and positions its walk only on an equality.
   */
  readonly listKeyAsRange: boolean;
  /**
   * A list query names the index it walks (SQLite's `INDEXED BY`): then no statistics, such as an
   * operator's `ANALYZE`, can turn the walk into a scan of the table in `seq` order. PostgreSQL
   * cannot name an index; its list sessions leave the planner no other plan (LIST_SESSION_SETTINGS).
   */
  readonly listNamesIndex: boolean;
  /** A hint channel: across processes with LISTEN/NOTIFY, within this process otherwise. */
  hintChannel(name: string): HintChannel;
  /**
   * A mark that differs whenever the database may have changed since it was last taken: a commit by
   * another connection, or any write by this process's own (SQLite's `data_version` and
   * `total_changes()`), read in a few microseconds without a round trip. Null where no mark is that
   * cheap (PostgreSQL, whose other processes are other connections with nothing to ask but the server).
   */
  readonly changeMark: (() => string) | null;
}

/** A Kysely dialect and its capabilities for a `VIGIL_DATABASE_URL`. */
export interface OpenedDialect {
  readonly dialect: Dialect;
  /** The dialect list reads go through (see LIST_SESSION_SETTINGS); the same store as `dialect`. */
  readonly listDialect: Dialect;
  readonly info: DialectInfo;
}

/** Opens the store a database URL names; `onError` hears failures of idle connections. */
export function openDialect(url: string, onError: (err: unknown) => void): OpenedDialect {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, onError);
  throw new Error(`unsupported database URL "${url}": use sqlite:<path> or postgres://…`);
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
  // Reads of the log touch pages spread over the file; map them rather than copy them per read.
  database.pragma('mmap_size = 1073741824');
  database.pragma('cache_size = -65536');
  cacheStatements(database);
  const commitsByOthers = database.prepare('pragma data_version').pluck();
  const ownWrites = database.prepare('select total_changes()').pluck();
  const checkpoints = path === ':memory:' ? undefined : checkpointOffThread(database, path, () => ownWrites.get() as number);
  const emitter = new EventEmitter();
  const info: DialectInfo = {
    name: 'sqlite',
    supportsSkipLocked: false,
    orderedClaimSettings: null,
    queueClaimSettings: null,
    logPositionType: 'integer',
    // AUTOINCREMENT keeps positions of deleted (pruned) rows from being reused, so cursors stay valid.
    logPositionColumn: (column) => column.primaryKey().autoIncrement(),
    listKeyAsRange: false,
    listNamesIndex: true,
    hintChannel: (name) => ({
      notify: (topic = '') => {
        emitter.emit(name, topic);
      },
      subscribe: (listener) => {
        emitter.on(name, listener);
      },
      close: async () => {
        emitter.removeAllListeners(name);
      },
    }),
    // Outside Kysely's connection lock, which is safe: better-sqlite3 runs each statement to its end
    // synchronously, so none is under way when these run, and they only read counters.
    changeMark: () => `${commitsByOthers.get() as number}:${ownWrites.get() as number}`,
  };
  // List queries name their index (listNamesIndex), so list reads need no sessions of their own.
  const dialect = new ImmediateSqliteDialect({ database }, async () => checkpoints?.close());
  return { dialect, listDialect: dialect, info };
}

/**
 * Transactions that take the write lock when they begin. A deferred transaction that reads and
 * then writes fails at once with SQLITE_BUSY (no busy timeout applies) when another process wrote
 * in between, which two processes sharing one file (a restart overlapping a frozen process) meet.
 * `beforeClose` stops what runs beside the connection (the checkpoint thread) whoever destroys it.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly beforeClose: () => Promise<void>,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    const destroy = driver.destroy.bind(driver);
    driver.destroy = async () => {
      await this.beforeClose();
      await destroy();
    };
    return driver;
  }
}

/**
 * Kysely prepares every query anew; compiling SQL then costs more than running it for the small
 * indexed reads of the API. Vigil's queries come from a few shapes, so prepared statements are
 * reused by their SQL text (better-sqlite3 runs one statement at a time, so sharing is safe).
 */
function cacheStatements(database: SQLite.Database, max = 500): void {
  const prepare = database.prepare.bind(database);
  const cache = new LRUCache<string, SQLite.Statement>({ max });
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof database.prepare;
}

// BIGINT columns hold epoch milliseconds and log positions, all far below 2^53: read them as numbers.
const int8AsNumber = (oid: Parameters<typeof pg.types.getTypeParser>[0], format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : (pg.types.getTypeParser(oid, format) as (value: string) => unknown);

/**
 * An outbox's due rows always have the newest timestamps, beyond the column's statistics, so the
 * planner thinks a handful are due and picks a bitmap scan that reads and sorts the whole backlog
 * (10 ms a claim at 20,000 pending) instead of reading the ordered partial index up to the limit.
 * The claim's commit need not wait for the disk: a lease lost in a server crash only means the
 * message is sent again under the same id, which at-least-once delivery allows. A claim that keeps
 * each URL within its room must still sort its few hundred candidates; the disabled sort inflates
 * its cost past the JIT threshold, and compiling would take a second: no JIT for claims.
 */
const POSTGRES_ORDERED_CLAIM = 'SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; SET LOCAL synchronous_commit = off; SET LOCAL jit = off';

/**
 * The sessions list reads run on. A list walks its index in cursor order and stops after `limit + 1`
 * rows; the planner would rather read every row of the key and sort them when its statistics say the
 * key has few rows, and statistics lag behind bulk appends (a busy monitor's 100,000 new events
 * were estimated at 9 rows, and each page then read and sorted all of them). With sorts, bitmap
 * and sequential scans off, an ordered index walk is the only plan left, whatever the statistics say.
 * Only the list queries of the repositories run on these sessions.
 */
const LIST_SESSION_SETTINGS = ['enable_sort', 'enable_incremental_sort', 'enable_bitmapscan', 'enable_seqscan'].map((name) => `-c ${name}=off`).join(' ');

/**
 * Names statements (by a hash of their SQL), so PostgreSQL parses each once per connection, and plans
 * it once when its generic plan proves as good. The list pool names all it runs (a few shapes serve
 * every list); the main pool only `prepared`'s fixed shapes, such as the key read every request
 * makes: its other statements vary in shape, and would fill each connection with statements run once.
 */
function nameStatements(pool: pg.Pool, prefix: string, named: (sql: string) => boolean): void {
  const names = new LRUCache<string, string>({ max: 1000 });
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (name === undefined) names.set(sql, (name = `${prefix}_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`));
    return name;
  };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, ...rest: unknown[]) => {
      if (typeof config !== 'string' || !named(config)) return query(config, ...rest);
      const [values, callback] = rest;
      return query({ name: nameOf(config), text: config, values }, callback);
    };
  });
}

function openPostgres(url: string, onError: (err: unknown) => void): OpenedDialect {
  const types = { getTypeParser: int8AsNumber as never };
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  const listPool = new pg.Pool({ connectionString: url, max: 10, types, options: LIST_SESSION_SETTINGS });
  // An idle connection the server closed is replaced on next use; without a listener it would crash the process.
  pool.on('error', onError);
  listPool.on('error', onError);
  nameStatements(listPool, 'list', () => true);
  nameStatements(pool, 'fixed', isFixedShape);
  const info: DialectInfo = {
    name: 'postgres',
    supportsSkipLocked: true,
    orderedClaimSettings: POSTGRES_ORDERED_CLAIM,
    // Not synchronous_commit = off: a claim lost in a server crash could let one execution run twice.
    queueClaimSettings: 'SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off',
    logPositionType: 'bigserial',
    logPositionColumn: (column) => column.primaryKey(),
    listKeyAsRange: true,
    listNamesIndex: false,
    hintChannel: (name) => postgresHints(url, pool, `vigil_${name}`, onError),
    changeMark: null,
  };
  return { dialect: new PostgresDialect({ pool }), listDialect: new PostgresDialect({ pool: listPool }), info };
}

/** LISTEN on a dedicated connection (reconnecting after failures); NOTIFY through the pool. */
function postgresHints(url: string, pool: pg.Pool, channel: string, onError: (err: unknown) => void): HintChannel {
  const emitter = new EventEmitter();
  let client: pg.Client | undefined;
  let closed = false;
  let listening = false;
  const listen = async () => {
    if (closed || listening) return;
    listening = true;
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => emitter.emit('hint', message.payload ?? ''));
    next.on('error', (err) => {
      onError(err);
      listening = false;
      client = undefined;
      next.end().catch(() => {});
      setTimeout(() => void listen(), 1000).unref();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
      client = next;
      if (closed) await next.end();
    } catch (err) {
      onError(err);
      listening = false;
      await next.end().catch(() => {});
      if (!closed) setTimeout(() => void listen(), 1000).unref();
    }
  };
  // Hints raised in one turn of the event loop go out in one statement: a group commit of 64
  // executions raised 64 hints, and a NOTIFY of its own each cost a pooled round trip and a commit.
  const pending = new Set<string>();
  const flush = () => {
    if (pending.size === 0) return Promise.resolve();
    const topics = [...pending];
    pending.clear();
    return pool.query('SELECT pg_notify($1, topic) FROM unnest($2::text[]) AS topic', [channel, topics]).then(() => {}, onError);
  };
  return {
    notify: (topic = '') => {
      // A local listener needs no round trip; other processes hear the NOTIFY.
      emitter.emit('hint', topic);
      if (pending.size === 0) setImmediate(() => void flush());
      pending.add(topic);
    },
    subscribe: (listener) => {
      emitter.on('hint', listener);
      void listen();
    },
    close: async () => {
      closed = true;
      await flush();
      emitter.removeAllListeners();
      await client?.end().catch(() => {});
    },
  };
}

import type { CompiledQuery, Compilable, QueryResult } from 'kysely';
import type { Queryable } from './db.js';
import { addFixedShape } from './fixed-shapes.js';

/** Stands for a named value while a statement is compiled once; where it lands is where the value goes. */
class Slot {
  constructor(readonly name: string) {}
}

interface Compiled {
  query: CompiledQuery;
  slots: (string | undefined)[];
}

/**
 * A statement of fixed shape whose SQL is built and compiled once per dialect, then run with new
 * values. Kysely builds and compiles every query anew, which cost more than SQLite took to run the
 * small statements of an evaluation's hot path (submit, claim, commit). `build` receives stand-ins
 * for the named values; constants in it are compiled in as parameters and kept.
 */
export function prepared<P extends Record<string, unknown>, R = unknown>(
  names: readonly (keyof P & string)[],
  build: (db: Queryable, values: P) => Compilable<R>,
): (db: Queryable, values: P) => Promise<QueryResult<R>> {
  // One compilation per dialect: the SQL text depends only on the dialect's adapter (SQLite, PostgreSQL).
  const byAdapter = new Map<unknown, Compiled>();
  return (db, values) => {
    const adapter = db.getExecutor().adapter.constructor;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      const stand = Object.fromEntries(names.map((n) => [n, new Slot(n)])) as unknown as P;
      const query = build(db, stand).compile();
      const slots = query.parameters.map((p) => (p instanceof Slot ? p.name : undefined));
      const missing = names.filter((n) => !slots.includes(n));
      if (missing.length > 0) throw new Error(`prepared statement lost its parameter(s) ${missing.join(', ')}: ${query.sql}`);
      compiled = { query, slots };
      addFixedShape(query.sql);
      byAdapter.set(adapter, compiled);
    }
    const { query, slots } = compiled;
    const parameters = query.parameters.map((p, i) => (slots[i] === undefined ? p : values[slots[i]]));
    return db.executeQuery<R>({ ...query, parameters });
  };
}

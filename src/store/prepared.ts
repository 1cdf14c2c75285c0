import { createQueryId, OperationNodeTransformer, ValueNode, type CompiledQuery, type Compilable, type QueryResult, type RootOperationNode } from 'kysely';
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
 * The constants of a statement (a status, a limit) as SQL literals rather than bound parameters.
 * Both stores decide whether a partial index (`where status = 'queued'`) can serve a statement by
 * what it compares the column with: a parameter makes SQLite compile the statement afresh on every
 * run to look at the value (50 of the 57 µs the claim's pick took), and PostgreSQL's generic plan,
 * made once for every value, can never use the index, so it plans each run anew.
 */
class ConstantsAsLiterals extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = node.value;
    return typeof value === 'string' || typeof value === 'number' ? ValueNode.createImmediate(value) : node;
  }
}

/**
 * A statement of fixed shape whose SQL is built and compiled once per dialect, then run with new
 * values. Kysely builds and compiles every query anew, which cost more than SQLite took to run the
 * small statements of an evaluation's hot path (submit, claim, commit). `build` receives stand-ins
 * for the named values; constants in it are compiled in as literals (ConstantsAsLiterals).
 */
export function prepared<P extends Record<string, unknown>, R = unknown>(
  names: readonly (keyof P & string)[],
  build: (db: Queryable, values: P) => Compilable<R> & { toOperationNode(): RootOperationNode },
): (db: Queryable, values: P) => Promise<QueryResult<R>> {
  // One compilation per dialect: the SQL text depends only on the dialect's adapter (SQLite, PostgreSQL).
  const byAdapter = new Map<unknown, Compiled>();
  return (db, values) => {
    const adapter = db.getExecutor().adapter.constructor;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      const stand = Object.fromEntries(names.map((n) => [n, new Slot(n)])) as unknown as P;
      const node = new ConstantsAsLiterals().transformNode(build(db, stand).toOperationNode());
      const query = db.getExecutor().compileQuery<R>(node, createQueryId());
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

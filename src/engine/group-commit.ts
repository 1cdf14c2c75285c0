// Group commit for the leased runner: results that finish close together commit in one transaction
// instead of one each. A transaction's fixed cost (BEGIN, COMMIT, on PostgreSQL a round trip and a
// WAL flush) was most of an evaluation's commit; under load dozens end in the same turn of the event
// loop. Only kinds whose `commit` writes nothing when it finds its lease lost (it returns false
// before its first write) may share a transaction: a lost item then leaves the others' writes intact.
import type { FastifyBaseLogger } from 'fastify';
import type { Store, Tx } from '../store/db.js';

/** Most results one transaction commits: bounds how long the store's write lock is held. */
export const MAX_GROUP = 64;

/** What a group commit writes: one item's result, its lease checked first. */
export interface Commit<T, R> {
  noun: string;
  id(item: T): string;
  commit(tx: Tx, item: T, result: R, now: number): Promise<false | number>;
  /** Items of a group commit in this key's order, so transactions lock shared rows in one order (no deadlocks). */
  commitOrder?(item: T): string;
}

interface Pending<T, R> {
  item: T;
  result: R;
  resolve(written: false | number): void;
  reject(err: unknown): void;
}

/** Commits results in groups; each `commit` settles with what its own item's commit returned. */
export interface GroupCommitter<T, R> {
  commit(item: T, result: R): Promise<false | number>;
}

/**
 * Queues results and commits the queue in one transaction each time the event loop turns (after
 * every callback already due has run, so results finishing together share it). A group that fails
 * as a whole is retried item by item, so one bad item fails alone.
 */
export function createGroupCommitter<T, R>(kind: Commit<T, R>, deps: { store: Store; clock: () => number; log: FastifyBaseLogger }): GroupCommitter<T, R> {
  let queue: Pending<T, R>[] = [];
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      void flush().finally(() => {
        scheduled = false;
        if (queue.length > 0) schedule();
      });
    });
  };
  const key = kind.commitOrder;

  const one = (p: Pending<T, R>) => deps.store.db.transaction().execute((tx) => kind.commit(tx, p.item, p.result, deps.clock()));

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const group = queue.slice(0, MAX_GROUP);
      queue = queue.slice(MAX_GROUP);
      if (key) group.sort((a, b) => (key(a.item) < key(b.item) ? -1 : key(a.item) > key(b.item) ? 1 : 0));
      if (group.length === 1) {
        await one(group[0]).then(group[0].resolve, group[0].reject);
        continue;
      }
      try {
        const written = await deps.store.db.transaction().execute(async (tx) => {
          const now = deps.clock();
          const out: (false | number)[] = [];
          for (const p of group) out.push(await kind.commit(tx, p.item, p.result, now));
          return out;
        });
        group.forEach((p, i) => p.resolve(written[i]));
      } catch (err) {
        deps.log.warn({ err, items: group.length }, `a group commit of ${kind.noun}s failed; committing them one by one`);
        for (const p of group) await one(p).then(p.resolve, p.reject);
      }
    }
  }

  return {
    commit(item, result) {
      return new Promise((resolve, reject) => {
        queue.push({ item, result, resolve, reject });
        schedule();
      });
    },
  };
}

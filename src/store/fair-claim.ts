import { sql } from 'kysely';
import type { Db, Queryable } from './db.js';
import type { DialectInfo } from './dialect.js';

/**
 * The fairness state of one claimer: the per-account cap on work in flight (across processes) and
 * the account served last. Claims go round the accounts that have queued work, in id order from
 * the one after `after`, so one account's backlog waits behind its own work, not everyone's.
 */
export interface ClaimFairness {
  /** Leased, unexpired items an account may hold at once, counted over every process. */
  perAccount: number;
  /** The account served last (''/absent: start from the first); each claim moves it on. */
  after?: string;
  /** When this claimer last found no expired lease; it looks again a second later (or at once after finding one). */
  expiredCheckedAt?: number;
}

/** How often one claimer looks for expired leases when it found none: a takeover waits at most this long more. */
const EXPIRED_CHECK_MS = 1_000;

/** Whether a claim should look for work under an expired lease now (saving the round trip most of the time). */
export function lookForExpired(fairness: ClaimFairness, now: number): boolean {
  return fairness.expiredCheckedAt === undefined || now - fairness.expiredCheckedAt >= EXPIRED_CHECK_MS;
}

/** Records what a look for expired leases found. */
export function foundExpired(fairness: ClaimFairness, now: number, found: boolean): void {
  fairness.expiredCheckedAt = found ? undefined : now;
}

/** Most accounts one claim looks at before giving up until the next tick (the rotation resumes there). */
const ACCOUNTS_PER_CLAIM = 64;

/** What a fair claim asks of one kind of work: the oldest runnable item of the first account after one, and an account's load. */
export interface FairQueue<T> {
  /** The oldest runnable item of the first account (in id order) after `after` that has one, locked. */
  next(after: string): Promise<(T & { account_id: string }) | undefined>;
  inFlight(accountId: string): Promise<number>;
}

/**
 * Picks the oldest runnable item of the next account in rotation that is under its cap. Each step
 * is an index seek (queued rows by account, running rows by account), so a claim costs O(log n) in
 * the history and O(accounts skipped) beyond that, never a scan of the backlog.
 */
export async function pickFairly<T>(queue: FairQueue<T>, fairness: ClaimFairness): Promise<T | undefined> {
  const start = fairness.after ?? '';
  const capped = fairness.perAccount < Number.MAX_SAFE_INTEGER;
  let after = start;
  let wrapped = start === '';
  for (let i = 0; i < ACCOUNTS_PER_CLAIM; i += 1) {
    const item = await queue.next(after);
    if (item === undefined || (wrapped && start !== '' && item.account_id > start)) {
      if (wrapped) return undefined;
      wrapped = true;
      after = '';
      continue;
    }
    after = item.account_id;
    fairness.after = item.account_id;
    if (!capped || (await queue.inFlight(item.account_id)) < fairness.perAccount) return item;
  }
  return undefined;
}

/**
 * Runs a claim in one transaction. On PostgreSQL the planner is told to read the partial indexes in
 * order rather than bitmap-scan and sort: queued rows always carry the newest timestamps, beyond
 * the column statistics, so right after bulk appends it would otherwise misjudge the queue as tiny.
 * BEGIN and those settings go in one round trip.
 */
export async function inClaimTransaction<T>(db: Db, dialect: DialectInfo, claim: (tx: Queryable) => Promise<T>): Promise<T> {
  const settings = dialect.queueClaimSettings;
  if (settings === null) return db.transaction().execute(claim);
  return db.connection().execute(async (conn) => {
    await sql.raw(`BEGIN; ${settings}`).execute(conn);
    try {
      const result = await claim(conn);
      await sql.raw('COMMIT').execute(conn);
      return result;
    } catch (err) {
      await sql
        .raw('ROLLBACK')
        .execute(conn)
        .catch(() => {});
      throw err;
    }
  });
}

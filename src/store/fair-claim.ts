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
}

/** Most accounts one claim looks at before giving up until the next tick (the rotation resumes there). */
const ACCOUNTS_PER_CLAIM = 64;

/** What a fair claim asks of one kind of work: the next account with queued work, its load, its oldest item. */
export interface FairQueue<T> {
  nextAccount(after: string): Promise<string | undefined>;
  inFlight(accountId: string): Promise<number>;
  oldest(accountId: string): Promise<T | undefined>;
}

/**
 * Picks the oldest claimable item of the next account in rotation that is under its cap. Each step
 * is an index seek (queued rows by account, running rows by account), so a claim costs O(log n) in
 * the history and O(accounts skipped) beyond that, never a scan of the backlog.
 */
export async function pickFairly<T>(queue: FairQueue<T>, fairness: ClaimFairness): Promise<T | undefined> {
  const start = fairness.after ?? '';
  let after = start;
  let wrapped = start === '';
  for (let i = 0; i < ACCOUNTS_PER_CLAIM; i += 1) {
    const account = await queue.nextAccount(after);
    if (account === undefined || (wrapped && start !== '' && account > start)) {
      if (wrapped) return undefined;
      wrapped = true;
      after = '';
      continue;
    }
    after = account;
    fairness.after = account;
    if ((await queue.inFlight(account)) >= fairness.perAccount) continue;
    const item = await queue.oldest(account);
    if (item !== undefined) return item;
  }
  return undefined;
}

/**
 * Runs a claim in one transaction. On PostgreSQL the planner is told to read the partial indexes in
 * order rather than bitmap-scan and sort: queued rows always carry the newest timestamps, beyond
 * the column statistics, so right after bulk appends it would otherwise misjudge the queue as tiny.
 */
export async function inClaimTransaction<T>(db: Db, dialect: DialectInfo, claim: (tx: Queryable) => Promise<T>): Promise<T> {
  const settings = dialect.queueClaimSettings;
  return db.transaction().execute(async (tx) => {
    if (settings !== null) await sql.raw(settings).execute(tx);
    return claim(tx);
  });
}

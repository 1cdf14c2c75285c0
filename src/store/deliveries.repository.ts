import { sql } from 'kysely';
import type { Db, ListReader, Queryable } from './db.js';
import type { DialectInfo } from './dialect.js';
import { listFrom } from './list-walk.js';
import type { DeliveryRow } from './tables.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One webhook message to one URL, with its delivery state. */
export interface Delivery {
  id: string;
  accountId: string;
  resourceType: string;
  resourceId: string;
  eventType: string;
  url: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  windowStart: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  accountId: row.account_id,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  eventType: row.event_type,
  url: row.url,
  body: row.body,
  status: row.status as DeliveryStatus,
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  windowStart: Number(row.window_start),
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: row.last_error,
  createdAt: Number(row.created_at),
  deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
});

/** A delivery to write into the outbox, in the transaction of the outcome that implies it. */
export interface NewDelivery {
  id: string;
  accountId: string;
  resourceType: string;
  resourceId: string;
  eventType: string;
  url: string;
  body: string;
  createdAt: number;
}

/** Writes deliveries as pending, due at once. */
export async function insertDeliveries(db: Queryable, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        id: d.id,
        account_id: d.accountId,
        resource_type: d.resourceType,
        resource_id: d.resourceId,
        event_type: d.eventType,
        url: d.url,
        body: d.body,
        status: 'pending',
        attempts: 0,
        next_attempt_at: d.createdAt,
        window_start: d.createdAt,
        created_at: d.createdAt,
      })),
    )
    .execute();
}

/** What sending a leased delivery needs (a claim returns no more, so it reads and moves less). */
export type ClaimedDelivery = Pick<Delivery, 'id' | 'accountId' | 'url' | 'body' | 'attempts' | 'nextAttemptAt' | 'windowStart'>;

/**
 * What a claim asks for: up to `limit` due deliveries, none to `busyUrls` nor of `busyAccounts`, and
 * no more than `urlRooms` gives for a URL (a URL not listed may take the whole `limit`).
 */
export interface ClaimQuery {
  workerId: string;
  now: number;
  leaseUntil: number;
  busyUrls: string[];
  busyAccounts?: string[];
  urlRooms?: [string, number][];
  limit: number;
}

/** How far past `limit` a claim with per-URL rooms looks, so one URL's backlog does not fill its view. */
const ROOM_SCAN = 4;

/**
 * Leases up to `limit` due deliveries, first attempts before retries (so a backlog of retries never
 * delays new messages), skipping URLs and accounts this process already holds enough deliveries for.
 */
export async function claimDeliveries(db: Db, dialect: DialectInfo, q: ClaimQuery): Promise<ClaimedDelivery[]> {
  const settings = dialect.orderedClaimSettings;
  if (settings === null) return claimIn(db, dialect, q);
  // BEGIN and the settings in one round trip (Kysely's transaction() would send them apart).
  return db.connection().execute(async (conn) => {
    await sql.raw(`BEGIN; ${settings}`).execute(conn);
    try {
      const claimed = await claimIn(conn, dialect, q);
      await sql.raw('COMMIT').execute(conn);
      return claimed;
    } catch (err) {
      await sql
        .raw('ROLLBACK')
        .execute(conn)
        .catch(() => {});
      throw err;
    }
  });
}

/** The due, unleased deliveries a claim may take, in claim order; with URL rooms, `ROOM_SCAN` times the limit. */
function dueCandidates(db: Queryable, dialect: DialectInfo, q: ClaimQuery, rooms: [string, number][]) {
  let candidates = db
    .selectFrom('webhook_deliveries')
    .select(['id', 'url', 'attempts', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', q.now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', q.now)]));
  if (q.busyUrls.length > 0) candidates = candidates.where('url', 'not in', q.busyUrls);
  if (q.busyAccounts?.length) candidates = candidates.where('account_id', 'not in', q.busyAccounts);
  candidates = candidates
    .orderBy('attempts')
    .orderBy('next_attempt_at')
    .limit(rooms.length > 0 ? q.limit * ROOM_SCAN : q.limit);
  if (dialect.supportsSkipLocked) candidates = candidates.forUpdate().skipLocked();
  return candidates;
}

async function claimIn(db: Queryable, dialect: DialectInfo, q: ClaimQuery): Promise<ClaimedDelivery[]> {
  const rooms = q.urlRooms ?? [];
  const candidates = dueCandidates(db, dialect, q, rooms);
  // With rooms, the first candidates in due order are ranked within their URL, and a URL keeps only
  // as many as its room; the claim then takes the first `limit` of what is kept.
  const chosen =
    rooms.length === 0
      ? candidates.clearSelect().select('id')
      : db
          .selectFrom(
            db
              .selectFrom(candidates.as('c'))
              .select([
                'id',
                'url',
                'attempts',
                'next_attempt_at',
                sql<number>`row_number() over (partition by url order by attempts, next_attempt_at)`.as('nth'),
              ])
              .as('r'),
          )
          .select('id')
          // Typed, or PostgreSQL takes the parameters in THEN and ELSE for text.
          .where(
            'nth',
            '<=',
            sql<number>`case ${sql.ref('url')} ${sql.join(
              rooms.map(([url, room]) => sql`when ${url} then cast(${room} as integer)`),
              sql` `,
            )} else cast(${q.limit} as integer) end`,
          )
          .orderBy('attempts')
          .orderBy('next_attempt_at')
          .limit(q.limit);
  const rows = await db
    .updateTable('webhook_deliveries')
    .set({ locked_by: q.workerId, locked_until: q.leaseUntil })
    .where('id', 'in', chosen)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', q.now)]))
    .returning(['id', 'account_id', 'url', 'body', 'attempts', 'next_attempt_at', 'window_start'])
    .execute();
  return rows
    .map((row) => ({
      id: row.id,
      accountId: row.account_id,
      url: row.url,
      body: row.body,
      attempts: Number(row.attempts),
      nextAttemptAt: Number(row.next_attempt_at),
      windowStart: Number(row.window_start),
    }))
    .sort((a, b) => a.attempts - b.attempts || a.nextAttemptAt - b.nextAttemptAt);
}

/** Records an attempt's result, if this worker still holds the delivery. */
export async function recordAttempt(
  db: Queryable,
  id: string,
  workerId: string,
  result: { status: DeliveryStatus; nextAttemptAt?: number; lastStatus: number | null; lastError: string | null; at: number },
): Promise<boolean> {
  const updated = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: result.status,
      attempts: eb('attempts', '+', 1),
      next_attempt_at: result.nextAttemptAt ?? result.at,
      last_status: result.lastStatus,
      last_error: result.lastError,
      delivered_at: result.status === 'delivered' ? result.at : null,
      locked_by: null,
      locked_until: null,
    }))
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Records many successful attempts at once (those this worker still holds), one statement per status code. */
export async function recordDelivered(db: Queryable, workerId: string, successes: { id: string; status: number; at: number }[]): Promise<void> {
  const byStatus = new Map<number, { ids: string[]; at: number }>();
  for (const s of successes) {
    const group = byStatus.get(s.status) ?? { ids: [], at: s.at };
    group.ids.push(s.id);
    group.at = Math.max(group.at, s.at);
    byStatus.set(s.status, group);
  }
  for (const [status, { ids, at }] of byStatus) {
    await db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        status: 'delivered',
        attempts: eb('attempts', '+', 1),
        next_attempt_at: at,
        last_status: status,
        last_error: null,
        delivered_at: at,
        locked_by: null,
        locked_until: null,
      }))
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .execute();
  }
}

/** Gives leased deliveries back at once (on shutdown, or when one waited too long to be sent safely). */
export async function releaseDeliveries(db: Queryable, ids: string[], workerId: string): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('webhook_deliveries').set({ locked_by: null, locked_until: null }).where('id', 'in', ids).where('locked_by', '=', workerId).execute();
}

/** Fails every pending delivery of an account to a URL (its endpoint was disabled). */
export async function failPendingDeliveries(db: Queryable, accountId: string, url: string, reason: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', last_error: reason, locked_by: null, locked_until: null })
    .where('account_id', '=', accountId)
    .where('url', '=', url)
    .where('status', '=', 'pending')
    .execute();
}

/** A delivery of an account, by id. */
export async function findDelivery(db: Queryable, accountId: string, id: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row && toDelivery(row);
}

/** Which page of an account's deliveries. */
export interface DeliveriesPage {
  accountId: string;
  statuses?: string[];
  resourceId?: string;
  eventType?: string;
  after?: { createdAt: number; id: string };
  limit: number;
}

/** A page of an account's deliveries, newest first, strictly after `after`. */
export async function listDeliveries(lists: ListReader, q: DeliveriesPage): Promise<Delivery[]> {
  return (await deliveriesPageQuery(lists, q).execute()).map(toDelivery);
}

/**
 * The query `listDeliveries` sends: a walk of `deliveries_by_account_created` from the cursor; the
 * status, resource and event type filters are checked along the walk (an index per filter would
 * cost every delivery's writes more than these rare reads save).
 */
export function deliveriesPageQuery(lists: ListReader, q: DeliveriesPage) {
  const from = listFrom(lists, 'webhook_deliveries', 'deliveries_by_account_created');
  let query = lists.db.selectFrom(from).selectAll().where('account_id', '=', q.accountId);
  if (q.statuses?.length) query = query.where('status', 'in', q.statuses);
  if (q.resourceId) query = query.where('resource_id', '=', q.resourceId);
  if (q.eventType) query = query.where('event_type', '=', q.eventType);
  if (q.after) {
    const { createdAt, id } = q.after;
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit);
}

/** Makes deliveries pending again, due now, with a fresh retry window; returns how many. */
export async function redeliver(
  db: Queryable,
  q: { accountId: string; ids?: string[]; statuses?: string[]; since?: number; until?: number; now: number },
): Promise<number> {
  let query = db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: q.now, window_start: q.now, locked_by: null, locked_until: null })
    .where('account_id', '=', q.accountId)
    .where('status', '!=', 'pending');
  if (q.ids) query = query.where('id', 'in', q.ids);
  if (q.statuses?.length) query = query.where('status', 'in', q.statuses);
  if (q.since !== undefined) query = query.where('created_at', '>=', q.since);
  if (q.until !== undefined) query = query.where('created_at', '<', q.until);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

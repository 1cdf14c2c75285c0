import { ID } from '../domain/ids.js';
import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { Database } from './tables.js';

type EndpointRow = Selectable<Database['webhook_endpoints']>;

/** The health of one webhook URL of an account. */
export interface Endpoint {
  url: string;
  status: 'active' | 'disabled';
  failingSince: number | null;
  lastSuccessAt: number | null;
  disabledReason: string | null;
}

/** An account's endpoint by URL; unknown URLs are healthy. */
export async function findEndpoint(db: Queryable, accountId: string, url: string): Promise<Endpoint> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('url', '=', url).executeTakeFirst();
  return row ? toEndpoint(row) : healthy(url);
}

const healthy = (url: string): Endpoint => ({ url, status: 'active', failingSince: null, lastSuccessAt: null, disabledReason: null });

const toEndpoint = (row: EndpointRow): Endpoint => ({
  url: row.url,
  status: row.status as Endpoint['status'],
  disabledReason: row.disabled_reason,
  failingSince: row.failing_since === null ? null : Number(row.failing_since),
  lastSuccessAt: row.last_success_at === null ? null : Number(row.last_success_at),
});

/** An account's endpoints for several URLs in one query, by URL; unknown URLs are healthy. */
export async function findEndpoints(db: Queryable, accountId: string, urls: readonly string[]): Promise<Map<string, Endpoint>> {
  const found = new Map<string, Endpoint>();
  if (urls.length === 0) return found;
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('url', 'in', [...urls])
    .execute();
  for (const row of rows) found.set(row.url, toEndpoint(row));
  for (const url of urls) if (!found.has(url)) found.set(url, healthy(url));
  return found;
}

/** Every endpoint an account's deliveries have reached or failed to reach. */
export async function listEndpoints(db: Queryable, accountId: string): Promise<Endpoint[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('url').execute();
  return rows.map(toEndpoint);
}

/** Writes an endpoint's health. */
export async function saveEndpoint(db: Queryable, accountId: string, e: Endpoint, now: number): Promise<void> {
  const values = {
    status: e.status,
    failing_since: e.failingSince,
    last_success_at: e.lastSuccessAt,
    disabled_reason: e.disabledReason,
    updated_at: now,
  };
  await db
    .insertInto('webhook_endpoints')
    .values({ account_id: accountId, url: e.url, ...values })
    .onConflict((oc) => oc.columns(['account_id', 'url']).doUpdateSet(values))
    .execute();
}

/** A notice to an account, in its additive account-level log. */
export interface Notice {
  id: string;
  kind: string;
  message: string;
  detail: Record<string, unknown> | null;
  createdAt: number;
}

/** Appends a notice to an account's log. */
export async function insertNotice(
  db: Queryable,
  accountId: string,
  notice: { kind: string; message: string; detail?: Record<string, unknown> },
  now: number,
): Promise<void> {
  await db
    .insertInto('account_notices')
    .values({
      id: ID.notice(),
      account_id: accountId,
      kind: notice.kind,
      message: notice.message,
      detail: notice.detail ? JSON.stringify(notice.detail) : null,
      created_at: now,
    })
    .execute();
}

/** An account's notices, newest first. */
export async function listNotices(db: Queryable, accountId: string, limit: number): Promise<Notice[]> {
  const rows = await db
    .selectFrom('account_notices')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    message: r.message,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    createdAt: Number(r.created_at),
  }));
}

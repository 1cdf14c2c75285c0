import type { Queryable } from './db.js';

/** Records a test event group issued by `simulate_event` for a monitor. */
export async function insertTestEventGroup(db: Queryable, g: { id: string; accountId: string; monitorId: string; createdAt: number }): Promise<void> {
  await db
    .insertInto('test_event_groups')
    .values({
      id: g.id,
      account_id: g.accountId,
      monitor_id: g.monitorId,
      created_at: g.createdAt,
    })
    .execute();
}

/** When a test event group was issued for this monitor, or undefined if it never was. */
export async function findTestEventGroup(db: Queryable, monitorId: string, id: string): Promise<{ createdAt: number } | undefined> {
  const row = await db.selectFrom('test_event_groups').select('created_at').where('id', '=', id).where('monitor_id', '=', monitorId).executeTakeFirst();
  return row && { createdAt: Number(row.created_at) };
}

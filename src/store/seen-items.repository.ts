import type { Queryable } from './db.js';

/** Which of these item keys the monitor has seen before. */
export async function findSeenItems(db: Queryable, monitorId: string, keys: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  // Chunked to stay under SQLite's bound-parameter limit.
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db.selectFrom('seen_items').select('item_key')
      .where('monitor_id', '=', monitorId).where('item_key', 'in', keys.slice(i, i + 500)).execute();
    for (const row of rows) seen.add(row.item_key);
  }
  return seen;
}

/** Records item keys as seen by the monitor; keys seen before are left as they were. */
export async function markItemsSeen(db: Queryable, monitorId: string, keys: string[], now: number): Promise<void> {
  for (let i = 0; i < keys.length; i += 300) {
    const values = keys.slice(i, i + 300).map((item_key) => ({ monitor_id: monitorId, item_key, first_seen_at: now }));
    await db.insertInto('seen_items').values(values)
      .onConflict((oc) => oc.columns(['monitor_id', 'item_key']).doNothing()).execute();
  }
}

import type { Queryable } from './db.js';

/** Which of these item keys the monitor has seen before. */
export async function findSeenItems(db: Queryable, monitorId: string, keys: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  // Chunked to stay under SQLite's bound-parameter limit.
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('seen_items')
      .select('item_key')
      .where('monitor_id', '=', monitorId)
      .where('item_key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const row of rows) seen.add(row.item_key);
  }
  return seen;
}

/** Records item keys as seen by the monitor; keys seen before are left as they were. */
export async function markItemsSeen(db: Queryable, monitorId: string, keys: string[], now: number): Promise<void> {
  for (let i = 0; i < keys.length; i += 300) {
    const values = keys.slice(i, i + 300).map((item_key) => ({ monitor_id: monitorId, item_key, first_seen_at: now }));
    await db
      .insertInto('seen_items')
      .values(values)
      .onConflict((oc) => oc.columns(['monitor_id', 'item_key']).doNothing())
      .execute();
  }
}

/** An item's near-duplicate fingerprint: its key and a 64-bit SimHash as 16 hex digits. */
export interface ItemFingerprint {
  key: string;
  simhash: string;
}

/** How many of a monitor's most recent fingerprints near-duplicate detection compares against. */
export const RECENT_FINGERPRINTS = 5_000;

/** The SimHashes (hex) of the items the monitor saw most recently, newest first. */
export async function recentFingerprints(db: Queryable, monitorId: string, limit = RECENT_FINGERPRINTS): Promise<string[]> {
  const rows = await db
    .selectFrom('item_fingerprints')
    .select('simhash')
    .where('monitor_id', '=', monitorId)
    .orderBy('first_seen_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.simhash);
}

/** Records fingerprints of items the monitor saw; an item's first fingerprint is kept. */
export async function saveFingerprints(db: Queryable, monitorId: string, fingerprints: ItemFingerprint[], now: number): Promise<void> {
  for (let i = 0; i < fingerprints.length; i += 200) {
    const values = fingerprints.slice(i, i + 200).map((f) => ({ monitor_id: monitorId, item_key: f.key, simhash: f.simhash, first_seen_at: now }));
    await db
      .insertInto('item_fingerprints')
      .values(values)
      .onConflict((oc) => oc.columns(['monitor_id', 'item_key']).doNothing())
      .execute();
  }
}

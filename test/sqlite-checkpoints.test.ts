// SQLite's checkpoints run on a thread of their own, never inside a commit on the event loop: the
// store's connection has automatic checkpoints off, and committed pages still reach the database
// file (only a checkpoint writes them there; until then they are in the WAL); and the WAL does not
// grow without end when commits never pause.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openStore } from '../src/store/db.js';
import { checkpointOffThread } from '../src/store/sqlite-checkpoints.js';
import { tempDir } from './helpers.js';

const ROWS = 2000;
const ROW_BYTES = 4096;

test('the store never checkpoints in a commit, and its pages reach the database file all the same', async () => {
  const dir = tempDir();
  const file = join(dir.path, 'vigil.db');
  const store = await openStore(`sqlite:${file}`);
  try {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    assert.equal(rows[0].wal_autocheckpoint, 0, 'the connection leaves checkpoints to the thread');
    const before = statSync(file).size;
    await sql`create table ballast (body blob)`.execute(store.db);
    for (let i = 0; i < ROWS; i += 100) {
      await store.db.transaction().execute(async (tx) => {
        for (let j = 0; j < 100; j++) await sql`insert into ballast (body) values (randomblob(${ROW_BYTES}))`.execute(tx);
      });
    }
    const grown = before + ROWS * ROW_BYTES;
    // The thread checkpoints every 100 ms; a minute is only a bound for a machine under heavy load.
    const giveUp = Date.now() + 60_000;
    while (statSync(file).size < grown && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 50));
    assert.ok(statSync(file).size >= grown, `the database file holds the committed pages (${statSync(file).size} of ${grown} bytes)`);
  } finally {
    await store.close();
    dir.remove();
  }
});

test('under steady writes the WAL is restarted once it passes its limit, not left to grow', async () => {
  const dir = tempDir();
  const file = join(dir.path, 'steady.db');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 10000');
  const changes = database.prepare('select total_changes()').pluck();
  // 1 MiB: the 40 MB written below pass it many times over.
  const checkpoints = checkpointOffThread(database, file, () => changes.get() as number, 256);
  try {
    database.exec('create table ballast (body blob)');
    const insert = database.prepare(`insert into ballast (body) values (randomblob(${ROW_BYTES}))`);
    let largest = 0;
    // A commit every millisecond or so: never a pause long enough for a passive checkpoint to
    // catch up with the last commit, which is when SQLite would start the WAL afresh by itself.
    for (let i = 0; i < 2000; i++) {
      database.transaction(() => {
        for (let j = 0; j < 5; j++) insert.run();
      })();
      largest = Math.max(largest, statSync(`${file}-wal`).size);
      await new Promise((r) => setTimeout(r, 1));
    }
    const written = 2000 * 5 * ROW_BYTES;
    assert.ok(largest < written / 4, `the WAL stayed at ${largest} bytes at most while ${written} were written`);
  } finally {
    await checkpoints.close();
    database.close();
    dir.remove();
  }
});

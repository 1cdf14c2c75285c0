// On PostgreSQL, statements of fixed shape run as named (server-side prepared) statements, parsed
// once per connection and planned once the generic plan proves as good: `prepared`'s statements on
// the main pool (the key read every request makes, the claim's reads) and every list statement on
// the list pool. Statements whose shape varies with their values stay unnamed on the main pool, so
// a connection does not fill with statements run once. SQLite has no such thing to check.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createApiKey } from '../src/accounts.js';
import { hashApiKey } from '../src/domain/api-keys.js';
import { findKeyHolder } from '../src/store/accounts.repository.js';
import { openStore, type Store } from '../src/store/db.js';
import { findMonitorById } from '../src/store/monitors.repository.js';
import { tempDir, testDatabase, type TestDatabase } from './helpers.js';

const skip = process.env.VIGIL_TEST_DATABASE_URL ? false : 'named statements are PostgreSQL’s (set VIGIL_TEST_DATABASE_URL)';

let dir: ReturnType<typeof tempDir>;
let database: TestDatabase;
let store: Store;

before(async () => {
  if (skip) return;
  dir = tempDir();
  database = await testDatabase(dir.path);
  store = await openStore(database.url);
});

after(async () => {
  if (skip) return;
  await store.close();
  await database.drop();
  dir.remove();
});

/** The statements this connection holds prepared, by their SQL text. */
async function preparedOn(db: Kysely<never>): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
  return rows.map((r) => r.statement);
}

test('the key read and other fixed shapes are named on the main pool; statements of varying shape are not', { skip }, async () => {
  const { account, key } = await createApiKey(store, 'named');
  await store.db.connection().execute(async (connection) => {
    const holder = await findKeyHolder(connection, hashApiKey(key));
    assert.equal(holder?.account.id, account.id);
    assert.equal(await findMonitorById(connection, 'mon_none'), undefined);
    await connection.selectFrom('accounts').select('id').where('id', 'in', ['a', 'b', 'c']).execute();
    const statements = await preparedOn(connection as unknown as Kysely<never>);
    assert.ok(
      statements.some((s) => s.includes('from "api_keys"')),
      `the key read is prepared: ${statements.join(' | ')}`,
    );
    assert.ok(
      statements.some((s) => s.startsWith('select * from "monitors" where "id" = $1')),
      `the monitor read is prepared: ${statements.join(' | ')}`,
    );
    assert.ok(!statements.some((s) => s.includes('"id" in ($1, $2, $3)')), 'a statement of varying shape stays unnamed');
  });
});

test('the list pool names every statement it runs', { skip }, async () => {
  await store.lists.db.connection().execute(async (connection) => {
    await connection.selectFrom('accounts').select('id').where('id', 'in', ['a', 'b']).execute();
    const statements = await preparedOn(connection as unknown as Kysely<never>);
    assert.ok(
      statements.some((s) => s.includes('"id" in ($1, $2)')),
      `a list statement is prepared: ${statements.join(' | ')}`,
    );
  });
});

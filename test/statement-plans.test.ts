// Statements of fixed shape (prepared.ts) compare the columns that partial indexes are defined on
// with literals, never with bound parameters: with a parameter there, SQLite compiles the
// statement afresh on every run to see whether the index applies, and PostgreSQL's generic plan,
// made once for every value, cannot use the index at all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { claimExecutions } from '../src/store/executions.repository.js';
import { fixedShapes } from '../src/store/fixed-shapes.js';
import { rss, startFixtureSite, startTestVigil, triggerAndWait, waitFor, type FixtureSite, type TestVigil } from './helpers.js';

let vigil: TestVigil;
let site: FixtureSite;
let monitorId: string;

before(async () => {
  site = await startFixtureSite();
  site.set('/feed.xml', rss('Plans', [{ title: 'One', link: 'https://news.example.test/1', description: 'One', date: new Date() }]));
  vigil = await startTestVigil();
  const monitor = await vigil.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `News from ${site.url}/feed.xml` } });
  monitorId = monitor.monitor_id;
  // The creation run and a triggered one: claims, reads, commits and the scheduler's statements.
  await waitFor(async () => (await vigil.client.monitor.events(monitorId, { include_completions: true })).events.length > 0, 15_000, 'the creation run');
  await triggerAndWait(vigil.client, monitorId);
});

after(async () => {
  await vigil.stop();
  await site.close();
});

/** Columns that some partial index compares with a literal (`status = 'queued'`, `kind <> 'completion'`). */
async function literalIndexColumns(db: Kysely<never>, dialect: string): Promise<Set<string>> {
  const definitions =
    dialect === 'sqlite'
      ? await sql<{ definition: string }>`select sql as definition from sqlite_master where type = 'index' and sql like '% where %'`.execute(db)
      : await sql<{
          definition: string;
        }>`select indexdef as definition from pg_indexes where schemaname = current_schema() and indexdef ilike '% where %'`.execute(db);
  const columns = new Set<string>();
  for (const { definition } of definitions.rows) {
    const predicate = definition.slice(definition.search(/ where /i));
    for (const match of predicate.matchAll(/"?(\w+)"?\s*(?:=|<>|!=|in|= ANY)\s*\(*\s*(?:ARRAY\[)?'/gi)) columns.add(match[1]);
  }
  return columns;
}

test('no statement of fixed shape compares a partial index’s column with a parameter', async () => {
  const columns = await literalIndexColumns(vigil.vigil.store.db as unknown as Kysely<never>, vigil.vigil.store.dialect.name);
  assert.ok(columns.has('status'), `the claim queues are partial indexes on status: ${[...columns].join(', ')}`);
  const shapes = fixedShapes();
  assert.ok(
    shapes.some((s) => s.includes('"e"."account_id" >')),
    'the claim’s pick ran as a statement of fixed shape',
  );
  const offending = shapes.filter((shape) => {
    const where = shape.slice(Math.max(0, shape.search(/ where /i)));
    return [...columns].some((column) => new RegExp(`"${column}" (?:=|<>|!=|in \\() ?(?:\\?|\\$\\d+)`).test(where));
  });
  assert.deepEqual(offending, [], 'these compare a partial index’s column with a parameter');
});

test(
  'on PostgreSQL the claim’s pick, planned once for every value, reads the queue’s partial index',
  {
    skip: process.env.VIGIL_TEST_DATABASE_URL ? false : 'generic plans are PostgreSQL’s (set VIGIL_TEST_DATABASE_URL)',
  },
  async () => {
    const { store } = vigil.vigil;
    await store.db.connection().execute(async (connection) => {
      // Run on this connection, the pick becomes one of its named statements.
      await claimExecutions(connection, store.dialect, { workerId: 'plans', now: Date.now(), leaseUntil: Date.now() + 1000, max: 1 });
      const { rows } = await sql<{ name: string; types: string[] }>`
      select name, parameter_types::text[] as types from pg_prepared_statements
      where statement like ${'%"e"."account_id" > $%'} and statement like ${'%for update skip locked%'}`.execute(connection);
      assert.equal(rows.length, 1, 'the pick is a named statement on this connection');
      const values = rows[0].types.map((type) => (type === 'text' ? `''` : String(Date.now())));
      await sql`set plan_cache_mode = force_generic_plan`.execute(connection);
      try {
        const plan = await sql<{ 'QUERY PLAN': string }>`explain execute ${sql.raw(rows[0].name)}(${sql.raw(values.join(', '))})`.execute(connection);
        const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.match(text, /executions_queued/, `the generic plan reads the queue's index:\n${text}`);
      } finally {
        await sql`reset plan_cache_mode`.execute(connection);
      }
    });
  },
);

// Every cursor list walks an index in cursor order and stops after `limit + 1` rows, whatever the
// statistics say (issue 20). Each list query is explained on the sessions lists run on, over a log
// whose statistics were never gathered (one monitor with 100,000 events beside small ones), and again
// after they went stale the other way (gathered, then another monitor appended 100,000 events). On
// PostgreSQL, EXPLAIN ANALYZE must show the list's index, no sort, and rows and buffers read a small
// multiple of the page; on SQLite, EXPLAIN QUERY PLAN must show the list's index and no sort.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompiledQuery, sql, type Compilable } from 'kysely';
import { ensureAccount } from '../src/accounts.js';
import type { LogEntry } from '../src/domain/event.js';
import { ID } from '../src/domain/ids.js';
import { openStore, type Store } from '../src/store/db.js';
import { deliveriesPageQuery, insertDeliveries } from '../src/store/deliveries.repository.js';
import { appendEntries, eventsPageQuery, executionEventsQuery } from '../src/store/events.repository.js';
import { monitorsByIdQuery, monitorsPageQuery } from '../src/store/monitors.repository.js';
import { taskMessagesQuery } from '../src/store/task-runs.repository.js';
import { tempDir, testDatabase, type TestDatabase } from './helpers.js';

const LIMIT = 100;
const PAGE = LIMIT + 1;
/** At most this many rows (or buffers) read per row a page asks for. */
const FACTOR = 3;
const BUSY_EVENTS = 100_000;
const PER_EXECUTION = 1000;

let dir: ReturnType<typeof tempDir>;
let database: TestDatabase;
let store: Store;
let accountId: string;
const monitors = { busy: ID.monitor(), quiet: ID.monitor(), small: [ID.monitor(), ID.monitor(), ID.monitor()], later: ID.monitor() };
let busyExecution = '';
let runId = '';

const isPostgres = () => store.dialect.name === 'postgres';

/** Appends `count` event_stream events to a monitor, `PER_EXECUTION` to an execution, in batches. */
async function appendEvents(monitorId: string, count: number, at: number): Promise<string[]> {
  const executions: string[] = [];
  for (let done = 0; done < count; done += PER_EXECUTION) {
    const executionId = ID.execution();
    executions.push(executionId);
    const entries: LogEntry[] = Array.from({ length: Math.min(PER_EXECUTION, count - done) }, (_, i) => ({
      id: ID.event(),
      monitorId,
      executionId,
      createdAt: at,
      kind: 'event_stream',
      eventDate: '2026-12-01',
      output: { type: 'text', content: `item ${done + i} of ${monitorId}: a short text as a feed item would give`, basis: [] },
    }));
    await store.db.transaction().execute((tx) => appendEntries(tx, accountId, entries));
  }
  return executions;
}

/** `count` executions of a monitor that each ended in a completion (no change). */
async function appendCompletions(monitorId: string, count: number): Promise<void> {
  for (let done = 0; done < count; done += 500) {
    const entries: LogEntry[] = Array.from({ length: Math.min(500, count - done) }, () => ({
      id: ID.completion(),
      monitorId,
      executionId: ID.execution(),
      createdAt: 1,
      kind: 'completion',
    }));
    await appendEntries(store.db, accountId, entries);
  }
}

function monitorRow(id: string, account: string, i: number) {
  return {
    id,
    account_id: account,
    type: i % 5 === 0 ? 'snapshot' : 'event_stream',
    status: i % 4 === 0 ? 'active' : 'cancelled',
    frequency: '1h',
    frequency_seconds: 3600,
    processor: 'lite',
    settings: '{}',
    webhook: null,
    metadata: null,
    memory_scope_key: null,
    output: null,
    created_at: 1_000_000 + i,
    updated_at: 1_000_000 + i,
    last_run_at: null,
    next_run_at: null,
    running_execution_id: null,
    lease_until: null,
    cadence: null,
  };
}

async function seed(): Promise<void> {
  if (isPostgres()) {
    // The scenario is "statistics never gathered": autovacuum must not analyse the tables mid-test.
    for (const table of ['events', 'monitors', 'webhook_deliveries']) {
      await sql.raw(`alter table ${table} set (autovacuum_enabled = false)`).execute(store.db);
    }
  }
  accountId = (await ensureAccount(store, 'lists')).id;
  const other = (await ensureAccount(store, 'other')).id;
  const rows = [monitors.busy, monitors.quiet, ...monitors.small, monitors.later].map((id, i) => ({ ...monitorRow(id, accountId, 4 * i), created_at: 1 }));
  // 4,000 more monitors of the account, three in four cancelled, and 1,000 of another account.
  for (let i = 0; i < 5000; i++) rows.push(monitorRow(ID.monitor(), i < 4000 ? accountId : other, i));
  for (let i = 0; i < rows.length; i += 500)
    await store.db
      .insertInto('monitors')
      .values(rows.slice(i, i + 500))
      .execute();

  for (const id of monitors.small) await appendEvents(id, 40, 2);
  await appendCompletions(monitors.quiet, 3000);
  [busyExecution] = (await appendEvents(monitors.busy, BUSY_EVENTS, 3)).slice(50);
  for (const id of monitors.small) await appendEvents(id, 40, 4);

  for (let i = 0; i < 20_000; i += 1000) {
    await insertDeliveries(
      store.db,
      Array.from({ length: 1000 }, (_, j) => ({
        id: ID.delivery(),
        accountId: i + j < 19_000 ? accountId : other,
        resourceType: 'monitor',
        resourceId: monitors.busy,
        eventType: 'monitor.event.detected',
        url: 'http://127.0.0.1:9/hook',
        body: '{}',
        createdAt: 1_000 + ((i + j) >> 1),
      })),
    );
  }
  runId = 'trun_lists';
  const messages = Array.from({ length: 3000 }, (_, i) => ({
    run_id: i < 2000 ? runId : 'trun_other',
    seq: i + 1,
    type: 'exec_status',
    message: 'm',
    created_at: 1,
  }));
  for (let i = 0; i < messages.length; i += 1000)
    await store.db
      .insertInto('task_run_messages')
      .values(messages.slice(i, i + 1000))
      .execute();
}

/** What explaining a list query found: the indexes it walked, rows and buffers read, and whether it sorted. */
interface Reading {
  indexes: string[];
  rows: number;
  buffers: number;
  sorted: boolean;
  plan: string;
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** Explains a list query as the list sessions run it (with ANALYZE on PostgreSQL). */
async function explain(query: Compilable): Promise<Reading> {
  const { sql: text, parameters } = query.compile();
  const lists = store.lists.db;
  if (!isPostgres()) {
    const result = await lists.executeQuery(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]));
    const details = (result.rows as { detail: string }[]).map((r) => r.detail);
    const indexes = details.flatMap((d) => [...d.matchAll(/USING (?:COVERING )?INDEX (\w+)|USING (PRIMARY KEY)/g)].map((m) => m[1] ?? m[2]));
    return { indexes, rows: NaN, buffers: NaN, sorted: details.some((d) => /TEMP B-TREE/.test(d)), plan: details.join(' | ') };
  }
  const result = await lists.executeQuery(CompiledQuery.raw(`explain (analyze, buffers, format json) ${text}`, [...parameters]));
  const root = (result.rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0].Plan;
  const reading: Reading = { indexes: [], rows: 0, buffers: Number(root['Shared Hit Blocks']) + Number(root['Shared Read Blocks']), sorted: false, plan: '' };
  const visit = (node: PlanNode, depth: number) => {
    const loops = Number(node['Actual Loops'] ?? 1);
    reading.plan +=
      `\n${'  '.repeat(depth)}${String(node['Node Type'])} ${String(node['Index Name'] ?? node['Relation Name'] ?? '')} ` +
      `rows=${String(node['Actual Rows'])} removed=${String(node['Rows Removed by Filter'] ?? 0)}`;
    if (/Sort/.test(String(node['Node Type']))) reading.sorted = true;
    if (node['Index Name']) reading.indexes.push(String(node['Index Name']));
    if (node['Relation Name']) {
      reading.rows += loops * (Number(node['Actual Rows']) + Number(node['Rows Removed by Filter'] ?? 0) + Number(node['Rows Removed by Index Recheck'] ?? 0));
    }
    for (const child of node.Plans ?? []) visit(child, depth + 1);
  };
  visit(root, 0);
  return reading;
}

/** Asserts that a list walked `index` without sorting and read at most `FACTOR` rows per row it could return. */
async function assertWalk(label: string, query: Compilable, index: string, returnable = PAGE): Promise<void> {
  const reading = await explain(query);
  const context = `${label}: ${reading.plan}`;
  assert.deepEqual(reading.indexes, [index], `${label} walks ${index} only; ${context}`);
  assert.equal(reading.sorted, false, `${label} does not sort; ${context}`);
  if (!isPostgres()) return;
  assert.ok(reading.rows <= FACTOR * returnable, `${label} read ${reading.rows} rows for ${returnable}; ${context}`);
  assert.ok(reading.buffers <= FACTOR * returnable, `${label} read ${reading.buffers} buffers for ${returnable}; ${context}`);
}

/** The seq of the `n`th newest event of a monitor (a cursor deep in its log). */
async function seqAt(monitorId: string, n: number): Promise<number> {
  const row = await store.db
    .selectFrom('events')
    .select('seq')
    .where('monitor_id', '=', monitorId)
    .orderBy('seq', 'desc')
    .offset(n)
    .limit(1)
    .executeTakeFirstOrThrow();
  return row.seq;
}

async function assertEventLists(busy: string, label: string): Promise<void> {
  const lists = store.lists;
  const deep = await seqAt(busy, BUSY_EVENTS / 2);
  for (const includeCompletions of [false, true]) {
    const index = includeCompletions ? 'events_by_monitor' : 'events_by_monitor_reported';
    const page = { accountId, monitorId: busy, limit: PAGE, includeCompletions };
    await assertWalk(`${label}: first page, completions ${includeCompletions}`, eventsPageQuery(lists, page), index);
    await assertWalk(`${label}: deep page, completions ${includeCompletions}`, eventsPageQuery(lists, { ...page, beforeSeq: deep }), index);
  }
}

before(async () => {
  dir = tempDir();
  database = await testDatabase(dir.path);
  store = await openStore(database.url);
  await seed();
});

after(async () => {
  await store?.close();
  await database?.drop();
  dir?.remove();
});

test('events lists walk their index while statistics were never gathered', async () => {
  if (isPostgres()) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stats where tablename = 'events'`.execute(store.db);
    assert.equal(rows[0].n, 0, 'the events table has no statistics');
  }
  await assertEventLists(monitors.busy, 'busy monitor');
  // 3,000 completions and 80 events: the page without completions never reads the completions.
  const quiet = { accountId, monitorId: monitors.quiet, limit: PAGE, includeCompletions: false };
  await assertWalk('quiet monitor without completions', eventsPageQuery(store.lists, quiet), 'events_by_monitor_reported', 1);
  await assertWalk('small monitor', eventsPageQuery(store.lists, { ...quiet, monitorId: monitors.small[0] }), 'events_by_monitor_reported');
  await assertWalk(
    'events of one execution',
    executionEventsQuery(store.lists, {
      monitorId: monitors.busy,
      executionId: busyExecution,
      includeCompletions: false,
    }),
    'events_of_execution',
    PER_EXECUTION,
  );
});

test('monitors, deliveries and task messages lists walk their index', async () => {
  const lists = store.lists;
  const page = { accountId, statuses: ['active'], types: ['event_stream', 'snapshot'], limit: PAGE };
  const middle = { createdAt: 1_000_000 + 2000, id: 'monitor_' };
  await assertWalk('active monitors, first page', monitorsPageQuery(lists, page), 'monitors_by_account_status');
  await assertWalk('active monitors, deep page', monitorsPageQuery(lists, { ...page, after: middle }), 'monitors_by_account_status');
  const every = { ...page, statuses: ['cancelled', 'active'] };
  await assertWalk('monitors of every status, deep page', monitorsPageQuery(lists, { ...every, after: middle }), 'monitors_by_account');
  await assertWalk('legacy monitors by id', monitorsByIdQuery(lists, { accountId, fromId: 'monitor_8', limit: PAGE }), 'monitors_by_account_id');
  const deliveries = { accountId, limit: PAGE };
  await assertWalk('deliveries, first page', deliveriesPageQuery(lists, deliveries), 'deliveries_by_account_created');
  await assertWalk(
    'deliveries, deep page',
    deliveriesPageQuery(lists, { ...deliveries, after: { createdAt: 1_000 + 5_000, id: 'whevent_8' } }),
    'deliveries_by_account_created',
  );
  // A run's messages after a cursor are all sent: the walk reads just those.
  const primaryKey = isPostgres() ? 'task_run_messages_pk' : 'sqlite_autoindex_task_run_messages_1';
  await assertWalk('task run messages', taskMessagesQuery(lists, runId, 1000), primaryKey, 1000);
});

test('lists walk their index when statistics are stale the other way', async () => {
  // Statistics now say the busy monitor holds almost every event; then another monitor appends as many.
  await sql`analyze`.execute(store.db);
  await appendEvents(monitors.later, BUSY_EVENTS, 5);
  await assertEventLists(monitors.busy, 'once busy monitor');
  await assertEventLists(monitors.later, 'newly busy monitor');
  const quiet = { accountId, monitorId: monitors.quiet, limit: PAGE, includeCompletions: false };
  await assertWalk('quiet monitor without completions', eventsPageQuery(store.lists, quiet), 'events_by_monitor_reported', 1);
  await assertWalk(
    'events of one execution',
    executionEventsQuery(store.lists, {
      monitorId: monitors.busy,
      executionId: busyExecution,
      includeCompletions: false,
    }),
    'events_of_execution',
    PER_EXECUTION,
  );
  const lists = store.lists;
  const page = { accountId, statuses: ['active'], types: ['event_stream', 'snapshot'], limit: PAGE };
  const middle = { createdAt: 1_000_000 + 2000, id: 'monitor_' };
  await assertWalk('active monitors, deep page', monitorsPageQuery(lists, { ...page, after: middle }), 'monitors_by_account_status');
  await assertWalk(
    'monitors of every status, deep page',
    monitorsPageQuery(lists, { ...page, statuses: ['cancelled', 'active'], after: middle }),
    'monitors_by_account',
  );
  await assertWalk('legacy monitors by id', monitorsByIdQuery(lists, { accountId, fromId: 'monitor_8', limit: PAGE }), 'monitors_by_account_id');
  await assertWalk(
    'deliveries, deep page',
    deliveriesPageQuery(lists, { accountId, limit: PAGE, after: { createdAt: 1_000 + 5_000, id: 'whevent_8' } }),
    'deliveries_by_account_created',
  );
});

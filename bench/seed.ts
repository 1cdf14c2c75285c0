// Bulk seeding of a Vigil database for benchmarks: monitors, executions and event-log entries
// written straight into a database whose schema Vigil's own migrations created (openStore). SQLite
// through better-sqlite3 (prepared statements, one transaction per batch); PostgreSQL through pg
// (one multi-row INSERT … SELECT FROM unnest(<column arrays>) per batch and table). Both write the
// same rows, made by one generator.
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { TaskOutput } from '../src/domain/event.js';
import { eventRecord } from '../src/domain/wire.js';
import { ID } from '../src/domain/ids.js';

/** The shape of the log to seed. */
export interface EventLogShape {
  accountId: string;
  monitors: number;
  /** Events per monitor. */
  eventsPerMonitor: number;
  /** Events per execution (the last execution of a monitor may have fewer). */
  eventsPerExecution: number;
}

type MonitorRow = [id: string, accountId: string, settings: string, metadata: string, createdAt: number, lastRunAt: number, nextRunAt: number];
type ExecutionRow = [id: string, monitorId: string, accountId: string, at: number, finishedAt: number];
type EventRow = [id: string, accountId: string, monitorId: string, executionId: string, body: string, createdAt: number];

/** Rows to write, in batches of about 50,000 events. */
interface Batch {
  executions: ExecutionRow[];
  events: EventRow[];
}

/**
 * The log a long-running Vigil would have written: round after round, every monitor runs one
 * hourly execution ('done', outcome 'events') of `eventsPerExecution` event_stream events, so each
 * monitor's events are spread across the whole log, interleaved with the other monitors' (as `seq`
 * is a global commit order), not stored next to each other.
 */
function generate(shape: EventLogShape): { monitors: MonitorRow[]; batches: () => Generator<Batch> } {
  const { accountId, monitors: monitorCount, eventsPerMonitor, eventsPerExecution } = shape;
  const executionsPerMonitor = Math.ceil(eventsPerMonitor / eventsPerExecution);
  const hour = 3_600_000;
  const start = Date.now() - executionsPerMonitor * hour;
  const step = Math.max(1, Math.floor(hour / monitorCount));
  const monitors: MonitorRow[] = Array.from({ length: monitorCount }, (_, m) => {
    const lastRun = start + (executionsPerMonitor - 1) * hour + m * step;
    return [
      ID.monitor(),
      accountId,
      JSON.stringify({ query: `News about company #${m}: funding, launches, leadership changes` }),
      JSON.stringify({ team: `team-${m % 10}` }),
      start - hour,
      lastRun,
      lastRun + hour,
    ];
  });
  const roundsPerBatch = Math.max(1, Math.floor(50_000 / (monitorCount * eventsPerExecution)));
  function* batches(): Generator<Batch> {
    let n = 0;
    for (let from = 0; from < executionsPerMonitor; from += roundsPerBatch) {
      const batch: Batch = { executions: [], events: [] };
      for (let r = from; r < Math.min(from + roundsPerBatch, executionsPerMonitor); r++) {
        for (let m = 0; m < monitorCount; m++) {
          const monitorId = monitors[m][0];
          const at = start + r * hour + m * step;
          const executionId = ID.execution();
          batch.executions.push([executionId, monitorId, accountId, at, at + 20_000]);
          const count = Math.min(eventsPerExecution, eventsPerMonitor - r * eventsPerExecution);
          const eventDate = new Date(at).toISOString().slice(0, 10);
          for (let i = 0; i < count; i++) {
            const id = ID.event();
            const body = JSON.stringify(
              eventRecord({
                id,
                monitorId,
                executionId,
                createdAt: at + 20_000,
                kind: 'event_stream',
                eventDate,
                output: eventOutput(n++),
              }),
            );
            batch.events.push([id, accountId, monitorId, executionId, body, at + 20_000]);
          }
        }
      }
      yield batch;
    }
  }
  return { monitors, batches };
}

/** Seeds a SQLite database file; returns the monitor ids. */
export function seedEventLog(path: string, shape: EventLogShape): string[] {
  const { monitors, batches } = generate(shape);
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insertMonitor = db.prepare(`insert into monitors (id, account_id, type, status, frequency, frequency_seconds,
    processor, settings, webhook, metadata, memory_scope_key, output, created_at, updated_at, last_run_at, next_run_at)
    values (?, ?, 'event_stream', 'active', '1h', 3600, 'lite', ?, null, ?, null, null, ?, ?, ?, ?)`);
  const insertExecution = db.prepare(`insert into executions (id, monitor_id, account_id, reason, scheduled_for, status,
    outcome, locked_by, locked_until, attempts, created_at, finished_at)
    values (?, ?, ?, 'schedule', ?, 'done', 'events', null, null, 1, ?, ?)`);
  const insertEvent = db.prepare(`insert into events (id, account_id, monitor_id, execution_id, kind, body, created_at)
    values (?, ?, ?, ?, 'event_stream', ?, ?)`);
  db.transaction(() => {
    for (const [id, accountId, settings, metadata, createdAt, lastRun, nextRun] of monitors) {
      insertMonitor.run(id, accountId, settings, metadata, createdAt, createdAt, lastRun, nextRun);
    }
  })();
  const write = db.transaction((batch: Batch) => {
    for (const [id, monitorId, accountId, at, finishedAt] of batch.executions) insertExecution.run(id, monitorId, accountId, at, at, finishedAt);
    for (const row of batch.events) insertEvent.run(...row);
  });
  for (const batch of batches()) write(batch);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return monitors.map((m) => m[0]);
}

/**
 * Seeds a PostgreSQL database (a postgres:// URL); returns the monitor ids. Statistics are gathered
 * at the end unless `analyse` is false (a log that grew faster than autovacuum analyses it).
 */
export async function seedEventLogPostgres(url: string, shape: EventLogShape, analyse = true): Promise<string[]> {
  const { monitors, batches } = generate(shape);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const column = <T extends unknown[]>(rows: T[], i: number) => rows.map((r) => r[i]);
  try {
    // Bulk load without waiting for each commit to reach the disk (this session only).
    await client.query('SET synchronous_commit = off');
    await client.query(
      `insert into monitors (id, account_id, type, status, frequency, frequency_seconds, processor, settings,
      webhook, metadata, memory_scope_key, output, created_at, updated_at, last_run_at, next_run_at)
      select id, account_id, 'event_stream', 'active', '1h', 3600, 'lite', settings, null, metadata, null, null, created_at, created_at,
        last_run_at, next_run_at
      from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[])
        as t(id, account_id, settings, metadata, created_at, last_run_at, next_run_at)`,
      Array.from({ length: 7 }, (_, i) => column(monitors, i)),
    );
    for (const batch of batches()) {
      await client.query('begin');
      await client.query(
        `insert into executions (id, monitor_id, account_id, reason, scheduled_for, status, outcome, locked_by,
        locked_until, attempts, created_at, finished_at)
        select id, monitor_id, account_id, 'schedule', at, 'done', 'events', null, null, 1, at, finished_at
        from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) as t(id, monitor_id, account_id, at, finished_at)`,
        Array.from({ length: 5 }, (_, i) => column(batch.executions, i)),
      );
      // WITH ORDINALITY … ORDER BY: positions (seq) follow the generator's order.
      await client.query(
        `insert into events (id, account_id, monitor_id, execution_id, kind, body, created_at)
        select id, account_id, monitor_id, execution_id, 'event_stream', body, created_at
        from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
          with ordinality as t(id, account_id, monitor_id, execution_id, body, created_at, n)
        order by n`,
        Array.from({ length: 6 }, (_, i) => column(batch.events, i)),
      );
      await client.query('commit');
    }
    if (analyse) await client.query('analyze monitors, executions, events');
  } finally {
    await client.end();
  }
  return monitors.map((m) => m[0]);
}

const COMPANIES = ['Acme Robotics', 'Borealis Energy', 'Cobalt Health', 'Driftwood Labs', 'Ember Finance', 'Fjord Logistics'];
const ACTIONS = [
  'announced a Series B round of $42M led by',
  'opened a new research office together with',
  'named a new chief technology officer formerly at',
  'launched a developer platform in partnership with',
];

/** A realistic event_stream output: a ~200-character text and a basis with one citation. */
export function eventOutput(n: number): TaskOutput {
  const company = COMPANIES[n % COMPANIES.length];
  const partner = COMPANIES[(n + 3) % COMPANIES.length];
  const action = ACTIONS[n % ACTIONS.length];
  const content =
    `${company} ${action} ${partner}, according to a statement published on its newsroom on Tuesday. ` +
    `The company said the change (ref ${n}) takes effect next quarter.`;
  return {
    type: 'text',
    content,
    basis: [
      {
        field: 'output',
        citations: [
          {
            url: `https://newsroom.example.com/${company.toLowerCase().replace(' ', '-')}/press/${n}`,
            title: `${company} press release`,
            excerpts: [`${company} ${action} ${partner}.`],
          },
        ],
        reasoning: "Stated in the company's own press release.",
        confidence: 'high',
      },
    ],
  };
}

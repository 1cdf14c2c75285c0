// Bulk seeding of a Vigil SQLite database for benchmarks: monitors, executions and event-log
// entries written straight through better-sqlite3 (prepared statements, one transaction per batch)
// into a file whose schema Vigil's own migrations created (openStore).
import SQLite from 'better-sqlite3';
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

/**
 * Seeds the log the way a long-running Vigil would have written it: round after round, every
 * monitor runs one hourly execution ('done', outcome 'events') of `eventsPerExecution` event_stream
 * events, so each monitor's events are spread across the whole log, interleaved with the other
 * monitors' (as `seq` is a global commit order), not stored next to each other. Returns the
 * monitor ids.
 */
export function seedEventLog(path: string, shape: EventLogShape): string[] {
  const { accountId, monitors: monitorCount, eventsPerMonitor, eventsPerExecution } = shape;
  const executionsPerMonitor = Math.ceil(eventsPerMonitor / eventsPerExecution);
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
  const insertEvent = db.prepare(`insert into events (id, monitor_id, execution_id, kind, event_date, payload, created_at)
    values (?, ?, ?, 'event_stream', ?, ?, ?)`);

  const hour = 3_600_000;
  const start = Date.now() - executionsPerMonitor * hour;
  const step = Math.max(1, Math.floor(hour / monitorCount));
  const monitorIds = Array.from({ length: monitorCount }, () => ID.monitor());
  db.transaction(() => {
    monitorIds.forEach((id, m) => {
      const lastRun = start + (executionsPerMonitor - 1) * hour + m * step;
      insertMonitor.run(id, accountId, JSON.stringify({ query: `News about company #${m}: funding, launches, leadership changes` }),
        JSON.stringify({ team: `team-${m % 10}` }), start - hour, start - hour, lastRun, lastRun + hour);
    });
  })();

  let n = 0;
  const round = (r: number) => {
    for (let m = 0; m < monitorCount; m++) {
      const monitorId = monitorIds[m];
      const at = start + r * hour + m * step;
      const executionId = ID.execution();
      insertExecution.run(executionId, monitorId, accountId, at, at, at + 20_000);
      const count = Math.min(eventsPerExecution, eventsPerMonitor - r * eventsPerExecution);
      const eventDate = new Date(at).toISOString().slice(0, 10);
      for (let i = 0; i < count; i++) {
        insertEvent.run(ID.event(), monitorId, executionId, eventDate, eventPayload(n++, eventDate), at + 20_000);
      }
    }
  };
  const roundsPerBatch = Math.max(1, Math.floor(50_000 / (monitorCount * eventsPerExecution)));
  const batch = db.transaction((from: number) => {
    for (let r = from; r < Math.min(from + roundsPerBatch, executionsPerMonitor); r++) round(r);
  });
  for (let r = 0; r < executionsPerMonitor; r += roundsPerBatch) batch(r);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return monitorIds;
}

const COMPANIES = ['Acme Robotics', 'Borealis Energy', 'Cobalt Health', 'Driftwood Labs', 'Ember Finance', 'Fjord Logistics'];
const ACTIONS = ['announced a Series B round of $42M led by', 'opened a new research office together with',
  'named a new chief technology officer formerly at', 'launched a developer platform in partnership with'];

/**
 * A realistic stored event_stream payload (what appendEntries stores: the entry minus its ids and
 * kind): a ~200-character text output and a basis with one citation.
 */
export function eventPayload(n: number, eventDate: string): string {
  const company = COMPANIES[n % COMPANIES.length];
  const partner = COMPANIES[(n + 3) % COMPANIES.length];
  const action = ACTIONS[n % ACTIONS.length];
  const content = `${company} ${action} ${partner}, according to a statement published on its newsroom on Tuesday. `
    + `The company said the change (ref ${n}) takes effect next quarter.`;
  return JSON.stringify({
    eventDate,
    output: {
      type: 'text',
      content,
      basis: [{
        field: 'output',
        citations: [{
          url: `https://newsroom.example.com/${company.toLowerCase().replace(' ', '-')}/press/${n}`,
          title: `${company} press release`,
          excerpts: [`${company} ${action} ${partner}.`],
        }],
        reasoning: 'Stated in the company\'s own press release.',
        confidence: 'high',
      }],
    },
  });
}

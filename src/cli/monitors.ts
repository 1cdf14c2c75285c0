import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { EXIT, CliFailure } from './client.js';
import { collect, connect, pairs, positiveInt, type CliContext } from './context.js';
import { details, json, table, type Column } from './format.js';
import type { EventStreamSettings, MonitorResponse as WireMonitor } from '../domain/monitor-schemas.js';
import type { SnapshotSettings } from '../domain/monitor.js';

/** Either type's settings, read field by field. */
const settingsOf = (m: WireMonitor): Partial<EventStreamSettings & SnapshotSettings> => m.settings;

const COLUMNS: Column<WireMonitor>[] = [
  { title: 'id', value: (m) => m.monitor_id },
  { title: 'type', value: (m) => m.type },
  { title: 'status', value: (m) => m.status },
  { title: 'frequency', value: (m) => m.frequency },
  { title: 'last run', value: (m) => m.last_run_at },
  { title: 'query', value: (m) => m.settings.query ?? settingsOf(m).task_run_id },
];

const monitorPath = (id: string) => `/v1/monitors/${encodeURIComponent(id)}`;

function showMonitor(m: WireMonitor): string {
  return details([
    ['id', m.monitor_id],
    ['type', m.type],
    ['status', m.status],
    ['frequency', m.frequency],
    ['processor', m.processor],
    ['query', m.settings.query],
    ['sources', settingsOf(m).sources?.join(', ')],
    ['task run', settingsOf(m).task_run_id],
    ['webhook', m.webhook?.url],
    ['metadata', m.metadata],
    ['created', m.created_at],
    ['last run', m.last_run_at],
  ]);
}

interface CreateFlags {
  type: string;
  frequency: string;
  query?: string;
  source?: string[];
  taskRun?: string;
  processor?: string;
  webhook?: string;
  metadata?: Record<string, string>;
  body?: string;
}

/** The create request: `--body` (JSON, or @file) as given, else one built from the flags. */
function createBody(flags: CreateFlags): unknown {
  if (flags.body !== undefined) {
    const text = flags.body.startsWith('@') ? readFileSync(flags.body.slice(1), 'utf8') : flags.body;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new CliFailure(`--body must be JSON (or @file holding JSON): ${(err as Error).message}`, EXIT.usage);
    }
  }
  if (flags.type === 'snapshot' ? !flags.taskRun : !flags.query) {
    throw new CliFailure(flags.type === 'snapshot' ? 'a snapshot monitor needs --task-run RUN_ID' : 'an event_stream monitor needs --query', EXIT.usage);
  }
  return {
    type: flags.type,
    frequency: flags.frequency,
    settings: flags.type === 'snapshot' ? { task_run_id: flags.taskRun } : { query: flags.query, ...(flags.source ? { sources: flags.source } : {}) },
    ...(flags.processor ? { processor: flags.processor } : {}),
    ...(flags.webhook ? { webhook: { url: flags.webhook } } : {}),
    ...(flags.metadata ? { metadata: flags.metadata } : {}),
  };
}

const monitorType = (value: string) => {
  if (value !== 'event_stream' && value !== 'snapshot') throw new InvalidArgumentError('must be event_stream or snapshot');
  return value;
};

/** `vigil monitors list|create|get|trigger|cancel`. */
export function registerMonitorCommands(program: Command, ctx: CliContext): void {
  const monitors = program.command('monitors').description('list, create, inspect, trigger and cancel monitors on a running server');
  registerList(monitors, ctx);
  registerCreate(monitors, ctx);
  registerById(monitors, ctx);
}

/** `vigil monitors list`. */
function registerList(monitors: Command, ctx: CliContext): void {
  const { io } = ctx;
  monitors
    .command('list')
    .description("the account's monitors, newest first")
    .option('--status <status>', 'active or cancelled (repeatable; default active)', collect)
    .option('--type <type>', 'event_stream or snapshot (repeatable)', collect)
    .option('--limit <n>', 'monitors per page', positiveInt, 100)
    .option('--all', 'follow next_cursor until the last page')
    .option('--cursor <cursor>', 'start from this next_cursor')
    .action(async (flags: { status?: string[]; type?: string[]; limit: number; all?: boolean; cursor?: string }, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const all: WireMonitor[] = [];
      let cursor = flags.cursor;
      let next: string | null = null;
      do {
        const page = await api.request<{ monitors: WireMonitor[]; next_cursor: string | null }>('GET', '/v1/monitors', {
          query: { status: flags.status, type: flags.type, limit: flags.limit, cursor },
        });
        all.push(...page.monitors);
        next = page.next_cursor;
        cursor = next ?? undefined;
      } while (flags.all && next);
      io.out(asJson ? json({ monitors: all, next_cursor: next }) : table(all, COLUMNS));
    });
}

/** `vigil monitors create`. */
function registerCreate(monitors: Command, ctx: CliContext): void {
  const { io } = ctx;
  monitors
    .command('create')
    .description('create a monitor (from flags, or the whole request with --body)')
    .option('--type <type>', 'event_stream or snapshot', monitorType, 'event_stream')
    .option('--frequency <duration>', 'how often it runs, e.g. 1h, 1d', '1d')
    .option('--query <text>', 'what to watch (event_stream)')
    .option('--source <url>', 'a feed, page or JSON URL to watch (repeatable)', collect)
    .option('--task-run <run_id>', 'the completed task run a snapshot monitor starts from')
    .option('--processor <name>', 'lite or base')
    .option('--webhook <url>', "a URL that receives the monitor's webhooks")
    .option('--metadata <name=value>', 'metadata pair (repeatable)', pairs)
    .option('--body <json|@file>', 'the request body as JSON, instead of the flags above')
    .action(async (flags: CreateFlags, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const monitor = await api.request<WireMonitor>('POST', '/v1/monitors', { body: createBody(flags) });
      io.out(asJson ? json(monitor) : showMonitor(monitor));
    });
}

/** `vigil monitors get|trigger|cancel`: the commands on one monitor. */
function registerById(monitors: Command, ctx: CliContext): void {
  const { io } = ctx;
  monitors
    .command('get')
    .description('one monitor')
    .argument('<monitor_id>')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const monitor = await api.request<WireMonitor>('GET', monitorPath(id));
      io.out(asJson ? json(monitor) : showMonitor(monitor));
    });

  monitors
    .command('trigger')
    .description('run a monitor now, outside its schedule')
    .argument('<monitor_id>')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      await api.request('POST', `${monitorPath(id)}/trigger`);
      io.out(asJson ? json({ monitor_id: id, triggered: true }) : `triggered ${id}\n`);
    });

  monitors
    .command('cancel')
    .description('cancel a monitor (idempotent)')
    .argument('<monitor_id>')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const monitor = await api.request<WireMonitor>('POST', `${monitorPath(id)}/cancel`);
      io.out(asJson ? json(monitor) : `cancelled ${monitor.monitor_id} (status ${monitor.status})\n`);
    });
}

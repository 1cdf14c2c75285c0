import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../domain/duration.js';
import type { ApiClient } from './client.js';
import { connect, positiveInt, type CliContext } from './context.js';
import { cell, json, table, type Column, type Io } from './format.js';
import type { MonitorEvent as WireEvent } from '../domain/monitor-schemas.js';

/** What an event says, in one line. */
function summary(e: WireEvent): unknown {
  if (e.event_type === 'error') return e.error_message;
  if (e.event_type === 'completion') return e.warnings?.length ? `completed; warnings: ${e.warnings.join('; ')}` : 'completed';
  return (e.output ?? e.changed_output)?.content;
}

const COLUMNS: Column<WireEvent>[] = [
  { title: 'time', value: (e) => e.timestamp },
  { title: 'type', value: (e) => e.event_type },
  { title: 'group', value: (e) => e.event_group_id },
  { title: 'event', value: summary },
];

/** One event as a line of `--follow` output: the table's columns without a heading. */
const line = (e: WireEvent) => `${COLUMNS.map((c) => cell(c.value(e), c.title === 'event' ? 100 : 60)).join('  ')}\n`;

/** Ids printed lately, so a poll prints only what is new; bounded, oldest forgotten first. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly max = 10_000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
  }
}

interface EventsFlags {
  follow?: boolean;
  interval: number;
  limit: number;
  includeCompletions?: boolean;
  cursor?: string;
  group?: string;
}
type Page = { events: WireEvent[]; next_cursor: string | null };

/** A poll walks back from the newest event at most this many pages for ones it has not printed. */
const MAX_PAGES_PER_POLL = 20;

/**
 * The events committed since the last poll, oldest first: the list is newest first, so pages are
 * read by cursor until one holds an event already printed (or the log's start).
 */
async function newEvents(api: ApiClient, path: string, flags: EventsFlags, seen: RecentIds): Promise<WireEvent[]> {
  const fresh: WireEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_PAGES_PER_POLL; pages += 1) {
    const page = await api.request<Page>('GET', path, { query: { limit: 100, include_completions: flags.includeCompletions, cursor } });
    const unseen = page.events.filter((e) => !seen.has(e.event_id));
    fresh.push(...unseen);
    if (unseen.length < page.events.length || !page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return fresh.reverse();
}

/** `--follow`: prints the latest page, then polls every interval and prints new events as they commit, until aborted. */
async function follow(api: ApiClient, io: Io, path: string, flags: EventsFlags, asJson: boolean): Promise<void> {
  const seen = new RecentIds();
  const print = (events: WireEvent[]) => {
    for (const e of events) {
      seen.add(e.event_id);
      io.out(asJson ? `${JSON.stringify(e)}\n` : line(e));
    }
  };
  const first = await api.request<Page>('GET', path, { query: { limit: flags.limit, include_completions: flags.includeCompletions } });
  print([...first.events].reverse());
  for (;;) {
    try {
      await sleep(flags.interval, undefined, { signal: io.signal });
    } catch {
      return; // aborted: a clean stop (Ctrl-C)
    }
    print(await newEvents(api, path, flags, seen));
  }
}

const interval = (value: string) => {
  const parsed = parseDuration(value);
  if (!parsed || parsed.seconds < 0.1) throw new InvalidArgumentError(`must be a duration of at least 100ms such as 500ms, 2s or 1m; got "${value}"`);
  return parsed.seconds * 1000;
};

/** `vigil events MONITOR_ID [--follow]`. */
export function registerEventCommands(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description("a monitor's events, newest first; --follow prints new ones as they come")
    .argument('<monitor_id>')
    .option('-f, --follow', 'keep polling and print new events, oldest first, until interrupted')
    .option('--interval <duration>', 'how often --follow polls', interval, 2000)
    .option('--limit <n>', 'events per page (1–100)', positiveInt, 20)
    .option('--include-completions', 'also list completions (runs that found nothing new)')
    .option('--group <event_group_id>', 'the events of one execution')
    .option('--cursor <cursor>', 'start from this next_cursor (older events)')
    .action(async (id: string, flags: EventsFlags, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const path = `/v1/monitors/${encodeURIComponent(id)}/events`;
      if (flags.follow) return follow(api, ctx.io, path, flags, asJson);
      const page = await api.request<Page>('GET', path, {
        query: { limit: flags.limit, include_completions: flags.includeCompletions, cursor: flags.cursor, event_group_id: flags.group },
      });
      if (asJson) {
        ctx.io.out(json(page));
        return;
      }
      ctx.io.out(table(page.events, COLUMNS));
      if (page.next_cursor) ctx.io.out(`(older events: --cursor ${page.next_cursor})\n`);
    });
}

import Table from 'cli-table3';

/** Where a CLI command writes, and the environment it reads (tests pass their own). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly env: Record<string, string | undefined>;
  /** Aborted to stop a long-running command (`events --follow`); SIGINT does it for the real CLI. */
  readonly signal?: AbortSignal;
}

/** A column of a table: its heading and how a row shows in it. */
export interface Column<T> {
  title: string;
  value: (row: T) => unknown;
}

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** A cell's text: empty for null, dates shortened, long text cut at `max` characters. */
export function cell(value: unknown, max = 60): string {
  if (value === null || value === undefined) return '-';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : `${value as number | boolean | bigint}`;
  const shown = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) ? text.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : text;
  const flat = shown.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Rows as aligned columns with a heading line, for people; no colours, so output can be piped. */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const t = new Table({
    head: columns.map((c) => c.title.toUpperCase()),
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of rows) t.push(columns.map((c) => cell(c.value(row))));
  // cli-table3 pads every line to the table's width; trailing spaces help nobody.
  return `${t
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')}\n`;
}

/** A record as `name: value` lines, for one object (`monitors get`). */
export function details(fields: [string, unknown][]): string {
  const width = Math.max(...fields.map(([name]) => name.length));
  return fields
    .map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${cell(value, 200)}`)
    .join('\n')
    .concat('\n');
}

/** JSON for scripts: one document, indented, newline-terminated. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

import type { SourcePolicy } from '../../domain/monitor.js';
import type { OutputSpec } from '../../domain/task.js';
import type { OutboundClient } from '../../outbound/http.js';
import type { Extraction, Page } from '../fields/extract-output.js';
import type { SourceParser } from '../isolate/parse-pool.js';
import { extractUrls } from '../relevance.js';
import { homePages } from '../sources.js';

/** Pages one run reads at most: the lite processor reads what it is pointed at, it does not crawl. */
export const MAX_TASK_PAGES = 10;

const PAGE_ACCEPT = 'text/html, application/xhtml+xml, application/json;q=0.9, */*;q=0.5';

/** What a lite run reads and fills. */
export interface LiteTask {
  input: string | Record<string, unknown>;
  spec: OutputSpec;
  sourcePolicy?: SourcePolicy | null;
  /** The pages to read when they were found otherwise (web search), instead of those the input names. */
  urls?: string[];
}

/** Reports a step of a run (a progress message type of api.md §5.4 and its text). */
export type Progress = (type: 'plan' | 'exec_status' | 'result', message: string) => Promise<void> | void;

/**
 * The pages a lite run reads: every http(s) URL in the input (text, or any string value of an
 * object input, in order), then the home pages of `source_policy.include_domains`.
 */
export function targetUrls(task: Pick<LiteTask, 'input' | 'sourcePolicy'>): string[] {
  const urls = [...urlsIn(task.input)];
  for (const domain of task.sourcePolicy?.include_domains ?? []) urls.push(homePages(domain)[0]);
  return [...new Set(urls)].slice(0, MAX_TASK_PAGES);
}

function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return extractUrls(value);
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(urlsIn);
  return [];
}

/** The input as a query: text as written, an object as its JSON (api.md §2.13). */
export function queryOf(input: LiteTask['input']): string {
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/**
 * Runs a task with the deterministic `lite` processor: read the pages the input names and fill
 * the output spec from them. Throws when no page could be read; a page that fails among others
 * that did not is reported through `progress` and left out.
 */
export async function runLiteTask(http: OutboundClient, parser: SourceParser, task: LiteTask, signal: AbortSignal, progress: Progress): Promise<Extraction> {
  const urls = task.urls ?? targetUrls(task);
  if (urls.length === 0) throw new Error('the input names no web page to read (the lite processor reads the http(s) URLs in the input)');
  await progress('plan', `Reading ${urls.length} page${urls.length === 1 ? '' : 's'}: ${urls.join(', ')}`);
  const pages: Page[] = [];
  const failures: string[] = [];
  for (const url of urls) {
    if (signal.aborted) throw new Error('run stopped');
    try {
      const response = await http.request(url, { headers: { accept: PAGE_ACCEPT }, signal });
      if (response.status < 200 || response.status >= 300) throw new Error(`answered HTTP ${response.status}`);
      pages.push({ url: response.url, body: response.body.toString('utf8'), contentType: response.headers['content-type'] });
      await progress('exec_status', readMessage(response.url, response.body.length));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      failures.push(`${url}: ${reason}`);
      await progress('exec_status', unreadMessage(url, reason));
    }
  }
  if (pages.length === 0) throw new Error(`no page could be read: ${failures.join('; ')}`);
  // Parsing and extraction run in a parse worker: off the event loop, within a time and memory budget.
  const extraction = await parser.extract(pages, task.spec, queryOf(task.input), signal);
  await progress('result', summary(extraction));
  return extraction;
}

function summary(extraction: Extraction): string {
  const { output } = extraction;
  if (output.type === 'text') return `Extracted ${output.content.length} characters of main content`;
  const fields = Object.entries(output.content);
  const found = fields.filter(([, value]) => value !== null).length;
  return `Filled ${found} of ${fields.length} fields`;
}

// The trace's words for a page read or not, and how progress stats recognise them (one place for both).
const readMessage = (url: string, bytes: number) => `Read ${url} (${bytes} bytes)`;
const unreadMessage = (url: string, reason: string) => `Could not read ${url}: ${reason}`;
const READ = /^Read (\S+) \(\d+ bytes\)$/;
const UNREAD = /^Could not read (\S+): /;

/** A run's `task_run.progress_stats` (api.md §5.4), the current aggregate. */
export interface ProgressStats {
  progress_meter: number;
  source_stats: { num_sources_considered: number; num_sources_read: number; sources_read_sample: string[] };
}

/**
 * The progress of a lite run from its trace: the pages it will read (`targetUrls`), those it read
 * and those it could not. 100 once the run has ended; below 100 while it is active.
 */
export function liteProgressStats(task: Pick<LiteTask, 'input' | 'sourcePolicy'>, exec: string[], ended: boolean): ProgressStats {
  const considered = targetUrls(task).length;
  const read = new Set<string>();
  const tried = new Set<string>();
  for (const message of exec) {
    const ok = READ.exec(message)?.[1];
    const failed = UNREAD.exec(message)?.[1];
    if (ok) read.add(ok);
    if (ok ?? failed) tried.add((ok ?? failed)!);
  }
  const meter = ended ? 100 : Math.min(99, Math.floor((100 * tried.size) / Math.max(1, considered)));
  return {
    progress_meter: meter,
    source_stats: { num_sources_considered: considered, num_sources_read: read.size, sources_read_sample: [...read].slice(0, 10) },
  };
}

import { Piscina } from 'piscina';
import type { Extraction, OutputSpec, Page } from '../fields/extract-output.js';
import { SourceLimitError, type ParseLimits } from '../parse-limits.js';
import type { SourcedItem } from '../items/sourced-item.js';
import type { BodyReading, FetchedBody } from '../items/read-body.js';
import type { FindAllPage } from '../findall/page-reading.js';
import type { ParseJob } from './parse-jobs.js';

/** Settings of the parse workers (Config.parse). */
export interface ParseSettings extends ParseLimits {
  /** Worker threads parsing at once. */
  threads: number;
  /** How long one job may run before its worker is stopped and the source fails. */
  timeoutMs: number;
  /** Heap one worker may use (V8 old generation) before it is stopped and the source fails. */
  memoryMb: number;
}

/**
 * The CPU-heavy reading of fetched bodies (HTML, XML and JSON parsing, page extraction, task field
 * extraction), done off the event loop so that a hostile or merely huge source never stalls the API
 * or other accounts' work. Each job has a time and a memory budget; a job over either fails with a
 * message naming the budget, and its worker is replaced.
 */
export interface SourceParser {
  /** A monitor source's body: its items, or the feeds it advertises. */
  readBody(fetched: FetchedBody, signal?: AbortSignal): Promise<BodyReading>;
  /** A body that must be a feed; null when it is none. */
  readFeed(fetched: FetchedBody, signal?: AbortSignal): Promise<SourcedItem[] | null>;
  /** A task's output filled from its pages. */
  extract(pages: Page[], spec: OutputSpec, query: string, signal?: AbortSignal): Promise<Extraction>;
  /** A page read for FindAll: the entities it lists and its text as evidence passages. */
  readFindAllPage(fetched: FetchedBody, signal?: AbortSignal): Promise<FindAllPage>;
  /**
   * Which texts a user's pattern matches (case-insensitive). RE2 is linear in the text but also in
   * the pattern's size, so thousands of items against a large pattern still take time: it runs here.
   */
  testRegex(pattern: string, texts: string[], signal?: AbortSignal): Promise<boolean[]>;
  /** Resolves once a worker has loaded the parsing code, so that no execution's time is spent waiting for it. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const WORKER = new URL('./parse-worker.mjs', import.meta.url);

/** Starts a pool of parse workers (one at once, more on demand, stopped again when idle). */
export function createParsePool(settings: ParseSettings): SourceParser {
  const { threads, timeoutMs, memoryMb, ...limits } = settings;
  const pool = new Piscina({
    filename: WORKER.href,
    // One thread starts with the pool, so the first body read does not wait for a worker to load the sources.
    minThreads: 1,
    // The worker registers tsx itself (parse-worker.mjs): the parent's flags (`--import tsx` under the
    // test runner and the benches) would load it a second time, 10 MB more per worker for nothing.
    execArgv: [],
    maxThreads: threads,
    idleTimeout: 30_000,
    workerData: { limits },
    // Young generation and stack stay at V8's defaults; the old generation holds the parsed trees.
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
  const run = <T>(job: ParseJob, signal?: AbortSignal, what = 'reading it') => runJob<T>(pool, job, settings, what, signal);
  return {
    readBody: (fetched, signal) => run<BodyReading>({ kind: 'body', fetched }, signal),
    readFeed: (fetched, signal) => run<SourcedItem[] | null>({ kind: 'feed', fetched }, signal),
    extract: (pages, spec, query, signal) => run<Extraction>({ kind: 'extract', pages, spec, query }, signal),
    readFindAllPage: (fetched, signal) => run<FindAllPage>({ kind: 'findall-page', fetched }, signal),
    testRegex: (pattern, texts, signal) => run<boolean[]>({ kind: 'regex', pattern, texts }, signal, `settings.match.regex over ${texts.length} items`),
    // No time budget here: a loaded machine may take a while to start a worker, and nothing waits on it yet.
    ready: async () => {
      await pool.run({ kind: 'regex', pattern: 'a', texts: [] } satisfies ParseJob);
    },
    // By the time the pool closes, every loop has stopped and nothing waits on a parse: workers are
    // terminated at once. (`close` waits up to 30 s for running jobs, a worker still loading its
    // sources on a busy machine among them, then rejects: a stop that fails or hangs.)
    close: () => pool.destroy(),
  };
}

/**
 * Runs a job within its budget. Only the budget stops a worker: replacing one means loading the
 * parsing code again, so a caller that stops (its execution timed out or the process stops) just
 * stops waiting, and the job, already bounded by its budget, finishes on its own.
 */
async function runJob<T>(pool: Piscina, job: ParseJob, settings: ParseSettings, what: string, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) throw new Error('stopped before parsing');
  // A timer, not AbortSignal.timeout(): a composed timeout signal may never fire once collected.
  const budget = new AbortController();
  let overTime = false;
  const timer = setTimeout(() => {
    overTime = true;
    budget.abort();
  }, settings.timeoutMs);
  const work = (pool.run(job, { signal: budget.signal }) as Promise<T>).finally(() => clearTimeout(timer));
  let onStop: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onStop = () => reject(new Error('stopped while parsing'));
    signal?.addEventListener('abort', onStop, { once: true });
  });
  try {
    return await (signal ? Promise.race([work, stopped]) : work);
  } catch (err) {
    if (overTime) throw new SourceLimitError(`${what} took longer than ${settings.timeoutMs / 1000} s (VIGIL_PARSE_TIMEOUT)`);
    if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      throw new SourceLimitError(`${what} needed more than ${settings.memoryMb} MB of memory (VIGIL_PARSE_MEMORY_MB)`);
    }
    throw err;
  } finally {
    if (onStop) signal?.removeEventListener('abort', onStop);
    // Nobody waits for a job its caller stopped waiting for.
    work.catch(() => {});
  }
}

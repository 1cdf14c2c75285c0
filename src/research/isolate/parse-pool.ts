import { Piscina } from 'piscina';
import { metrics } from '../../metrics.js';
import type { Extraction, OutputSpec, Page } from '../fields/extract-output.js';
import { SourceLimitError, type ParseLimits } from '../parse-limits.js';
import type { SourcedItem } from '../items/sourced-item.js';
import type { BodyReading, FetchedBody } from '../items/read-body.js';
import type { FindAllPage } from '../findall/page-reading.js';
import type { BatchOutcome, ParseJob } from './parse-jobs.js';

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
  const read = batchedReads(pool, settings);
  return {
    readBody: (fetched, signal) => read<BodyReading>({ kind: 'body', fetched }, signal),
    readFeed: (fetched, signal) => read<SourcedItem[] | null>({ kind: 'feed', fetched }, signal),
    extract: (pages, spec, query, signal) => run<Extraction>({ kind: 'extract', pages, spec, query }, signal),
    readFindAllPage: (fetched, signal) => read<FindAllPage>({ kind: 'findall-page', fetched }, signal),
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

/** Runs a job within its budget; a job over its time or memory fails naming the budget, and its worker is replaced. */
async function withinBudget<T>(pool: Piscina, job: ParseJob, settings: ParseSettings, what: string): Promise<T> {
  // A timer, not AbortSignal.timeout(): a composed timeout signal may never fire once collected.
  const budget = new AbortController();
  let overTime = false;
  const timer = setTimeout(() => {
    overTime = true;
    budget.abort();
  }, settings.timeoutMs);
  metrics.parseHandedOff(job.kind === 'batch' ? job.jobs.length : 1);
  try {
    return (await pool.run(job, { signal: budget.signal })) as T;
  } catch (err) {
    if (overTime) throw new SourceLimitError(`${what} took longer than ${settings.timeoutMs / 1000} s (VIGIL_PARSE_TIMEOUT)`);
    if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      throw new SourceLimitError(`${what} needed more than ${settings.memoryMb} MB of memory (VIGIL_PARSE_MEMORY_MB)`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The work's result, unless the caller stops first. Only the budget stops a worker: replacing one
 * means loading the parsing code again, so a caller that stops (its execution timed out or the
 * process stops) just stops waiting, and the job, already bounded by its budget, finishes on its own.
 */
function untilStopped<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  // Nobody waits for a job its caller stopped waiting for.
  work.catch(() => {});
  return new Promise((resolve, reject) => {
    const onStop = () => reject(new Error('stopped while parsing'));
    signal.addEventListener('abort', onStop, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onStop));
  });
}

function runJob<T>(pool: Piscina, job: ParseJob, settings: ParseSettings, what: string, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) return Promise.reject(new Error('stopped before parsing'));
  return untilStopped(withinBudget<T>(pool, job, settings, what), signal);
}

/** Most bodies, and most characters of them, one hand-off to a worker carries. */
const BATCH_JOBS = 16;
const BATCH_CHARS = 256 * 1024;

interface Waiting {
  job: ParseJob;
  signal?: AbortSignal;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const charsOf = (job: ParseJob) => ('fetched' in job ? job.fetched.body.length : 0);

/**
 * Body reads, handed to the workers in batches. Handing a job to a worker and its result back costs
 * the event loop about 150 µs (piscina's bookkeeping, a structured clone each way, waking the
 * thread), more than a small feed takes to parse. Reads wait here while every thread is busy, and
 * the next free thread takes those that waited in one hand-off (BATCH_JOBS, BATCH_CHARS): under load
 * the cost is shared, and a lone read goes at once. A batch over its budget is read again one body
 * at a time, each within its own budget, so only the body at fault fails.
 */
function batchedReads(pool: Piscina, settings: ParseSettings): <T>(job: ParseJob, signal?: AbortSignal) => Promise<T> {
  const waiting: Waiting[] = [];
  let inFlight = 0;
  const alone = (w: Waiting) => withinBudget(pool, w.job, settings, 'reading it').then(w.resolve, w.reject);
  // A worker that answers at once: the one a failed batch ran in is being replaced.
  const workerReady = () => pool.run({ kind: 'regex', pattern: 'a', texts: [] } satisfies ParseJob).catch(() => {});
  const send = async (batch: Waiting[]) => {
    if (batch.length === 1) return alone(batch[0]);
    let outcomes: BatchOutcome[];
    try {
      outcomes = await withinBudget<BatchOutcome[]>(pool, { kind: 'batch', jobs: batch.map((w) => w.job) }, settings, 'reading them');
    } catch {
      // One after another, each once a worker is ready: a budget counts from the hand-off, so none
      // may spend it waiting behind another body or for a new worker to load. Bodies whose callers
      // stopped meanwhile are not read again.
      for (const w of batch) {
        if (w.signal?.aborted) continue;
        await workerReady();
        await alone(w);
      }
      return;
    }
    outcomes.forEach((outcome, i) => ('error' in outcome ? batch[i].reject(new Error(outcome.error)) : batch[i].resolve(outcome.value)));
  };
  const nextBatch = () => {
    const batch: Waiting[] = [];
    let chars = 0;
    while (waiting.length > 0 && batch.length < BATCH_JOBS && (batch.length === 0 || chars + charsOf(waiting[0].job) <= BATCH_CHARS)) {
      const next = waiting.shift()!;
      if (next.signal?.aborted) continue;
      chars += charsOf(next.job);
      batch.push(next);
    }
    return batch;
  };
  const pump = () => {
    while (inFlight < settings.threads && waiting.length > 0) {
      const batch = nextBatch();
      if (batch.length === 0) continue;
      inFlight += 1;
      void send(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };
  return <T>(job: ParseJob, signal?: AbortSignal) => {
    if (signal?.aborted) return Promise.reject(new Error('stopped before parsing'));
    const read = new Promise<T>((resolve, reject) => {
      waiting.push({ job, signal, resolve, reject });
    });
    pump();
    return untilStopped(read, signal);
  };
}

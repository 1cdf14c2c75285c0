import { extractOutput, type Extraction, type OutputSpec, type Page } from '../fields/extract-output.js';
import { setParseLimits, SourceLimitError, type ParseLimits } from '../parse-limits.js';
import { readBody, readFeedBody, type BodyReading, type FetchedBody } from '../items/read-body.js';
import type { SourcedItem } from '../items/sourced-item.js';
import { compileUserRegex } from '../regex-safety.js';
import { itemBasis } from '../detect/item-identity.js';
import { readFindAllPage, type FindAllPage } from '../findall/page-reading.js';

/** One piece of CPU-heavy work on fetched bodies, as sent to a parse worker. */
export type ParseJob =
  | { kind: 'body'; fetched: FetchedBody }
  | { kind: 'feed'; fetched: FetchedBody }
  | { kind: 'extract'; pages: Page[]; spec: OutputSpec; query: string }
  | { kind: 'regex'; pattern: string; texts: string[] }
  | { kind: 'findall-page'; fetched: FetchedBody }
  | { kind: 'batch'; jobs: ParseJob[] };

/** One job's outcome within a batch: its result, or the message of what it threw. */
export type BatchOutcome = { value: unknown } | { error: string };

/** What each kind of job gives back. */
export interface ParseResults {
  body: BodyReading;
  feed: SourcedItem[] | null;
  extract: Extraction;
  regex: boolean[];
  'findall-page': FindAllPage;
  batch: BatchOutcome[];
}

/** Runs one job in this thread; a stack overflow (markup nested too deep for a recursive reader) is named as such. */
export function runParseJob(job: ParseJob): ParseResults[ParseJob['kind']] {
  try {
    switch (job.kind) {
      case 'body': {
        const reading = readBody(job.fetched);
        return 'items' in reading ? { items: withBases(reading.items) } : reading;
      }
      case 'feed': {
        const items = readFeedBody(job.fetched);
        return items && withBases(items);
      }
      case 'extract':
        return extractOutput(job.pages, job.spec, { query: job.query });
      case 'findall-page':
        return readFindAllPage(job.fetched);
      case 'regex': {
        const regex = compileUserRegex(job.pattern, { ignoreCase: true });
        return job.texts.map((text) => regex.test(text));
      }
      case 'batch':
        // Each job fails alone; only a budget (time, memory) overrun ends the batch as a whole.
        return job.jobs.map((one): BatchOutcome => {
          try {
            return { value: runParseJob(one) };
          } catch (err) {
            return { error: err instanceof Error ? err.message : String(err) };
          }
        });
    }
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new SourceLimitError('the document nests too deeply to be read');
    }
    throw err;
  }
}

/** Items with what their identity rests on, worked out here rather than on the event loop that detects what is new. */
function withBases(items: SourcedItem[]): SourcedItem[] {
  for (const item of items) item.basis = itemBasis(item);
  return items;
}

/** The worker's entry: limits from its configuration once, then jobs. */
export function workerEntry(limits: ParseLimits | undefined): (job: ParseJob) => ReturnType<typeof runParseJob> {
  if (limits) setParseLimits(limits);
  return runParseJob;
}

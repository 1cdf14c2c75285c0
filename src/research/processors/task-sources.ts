import type { OutboundClient } from '../../outbound/http.js';
import type { SearchClient } from '../search.js';
import { MAX_TASK_PAGES, queryOf, targetUrls, type LiteTask, type Progress } from './lite-task.js';

/** Pages a run reads from web search when its input names none. */
export const SEARCHED_TASK_PAGES = 5;

/**
 * The pages a run reads: those its input names (and `include_domains` home pages), else, when web
 * search is configured, the pages it finds for the input as a query (within the source policy).
 */
export async function taskUrls(
  http: OutboundClient,
  search: SearchClient | undefined,
  task: LiteTask,
  signal: AbortSignal,
  progress: Progress,
): Promise<string[]> {
  const named = targetUrls(task);
  if (named.length > 0 || !search) return named;
  const policy = task.sourcePolicy;
  const results = await search.search(http, queryOf(task.input), {
    includeDomains: policy?.include_domains,
    excludeDomains: policy?.exclude_domains,
    afterDate: policy?.after_date,
    limit: SEARCHED_TASK_PAGES,
    signal,
  });
  await progress('plan', `Web search found ${results.length} page${results.length === 1 ? '' : 's'} for the input`);
  if (results.length === 0) throw new Error('the input names no web page and the web search found none for it');
  return results.map((r) => r.url).slice(0, MAX_TASK_PAGES);
}

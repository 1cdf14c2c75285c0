import type { OutboundClient } from '../../outbound/http.js';
import type { SourceParser } from '../isolate/parse-pool.js';

const PAGE_ACCEPT = 'text/html, application/xhtml+xml, application/json;q=0.9, */*;q=0.5';

/** A page read for the model: its final URL and its main text (boilerplate removed). */
export interface PageText {
  url: string;
  title: string | null;
  text: string;
}

/**
 * Reads one page and its main text: fetched through the execution's polite, guarded client and
 * parsed in a parse worker (within its budget). Throws when the page cannot be read.
 */
export async function readPageText(http: OutboundClient, parser: SourceParser, url: string, query: string, signal: AbortSignal): Promise<PageText> {
  const response = await http.request(url, { headers: { accept: PAGE_ACCEPT }, signal });
  if (response.status < 200 || response.status >= 300) throw new Error(`answered HTTP ${response.status}`);
  const page = { url: response.url, body: response.body.toString('utf8'), contentType: response.headers['content-type'] };
  const extraction = await parser.extract([page], { type: 'text' }, query, signal);
  const text = extraction.output.type === 'text' ? extraction.output.content : JSON.stringify(extraction.output.content);
  const title = extraction.output.basis[0]?.citations[0]?.title ?? null;
  return { url: response.url, title, text };
}

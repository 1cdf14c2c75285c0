import type { OutboundClient } from '../../outbound/http.js';
import type { SourceParser } from '../isolate/parse-pool.js';
import { homePages, type MonitorSources } from '../sources.js';
import { failureKey, HttpStatusError } from './source-failures.js';
import type { SourcedItem } from '../items/sourced-item.js';

/** What reading one named source gave: its feeds' items, or why it failed (`errorKey`: see failureKey). */
export type SourceReading = { source: string; url: string; items: SourcedItem[] } | { source: string; url: string; error: string; errorKey: string };

const FEED_ACCEPT = 'application/feed+json, application/atom+xml, application/rss+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5';

/** Reads every source of a monitor; a failing source is reported, never thrown. */
export async function readSources(http: OutboundClient, parser: SourceParser, sources: MonitorSources, signal: AbortSignal): Promise<SourceReading[]> {
  const named = [
    ...sources.urls.map((url) => ({ source: url, urls: [url] })),
    ...sources.domains.map((domain) => ({ source: domain, urls: homePages(domain) })),
  ];
  return Promise.all(
    named.map(async ({ source, urls }) => {
      const tried = { url: urls[0] };
      try {
        return { source, url: tried.url, items: await readFirstReachable(http, parser, urls, signal, tried) };
      } catch (err) {
        return { source, url: tried.url, error: err instanceof Error ? err.message : String(err), errorKey: failureKey(err) };
      }
    }),
  );
}

async function readFirstReachable(
  http: OutboundClient,
  parser: SourceParser,
  urls: string[],
  signal: AbortSignal,
  tried: { url: string },
): Promise<SourcedItem[]> {
  let lastError: unknown;
  for (const url of urls) {
    tried.url = url;
    try {
      return await readFeedOrPage(http, parser, url, signal);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * Reads a feed; a page that is no feed is searched for the feeds it advertises, which are read
 * instead; a JSON endpoint or a page that advertises none is read as such. Parsing runs in a
 * parse worker (off the event loop, within a time and memory budget).
 */
async function readFeedOrPage(http: OutboundClient, parser: SourceParser, url: string, signal: AbortSignal): Promise<SourcedItem[]> {
  const fetched = await get(http, url, signal);
  const reading = await parser.readBody(fetched, signal);
  if ('items' in reading) return reading.items;
  const feeds = await Promise.all(
    reading.advertised.map(async (feedUrl) => {
      const items = await parser.readFeed(await get(http, feedUrl, signal), signal);
      if (!items) throw new Error(`${feedUrl}, advertised by ${url}, is not a feed`);
      return items;
    }),
  );
  return feeds.flat();
}

async function get(http: OutboundClient, url: string, signal: AbortSignal) {
  if (signal.aborted) throw new Error('execution stopped');
  const response = await http.request(url, { headers: { accept: FEED_ACCEPT }, signal });
  if (response.status < 200 || response.status >= 300) {
    throw new HttpStatusError(url, response.status);
  }
  return { body: response.body.toString('utf8'), url: response.url, contentType: response.headers['content-type'] };
}

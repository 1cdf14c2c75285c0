import type { OutboundClient } from '../outbound/http.js';

/** A search endpoint: SearXNG-compatible (`/search?q=…&format=json`) or Parallel-compatible (`/v1/search`). */
export interface SearchConfig {
  readonly url?: string;
  readonly kind: 'searxng' | 'parallel';
  readonly apiKey?: string;
}

/** One page a search found. */
export interface SearchResult {
  url: string;
  title: string | null;
  content: string | null;
  publishedAt: Date | null;
}

/** What a search is limited to: `source_policy` domains and `after_date`, and how many results. */
export interface SearchOptions {
  includeDomains?: readonly string[];
  excludeDomains?: readonly string[];
  /** `YYYY-MM-DD`: dated results before it are dropped (undated ones are kept). */
  afterDate?: string | null;
  limit?: number;
  signal: AbortSignal;
}

/** The configured web search (VIGIL_SEARCH_URL), used for queries that name no URL. */
export interface SearchClient {
  /** Results in the engine's order, filtered by the options; throws when the endpoint fails. */
  search(http: OutboundClient, query: string, options: SearchOptions): Promise<SearchResult[]>;
}

/** Results one search keeps at most by default. */
export const SEARCH_RESULTS = 10;

/** The search client of this configuration, or undefined when VIGIL_SEARCH_URL is not set. */
export function createSearchClient(config: SearchConfig): SearchClient | undefined {
  if (!config.url) return undefined;
  const endpoint = config.url;
  return {
    async search(http, query, options) {
      const raw =
        config.kind === 'parallel' ? await parallelSearch(http, endpoint, config.apiKey, query, options) : await searxngSearch(http, endpoint, query, options);
      return filterResults(raw, options).slice(0, options.limit ?? SEARCH_RESULTS);
    },
  };
}

async function searxngSearch(http: OutboundClient, endpoint: string, query: string, options: SearchOptions): Promise<SearchResult[]> {
  const url = new URL(endpoint);
  if (!/\/search\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/$/, '')}/search`;
  // One included domain narrows the engines' own search; several are applied to the results below.
  const site = options.includeDomains?.length === 1 ? ` site:${bareDomain(options.includeDomains[0])}` : '';
  url.searchParams.set('q', `${query}${site}`);
  url.searchParams.set('format', 'json');
  const answer = await http.request(url.href, { headers: { accept: 'application/json' }, signal: options.signal });
  const body = readJson(answer.status, answer.body, url.href, 'SearXNG needs "json" in search.formats of its settings.yml');
  const results = Array.isArray(body.results) ? (body.results as Record<string, unknown>[]) : [];
  return results.flatMap((r) =>
    typeof r.url === 'string'
      ? [
          {
            url: r.url,
            title: text(r.title),
            content: text(r.content),
            publishedAt: date(r.publishedDate),
          },
        ]
      : [],
  );
}

async function parallelSearch(
  http: OutboundClient,
  endpoint: string,
  apiKey: string | undefined,
  query: string,
  options: SearchOptions,
): Promise<SearchResult[]> {
  const policy = {
    ...(options.includeDomains?.length ? { include_domains: options.includeDomains } : {}),
    ...(options.excludeDomains?.length ? { exclude_domains: options.excludeDomains } : {}),
    ...(options.afterDate ? { after_date: options.afterDate } : {}),
  };
  const answer = await http.request(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
    body: JSON.stringify({ objective: query, search_queries: [query], max_results: options.limit ?? SEARCH_RESULTS, source_policy: policy }),
    signal: options.signal,
  });
  const body = readJson(answer.status, answer.body, endpoint, 'a Parallel-compatible /v1/search answers {"results": [...]}');
  const results = Array.isArray(body.results) ? (body.results as Record<string, unknown>[]) : [];
  return results.flatMap((r) =>
    typeof r.url === 'string'
      ? [
          {
            url: r.url,
            title: text(r.title),
            content: Array.isArray(r.excerpts) ? r.excerpts.filter((e): e is string => typeof e === 'string').join('\n') || null : text(r.content),
            publishedAt: date(r.publish_date ?? r.publishedDate),
          },
        ]
      : [],
  );
}

function readJson(status: number, body: Buffer, url: string, hint: string): Record<string, unknown> {
  if (status < 200 || status >= 300) throw new Error(`the search endpoint ${url} answered HTTP ${status} (${hint})`);
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new Error(`the search endpoint ${url} did not answer JSON (${hint})`);
}

/** Results within the included domains (when any), outside the excluded ones, and not dated before `afterDate`. */
export function filterResults(results: SearchResult[], options: Omit<SearchOptions, 'signal'>): SearchResult[] {
  const include = (options.includeDomains ?? []).map(bareDomain);
  const exclude = (options.excludeDomains ?? []).map(bareDomain);
  const after = options.afterDate ? Date.parse(options.afterDate) : NaN;
  const seen = new Set<string>();
  return results.filter((r) => {
    const host = hostOf(r.url);
    if (host === null || seen.has(r.url)) return false;
    seen.add(r.url);
    if (include.length > 0 && !include.some((d) => within(host, d))) return false;
    if (exclude.some((d) => within(host, d))) return false;
    return !(r.publishedAt && !Number.isNaN(after) && r.publishedAt.getTime() < after);
  });
}

const within = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

function bareDomain(domain: string): string {
  const value = domain.trim().toLowerCase();
  const host = /^https?:\/\//.test(value) ? (hostOf(value) ?? value) : value;
  return host.replace(/^\*?\.?/, '').replace(/\/.*$/, '');
}

function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.hostname.toLowerCase() : null;
  } catch {
    return null;
  }
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

function date(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

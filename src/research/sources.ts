import type { EventStreamSettings } from '../domain/monitor.js';
import { extractUrls } from './relevance.js';

/** Where an event_stream monitor looks: feed or page URLs, and domains whose home pages advertise feeds. */
export interface MonitorSources {
  urls: string[];
  domains: string[];
}

/** The sources of a monitor: URLs in its query, `settings.sources`, and `source_policy.include_domains`. */
export function sourcesOf(settings: EventStreamSettings): MonitorSources {
  const urls = [...extractUrls(settings.query), ...(settings.sources ?? [])];
  const domains = settings.advanced_settings?.source_policy?.include_domains ?? [];
  return { urls: [...new Set(urls)], domains: [...new Set(domains)] };
}

/** How to name a source, for the 422 of a monitor with none. */
export const NO_SOURCE_HELP =
  'no source to watch: put a feed or page URL in settings.query, list URLs in settings.sources, ' +
  'or name sites in settings.advanced_settings.source_policy.include_domains (their home pages must advertise a feed); ' +
  'or have the server operator configure web search (VIGIL_SEARCH_URL, a SearXNG JSON endpoint) so plain-language queries find their sources';

/** A domain's home page: as written when it has a scheme, else https first and http second. */
export function homePages(domain: string): string[] {
  if (/^https?:\/\//i.test(domain)) return [domain];
  const host = domain.replace(/^\.+/, '');
  return [`https://${host}/`, `http://${host}/`];
}

import type { EventStreamSettings } from '../../domain/monitor.js';
import { compileFilter } from '../match.js';
import { matchesQuery, queryTerms } from '../relevance.js';
import { sourcesOf } from '../sources.js';
import { itemEvent } from './item-events.js';
import { readSources, type SourceReading } from './read-sources.js';
import type { SourcedItem } from '../items/sourced-item.js';
import { keyItems, novelItems } from '../detect/item-identity.js';
import type { Processor, ProcessorContext, ProcessorResult } from './processor.js';

/** Items a first execution reports when `include_backfill` is true. */
export const BACKFILL_ITEMS = 10;

/**
 * The `lite` processor for `event_stream` monitors: read the monitor's feeds, pages and JSON
 * endpoints (fetch), keep the items this monitor has not seen, by any of their keys or as a
 * near-duplicate, that match its query and `settings.match` (detect), and report each as an event.
 */
export const feedWatch: Processor = {
  async run(ctx: ProcessorContext): Promise<ProcessorResult> {
    const settings = ctx.monitor.settings as EventStreamSettings;
    const readings = await readSources(ctx.http, ctx.parser, sourcesOf(settings), ctx.signal);
    const detected = await detectFresh(ctx, settings, readings);
    if ('failed' in detected) return detected.failed;
    const reported = selectReported(ctx, settings, detected.fresh, detected.regexHits);
    return {
      ...detected.result,
      outcome: { kind: 'events', events: reported.map((item) => itemEvent(item, settings.output_schema)) },
    };
  },
};

/** What detection found among the items read: the new ones, and the state to commit with the outcome. */
export interface Detected {
  fresh: SourcedItem[];
  /** `settings.match.regex` verdicts per fresh item, or null without a regex. */
  regexHits: boolean[] | null;
  /** The result without its outcome: seen keys, fingerprints, source checks. */
  result: Omit<ProcessorResult, 'outcome'>;
}

/**
 * The items of the readings this monitor has not seen, by any of their keys or as a
 * near-duplicate (shared by `lite` and the model-backed processors); an error result when every
 * source failed.
 */
export async function detectFresh(
  ctx: ProcessorContext,
  settings: EventStreamSettings,
  readings: SourceReading[],
): Promise<Detected | { failed: ProcessorResult }> {
  const failures = readings.flatMap((r) => ('error' in r ? [`${r.source}: ${r.error}`] : []));
  const sourceChecks = readings.map((r) =>
    'error' in r
      ? { source: r.source, url: r.url, ok: false as const, error: r.error, errorKey: r.errorKey }
      : { source: r.source, url: r.url, ok: true as const },
  );
  if (failures.length === readings.length) {
    return { failed: { outcome: { kind: 'error', message: `every source failed: ${failures.join('; ')}` }, seenKeys: [], sourceChecks } };
  }
  const items = readings.flatMap((r) => ('items' in r ? r.items : []));
  const keyed = keyItems(items);
  const seen = await ctx.seen([...new Set(keyed.flatMap((k) => k.keys))]);
  // Past fingerprints are read only when some unseen item could be a near-duplicate of one.
  const needsPrints = keyed.some((k) => k.fingerprint && !k.keys.some((key) => seen.has(key)));
  const novelty = novelItems(keyed, seen, needsPrints ? ((await ctx.fingerprints?.()) ?? []) : []);
  // The regex runs in a parse worker, within its time budget: RE2 is linear in the text, but also in the pattern's size.
  const regexHits = settings.match?.regex ? await ctx.parser.testRegex(settings.match.regex, novelty.fresh.map(filterText), ctx.signal) : null;
  return {
    fresh: novelty.fresh,
    regexHits,
    result: { seenKeys: novelty.seenKeys, fingerprints: novelty.fingerprints, sourceChecks },
  };
}

/**
 * Which new items become events, oldest first so the newest is last in the log. A first execution
 * only records what exists, reporting items dated after the monitor's creation, or with
 * `include_backfill` the most recent few. `lexical: false` leaves relevance to the query to a model.
 */
export function selectReported(
  ctx: ProcessorContext,
  settings: EventStreamSettings,
  fresh: SourcedItem[],
  regexHits: boolean[] | null,
  lexical = true,
): SourcedItem[] {
  const terms = queryTerms(settings.query);
  const policy = settings.advanced_settings?.source_policy;
  const after = policy?.after_date ? Date.parse(policy.after_date) : undefined;
  const excluded = (policy?.exclude_domains ?? []).map((d) => d.toLowerCase().replace(/^\*?\.?/, ''));
  const passes = compileFilter(settings.match, { regex: false });
  let chosen = fresh.filter(
    (item, i) =>
      (!lexical || matchesQuery(terms, `${item.title ?? ''} ${item.summary ?? ''} ${item.section ?? ''}`)) &&
      passes(filterText(item)) &&
      (regexHits === null || regexHits[i]) &&
      !(after !== undefined && item.publishedAt && item.publishedAt.getTime() < after) &&
      !isExcluded(item.link, excluded),
  );
  chosen = chosen.sort(byDateAscending);
  if (ctx.isFirstExecution) {
    chosen = settings.include_backfill
      ? chosen.slice(-BACKFILL_ITEMS)
      : chosen.filter((item) => item.publishedAt && item.publishedAt.getTime() > ctx.monitor.createdAt);
  }
  return chosen;
}

/** What `settings.match` reads of an item: its title, summary and link. */
function filterText(item: SourcedItem): string {
  return `${item.title ?? ''}\n${item.summary ?? ''}\n${item.link ?? ''}`;
}

function byDateAscending(a: SourcedItem, b: SourcedItem): number {
  // Undated items sort as oldest: a backfill prefers items it can place in time.
  return (a.publishedAt?.getTime() ?? -Infinity) - (b.publishedAt?.getTime() ?? -Infinity) || 0;
}

function isExcluded(link: string | null, excluded: string[]): boolean {
  if (!link || excluded.length === 0) return false;
  let host: string;
  try {
    host = new URL(link).hostname.toLowerCase();
  } catch {
    return false;
  }
  return excluded.some((d) => host === d || host.endsWith(`.${d}`));
}

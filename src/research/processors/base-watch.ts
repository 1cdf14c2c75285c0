import type { EventStreamSettings } from '../../domain/monitor.js';
import { isLite, tierOf } from '../../domain/research-tiers.js';
import { sourcesOf } from '../sources.js';
import { judgeItems } from './base-judge.js';
import { itemEvent } from './item-events.js';
import { readSources } from './read-sources.js';
import { detectFresh, selectReported } from './lite-watch.js';
import type { Processor, ProcessorContext, ProcessorResult } from './processor.js';
import { searchReadings } from './search-sources.js';
import { semanticCandidates } from './semantic-rank.js';

/** The warning on every record of an execution of a model processor when no model is configured. */
export const NO_MODEL_WARNING =
  'no model is configured (VIGIL_LLM_BASE_URL, VIGIL_LLM_MODEL): this execution ran as the lite processor (lexical relevance, no model judgement)';

/**
 * The model-backed processors (`base`, `core`, `pro`, `ultra` and their `-fast` variants) for
 * `event_stream` monitors: gather candidate items as `lite` does (the monitor's sources, or the
 * pages web search finds for a query that names none), keep the new ones, and let the model judge
 * which are relevant and material and write their events from their text. Without a model it runs
 * as `lite` and says so in a warning on the execution's records. (A `lite` monitor whose query
 * names no source runs here too, lexically, with no warning: it asked for no model.)
 */
export const baseWatch: Processor = {
  async run(ctx: ProcessorContext): Promise<ProcessorResult> {
    const settings = ctx.monitor.settings as EventStreamSettings;
    const tier = tierOf(ctx.monitor.processor);
    const sources = sourcesOf(settings);
    const named = sources.urls.length + sources.domains.length > 0;
    if (!named && !ctx.search) {
      return { outcome: { kind: 'error', message: 'the query names no source and no web search is configured (set VIGIL_SEARCH_URL)' }, seenKeys: [] };
    }
    const readings = named ? await readSources(ctx.http, ctx.parser, sources, ctx.signal) : await searchReadings(ctx, ctx.search!, settings, tier);
    if (readings.length === 0) {
      return { outcome: { kind: 'completion', warnings: ['the web search found no pages for the query'] }, seenKeys: [] };
    }
    const detected = await detectFresh(ctx, settings, readings);
    if ('failed' in detected) return detected.failed;
    if (!ctx.model || isLite(ctx.monitor.processor)) {
      const reported = selectReported(ctx, settings, detected.fresh, detected.regexHits);
      const warnings = isLite(ctx.monitor.processor) ? undefined : [NO_MODEL_WARNING];
      return {
        ...detected.result,
        outcome: { kind: 'events', events: reported.map((item) => itemEvent(item, settings.output_schema)), warnings },
      };
    }
    // Relevance is the model's to judge; `settings.match`, the source policy and the first-execution rule still apply.
    const usage = ctx.model.meter();
    const work = { deadline: ctx.deadline, signal: ctx.signal, usage };
    const fresh = selectReported(ctx, settings, detected.fresh, detected.regexHits, false);
    const candidates = await semanticCandidates(ctx.model, settings.query, fresh, tier.items, work);
    const events = await judgeItems(ctx.model, settings.query, candidates, tier, work, settings.output_schema);
    return {
      ...detected.result,
      outcome: { kind: 'events', events },
      ...(usage.used ? { modelUsage: usage.snapshot() } : {}),
    };
  },
};

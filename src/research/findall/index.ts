import type { ModelClient } from '../model.js';
import type { SearchClient } from '../search.js';
import { generateCandidates } from './generate.js';
import { liteFindAll } from './lite.js';
import { generateWithModel } from './model-generate.js';
import { modelIngest } from './model-ingest.js';
import { judgeWithModel } from './model-judge.js';
import { findAllTier } from './model-tier.js';
import type { FindAllResearch } from './seam.js';

export type * from './seam.js';
export { liteFindAll } from './lite.js';
export { findAllTier, type FindAllTier } from './model-tier.js';

/** What model-backed research may use: each is absent when it is not configured. */
export interface FindAllResearchDeps {
  model?: ModelClient;
  search?: SearchClient;
}

/** The research a run gets, and the warning the run carries when it gets less than its generator asks for. */
export interface ChosenResearch {
  research: FindAllResearch;
  warning: string | null;
}

/** The warning of a run researched without a model. */
export const NO_MODEL_WARNING =
  'no model is configured (VIGIL_LLM_BASE_URL, VIGIL_LLM_MODEL): this run ran as lite ' +
  '(candidates from the pages the run names, conditions judged by the words of passages)';
/** The warning of a run with a model but no web search to generate candidates from. */
export const NO_SEARCH_WARNING =
  'no web search is configured (VIGIL_SEARCH_URL): candidates were generated as lite does, from the pages the run names; the model judged them';

/**
 * The research behind a run's generator (`preview`, `base`, `core`, `pro`; settings in model-tier.ts).
 * With a model and web search: model-written queries, candidates named by the model on the pages
 * found, conditions judged by the model with checked evidence. With a model only: lite's
 * generation, the model's judgement. Without a model: `lite`. Enrichment is lite's in every case.
 */
export function findAllResearchFor(generator: string, deps: FindAllResearchDeps = {}): ChosenResearch {
  const { model, search } = deps;
  if (!model) return { research: liteFindAll, warning: NO_MODEL_WARNING };
  const tier = findAllTier(generator);
  const research: FindAllResearch = {
    ingest: (objective) => modelIngest(model, objective),
    generate: search ? (spec, ctx) => generateWithModel({ model, search, tier }, spec, ctx) : generateCandidates,
    judge: (seed, spec, ctx) => judgeWithModel({ model, tier }, seed, spec, ctx),
    enrich: liteFindAll.enrich,
  };
  return { research, warning: search ? null : NO_SEARCH_WARNING };
}

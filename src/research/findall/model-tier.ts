// What each FindAll generator does with a model (README, "FindAll research with a model"). The
// judge's passes and the page text it reads come from the processor of the same name
// (domain/research-tiers.ts), so `pro` judges a condition as a `pro` monitor judges an item;
// generation adds how many search queries the model writes and how many found pages it reads.
import type { FindAllGenerator } from '../../domain/findall.js';
import { tierOf } from '../../domain/research-tiers.js';

/** A generator's model settings. */
export interface FindAllTier {
  /** Independent judge passes per candidate: a condition's verdict is their majority. */
  passes: number;
  /** Characters of page text the model reads: per page to name candidates, per condition to judge one. */
  chars: number;
  /** Search queries the model writes from the objective. */
  queries: number;
  /** Pages generation reads at most: the run's named pages, then the search results in order. */
  pages: number;
}

const SEARCH: Record<FindAllGenerator, Pick<FindAllTier, 'queries' | 'pages'>> = {
  preview: { queries: 1, pages: 5 },
  base: { queries: 2, pages: 10 },
  core: { queries: 3, pages: 20 },
  pro: { queries: 4, pages: 30 },
};

/** The settings of a generator (`preview` reads as `base-fast`; unknown names as `base`). */
export function findAllTier(generator: string): FindAllTier {
  const search = SEARCH[generator as FindAllGenerator] ?? SEARCH.base;
  const { passes, chars } = tierOf(generator === 'preview' ? 'base-fast' : generator);
  return { passes, chars, ...search };
}

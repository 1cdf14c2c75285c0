import { liteFindAll } from './lite.js';
import type { FindAllResearch } from './seam.js';

export type * from './seam.js';
export { liteFindAll } from './lite.js';

/**
 * The research behind a run's generator (`preview`, `base`, `core`, `pro`). Every generator uses
 * `lite` today. A model-backed generator and judge (issue 17) plug in here: return their
 * FindAllResearch for the generators they serve (e.g. when Config.llm is set), keeping `lite`
 * for the others; nothing else in a run changes.
 */
export function findAllResearchFor(_generator: string): FindAllResearch {
  return liteFindAll;
}

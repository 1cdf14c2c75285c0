/**
 * What each processor name does with a model (README, "Model-backed research"). Parallel's names
 * map to settings of Vigil's one model-backed pipeline rather than to different products: how many
 * independent judge passes decide an item (a majority of them; disagreement lowers confidence),
 * how many candidate items one execution judges, and how much of each page's text the model reads.
 * `-fast` variants make one pass and read half as much.
 */
export interface ResearchTier {
  passes: number;
  items: number;
  chars: number;
}

const TIERS: Record<string, ResearchTier> = {
  lite: { passes: 0, items: 0, chars: 0 },
  base: { passes: 1, items: 20, chars: 2000 },
  core: { passes: 1, items: 40, chars: 4000 },
  core2x: { passes: 1, items: 60, chars: 6000 },
  pro: { passes: 2, items: 60, chars: 6000 },
  ultra: { passes: 3, items: 80, chars: 8000 },
  ultra2x: { passes: 3, items: 100, chars: 10000 },
  ultra4x: { passes: 3, items: 120, chars: 12000 },
  ultra8x: { passes: 3, items: 150, chars: 16000 },
};

/** Every processor name a monitor or task accepts: the tiers and their `-fast` variants. */
export const PROCESSOR_NAMES: readonly string[] = Object.keys(TIERS).flatMap((name) => [name, `${name}-fast`]);

/** The settings of a processor name (unknown names read as `base`). */
export function tierOf(processor: string): ResearchTier {
  const fast = processor.endsWith('-fast');
  const tier = TIERS[fast ? processor.slice(0, -'-fast'.length) : processor] ?? TIERS.base;
  return fast ? { passes: Math.min(1, tier.passes), items: tier.items, chars: Math.ceil(tier.chars / 2) } : tier;
}

/** Whether a processor name is deterministic (`lite`, `lite-fast`): no model is ever asked. */
export const isLite = (processor: string): boolean => processor === 'lite' || processor === 'lite-fast';

// TEMPORARY placeholder on the `findall` branch: the deterministic `lite` FindAll research is built
// on the `findall-lite` branch, whose src/research/findall/lite.ts replaces this file at merge. It
// must export `liteFindAll: FindAllResearch` (research/findall/seam.ts); server.ts uses it whenever
// no research is injected.
import type { FindAllResearch } from './seam.js';

const notBuilt = (): never => {
  throw new Error('lite FindAll research is not built yet');
};

/** The `lite` FindAll research (placeholder: every method throws until the real one is merged). */
export const liteFindAll: FindAllResearch = {
  ingest: notBuilt,
  generate: notBuilt,
  judge: notBuilt,
  enrich: notBuilt,
};

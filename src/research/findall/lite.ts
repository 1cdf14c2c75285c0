// FindAll research without a model (issue 15 item 3): deterministic ingest, generation, judgement
// and enrichment from the pages a run names. What it does and does not do: README, "FindAll research (lite)".
import { enrichCandidate } from './enrich.js';
import { generateCandidates } from './generate.js';
import { ingestObjective } from './ingest.js';
import { judgeCandidate } from './judge.js';
import type { FindAllResearch } from './seam.js';

/** The deterministic `lite` FindAll research. */
export const liteFindAll = {
  ingest: ingestObjective,
  generate: generateCandidates,
  judge: judgeCandidate,
  enrich: enrichCandidate,
} satisfies FindAllResearch;

// Evidence for judging: the passages of the candidate's own page.
import { readPage, reasonOf } from './fetch-page.js';
import { normalisedName } from './identity.js';
import type { CandidateSeed, ResearchContext } from './seam.js';
import { termOf, wordsOf } from './terms.js';

/** The passages a candidate is judged on, or why there are none. */
export interface Evidence {
  url: string;
  title: string | null;
  passages: string[];
  failure: string | null;
}

/**
 * Reads the candidate's page (its `url`). A candidate known only by name was seen on a list page:
 * only the passages of that page that name it speak for it. A failure is returned, never thrown,
 * unless the run stopped.
 */
export async function gatherEvidence(seed: CandidateSeed, ctx: ResearchContext): Promise<Evidence> {
  try {
    const page = await readPage(ctx, seed.url);
    // A passage that is only the candidate's name (its heading, its JSON-LD name) is no evidence of anything else.
    const own = normalisedName(seed.name);
    let passages = page.passages.filter((p) => normalisedName(p.replace(/^(?:legal )?name:\s*/i, '')) !== own);
    if (seed.key.startsWith('name:')) {
      const name = wordsOf(seed.name).map(({ word }) => termOf(word));
      passages = passages.filter((p) => {
        const found = new Set(wordsOf(p).map(({ word }) => termOf(word)));
        return name.every((t) => found.has(t));
      });
    }
    return { url: page.url, title: page.title, passages, failure: null };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { url: seed.url, title: null, passages: [], failure: reasonOf(err) };
  }
}

import type { SourcedItem } from '../items/sourced-item.js';
import { cosineSimilarity, type ModelClient, type ModelWork } from '../model.js';

/** Two items whose embeddings are at least this similar say the same thing: only the first is judged. */
export const NEAR_DUPLICATE_SIMILARITY = 0.97;

/** How much of an item's text is embedded: its title and the start of its text. */
const EMBEDDED_CHARS = 1000;

/**
 * How many of the newest candidates are ranked, per item judged: a first look at a big page can
 * bring hundreds of new blocks, and one embedding request must stay within what a server accepts.
 */
const RANKED_PER_JUDGED = 4;

/**
 * The candidates the model judges, when an embedding model is configured: near-duplicates dropped
 * (the earlier of two stays), then the `limit` most similar to the query in meaning, in their
 * original order; only the newest `RANKED_PER_JUDGED × limit` are ranked. Without an embedding model, or when embedding fails, the newest `limit` (the
 * order the candidates came in) as before: ranking narrows what is judged, never decides it.
 */
export async function semanticCandidates(model: ModelClient, query: string, candidates: SourcedItem[], limit: number, work: ModelWork): Promise<SourcedItem[]> {
  const newest = candidates.slice(-limit);
  if (!model.canEmbed || candidates.length <= 1) return newest;
  return rank(model, query, candidates.slice(-limit * RANKED_PER_JUDGED), limit, work).catch(() => newest);
}

async function rank(model: ModelClient, query: string, candidates: SourcedItem[], limit: number, work: ModelWork): Promise<SourcedItem[]> {
  const [queryVector, ...itemVectors] = await model.embed([query, ...candidates.map(embeddedText)], work);
  if (!queryVector || itemVectors.length !== candidates.length) throw new Error('the embedding server answered a different number of vectors');
  const kept: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    if (!kept.some((k) => cosineSimilarity(itemVectors[k], itemVectors[i]) >= NEAR_DUPLICATE_SIMILARITY)) kept.push(i);
  }
  const closest = [...kept].sort((a, b) => cosineSimilarity(queryVector, itemVectors[b]) - cosineSimilarity(queryVector, itemVectors[a]));
  const chosen = new Set(closest.slice(0, limit));
  return candidates.filter((_, i) => chosen.has(i));
}

function embeddedText(item: SourcedItem): string {
  return `${item.title ?? ''}\n${(item.summary ?? '').replace(/\s+/g, ' ')}`.slice(0, EMBEDDED_CHARS);
}

// Judging a candidate without a model: each condition is decided by the passage on the candidate's
// own page that carries its terms (terms.ts); that passage is the verdict's value and its citation.
import type { FieldBasis } from '../../domain/event.js';
import { gatherEvidence, type Evidence } from './evidence.js';
import type { CandidateSeed, ConditionVerdict, FindAllSpec, Judgement, MatchCondition, ResearchContext } from './seam.js';
import { amountsIn, conditionTerms, negatedNear, satisfies, termOf, wordsOf, type ConditionTerms } from './terms.js';

/** Judges a candidate on every condition; a page that cannot be read leaves each condition unmatched, saying why. */
export async function judgeCandidate(seed: CandidateSeed, spec: FindAllSpec, ctx: ResearchContext): Promise<Judgement> {
  const evidence = await gatherEvidence(seed, ctx);
  const output: Record<string, ConditionVerdict> = {};
  const basis: FieldBasis[] = [];
  for (const condition of spec.match_conditions) {
    const { verdict, why } = decide(condition, spec.entity_type, evidence);
    output[condition.name] = verdict;
    basis.push({ field: condition.name, ...why });
  }
  const matched = spec.match_conditions.length > 0 && Object.values(output).every((v) => v.is_matched);
  return { output, basis, matched };
}

interface Decision {
  verdict: ConditionVerdict;
  why: Omit<FieldBasis, 'field'>;
}

/** One condition against the evidence: the best passage carrying all its facts decides. */
export function decide(condition: MatchCondition, entityType: string, evidence: Evidence): Decision {
  const unmatched = (value: string, reasoning: string, excerpts: string[] = []): Decision => ({
    verdict: { value, type: 'match_condition', is_matched: false },
    why: { citations: [{ url: evidence.url, title: evidence.title, excerpts }], reasoning, confidence: 'low' },
  });
  if (evidence.failure !== null) {
    return unmatched(
      `could not read ${evidence.url}: ${evidence.failure}`,
      `The candidate's page ${evidence.url} could not be read (${evidence.failure}), so no evidence decides "${condition.description}".`,
    );
  }
  const terms = conditionTerms(condition.description, entityType);
  const wanted = [...terms.required, ...terms.soft];
  if (wanted.length === 0 && !terms.comparison) {
    return unmatched(`no evidence found on ${evidence.url}`, `"${condition.description}" names nothing that a passage could carry, so lite cannot decide it.`);
  }
  const best = bestPassage(evidence.passages, terms);
  if (!best) {
    return unmatched(`no evidence found on ${evidence.url}`, `No passage of ${evidence.passages.length} on ${evidence.url} carries ${describe(terms)}.`);
  }
  const negated = negatedNear(best.passage, new Set(wanted));
  if (negated !== terms.negated) {
    return unmatched(
      best.passage,
      `The passage on ${evidence.url} carries ${describe(terms)} but ${negated ? 'negates it' : 'does not negate it as the condition does'}.`,
      [best.passage],
    );
  }
  return {
    verdict: { value: best.passage, type: 'match_condition', is_matched: true },
    why: {
      citations: [{ url: evidence.url, title: evidence.title, excerpts: [best.passage] }],
      reasoning: `The passage on ${evidence.url} carries ${describe(terms)}${best.softMissing > 0 ? ` (${best.softMissing} of the condition's other words missing)` : ''}.`,
      confidence: best.softMissing === 0 ? 'high' : 'medium',
    },
  };
}

/** The passage with the most of the condition's terms, among those with all required ones; first in page order on a tie. */
function bestPassage(passages: readonly string[], terms: ConditionTerms): { passage: string; softMissing: number } | null {
  let best: { passage: string; score: number; softMissing: number } | null = null;
  for (const passage of passages) {
    const found = new Set(wordsOf(passage).map(({ word }) => (/^\d/.test(word) ? word.toLowerCase() : termOf(word))));
    if (!terms.required.every((t) => found.has(t))) continue;
    if (terms.comparison && !amountsIn(passage).some((n) => satisfies(n, terms.comparison!))) continue;
    const soft = terms.soft.filter((t) => found.has(t)).length;
    if (soft < (terms.required.length > 0 ? terms.soft.length / 2 : terms.soft.length)) continue;
    const score = terms.required.length + soft + (terms.comparison ? 1 : 0);
    if (score > 0 && (!best || score > best.score)) best = { passage, score, softMissing: terms.soft.length - soft };
  }
  return best;
}

function describe(terms: ConditionTerms): string {
  const parts = [...terms.required.map((t) => `"${t}"`), ...(terms.comparison ? [`a number ${terms.comparison.text}`] : [])];
  const soft = terms.soft.length > 0 ? `at least half of ${terms.soft.map((t) => `"${t}"`).join(', ')}` : '';
  return [parts.length > 0 ? parts.join(', ') : '', soft].filter(Boolean).join(' and ') || "the condition's words";
}

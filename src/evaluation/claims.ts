import { contentStems, isNegated, names, numbers, quote, sentences } from './text.js';
import type { Confidence, UnitVerdict } from './verdicts.js';

/** Sentences that state no checkable fact: greetings, offers, opinions, questions. */
const NOT_A_CLAIM =
  /^(?:sure|certainly|of course|absolutely|great question|hello|hi|thanks|thank you|i hope|hope this|let me know|feel free|happy to help|i(?:'m| am) (?:happy|glad)|here(?:'s| is| are))\b|\b(?:i think|i believe|in my opinion|i feel|personally)\b|\?$/i;

/** The atomic claims of a text: its sentences that state something checkable. */
export function extractClaims(text: string): string[] {
  return sentences(text).filter((s) => !NOT_A_CLAIM.test(s.trim()) && (contentStems(s).length > 0 || numbers(s).length > 0));
}

interface Evidence {
  sentence: string;
  stems: Set<string>;
  numbers: Set<string>;
  negated: boolean;
}

/** Evidence split into sentences, each with its stems and numbers worked out once. */
export function evidenceOf(texts: readonly string[]): Evidence[] {
  return texts
    .flatMap((t) => sentences(t))
    .map((sentence) => ({
      sentence,
      stems: new Set(contentStems(sentence)),
      numbers: new Set(numbers(sentence)),
      negated: isNegated(sentence),
    }));
}

/** How to judge claims: what an unsupported claim counts as, and whether a short reference the claim restates suffices. */
export interface JudgeOptions {
  silent: 'fail' | 'unjudged';
  /** A claim that contains every content word of a (short) evidence sentence is supported ("Paris" → "The capital is Paris."). */
  restating?: boolean;
  /** Text whose names a claim may repeat without evidence (the user's question). */
  given?: string;
}

/** Share of a claim's stems found in one evidence sentence (or, restating, of the sentence's stems in the claim). */
function coverage(stems: readonly string[], evidence: Evidence, restating: boolean): number {
  if (stems.length === 0) return 0;
  const forward = stems.filter((s) => evidence.stems.has(s)).length / stems.length;
  if (!restating || evidence.stems.size === 0) return forward;
  const claim = new Set(stems);
  const backward = [...evidence.stems].filter((s) => claim.has(s)).length / evidence.stems.size;
  return Math.max(forward, backward === 1 ? 0.75 : 0);
}

/**
 * Judges one claim against evidence: supported when one evidence sentence covers most of its
 * content words with the same numbers and the same polarity; contradicted when the closest
 * sentence states other numbers or the opposite polarity; otherwise unsupported.
 */
export function judgeClaim(claim: string, evidence: readonly Evidence[], options: JudgeOptions): UnitVerdict {
  const stems = [...new Set(contentStems(claim))];
  const claimNumbers = numbers(claim);
  const unit = quote(claim);
  let best: Evidence | undefined;
  let bestCover = 0;
  for (const e of evidence) {
    const cover = coverage(stems, e, options.restating === true) + (claimNumbers.some((n) => e.numbers.has(n)) ? 0.25 : 0);
    if (cover > bestCover) {
      best = e;
      bestCover = cover;
    }
  }
  if (!best || bestCover < 0.34) {
    return options.silent === 'fail'
      ? { unit, passed: false, confidence: 'high', reason: 'not supported by the evidence' }
      : { unit, passed: null, confidence: 'low', reason: 'the evidence says nothing about it' };
  }
  const where = `evidence: ${quote(best.sentence, 100)}`;
  // A number counts as stated when any evidence sentence states it (a claim may join two facts).
  const otherNumbers = claimNumbers.filter((n) => !evidence.some((e) => e.numbers.has(n)));
  if (otherNumbers.length > 0 && best.numbers.size > 0) {
    return {
      unit,
      passed: false,
      confidence: 'certain',
      reason: `states ${otherNumbers.join(', ')} where the ${where} states ${[...best.numbers].join(', ')}`,
    };
  }
  if (isNegated(claim) !== best.negated) {
    return { unit, passed: false, confidence: 'high', reason: `opposite polarity to the ${where}` };
  }
  const given = new Set(contentStems(options.given ?? ''));
  const missingNames = names(claim)
    .map((n) => [n, contentStems(n)[0] ?? n] as const)
    .filter(([, stem]) => !given.has(stem) && !evidence.some((e) => e.stems.has(stem)))
    .map(([n]) => n);
  if (missingNames.length > 0) {
    return { unit, passed: false, confidence: 'high', reason: `names ${missingNames.join(', ')}, which the evidence does not` };
  }
  if (otherNumbers.length > 0) {
    return { unit, passed: false, confidence: 'medium', reason: `states ${otherNumbers.join(', ')}, which the evidence does not` };
  }
  const confidence: Confidence = bestCover >= 0.75 ? 'high' : 'medium';
  return { unit, passed: true, confidence, reason: `supported by the ${where}` };
}

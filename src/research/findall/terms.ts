// What a match condition asks for, as terms a passage must carry: stemmed words (relevance.ts's
// stemmer), numbers and years, "Series A"-style rounds, a comparison ("more than 50", "after 2019")
// and whether it is negated ("not based in Berlin").
import { stemmer } from 'stemmer';

/**
 * A condition's terms: all `required` must occur in a passage, and at least half the `soft` ones
 * (all of them when nothing is required, so that "Berlin-based", whose proper noun opens the
 * description, still needs Berlin).
 */
export interface ConditionTerms {
  /** Proper nouns (capitalised after the first word), numbers and rounds: the facts themselves. */
  required: string[];
  /** Other content words, stemmed and folded into synonym groups ("based" ~ "headquartered"). */
  soft: string[];
  comparison: Comparison | null;
  negated: boolean;
}

/** "more than 1000" → {op: '>', value: 1000}. */
export interface Comparison {
  op: '>' | '>=' | '<' | '<=';
  value: number;
  text: string;
}

const STOP = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'of',
  'in',
  'into',
  'on',
  'at',
  'to',
  'for',
  'with',
  'by',
  'from',
  'as',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'has',
  'have',
  'had',
  'does',
  'do',
  'did',
  'that',
  'which',
  'who',
  'whose',
  'it',
  'its',
  'their',
  'they',
  'this',
  'these',
  'those',
  'than',
  'there',
  'any',
  'some',
  'one',
  'also',
  'currently',
  'not',
  'no',
  'never',
  'without',
  't',
  's',
  'matches',
  'objective',
  'entity',
  'entities',
]);
/** Words that name the kind of entity rather than a fact about it. */
const ENTITY_WORDS = new Set(['compani', 'company', 'organ', 'organis', 'organiz', 'person', 'peopl', 'product', 'firm', 'busi', 'entiti']);
const SYNONYMS: readonly (readonly string[])[] = [
  ['base', 'headquart', 'hq', 'locat', 'address', 'local', 'offic', 'hub', 'resid'],
  ['rais', 'secur', 'close', 'land', 'bag', 'announc'],
  ['found', 'establish', 'start', 'launch', 'incorpor', 'creat'],
  ['employ', 'staff', 'team', 'worker', 'headcount', 'employe'],
  ['ai', 'artifici', 'machin'],
];
const CANONICAL = new Map(SYNONYMS.flatMap((group) => group.map((stem) => [stem, group[0]] as const)));
const COMPARISON =
  /\b(more than|over|above|greater than|at least|fewer than|less than|under|below|at most|after|before|since|by)\s+\$?(\d[\d,]*(?:\.\d+)?)\s*(k|m|b|thousand|million|billion)?\b/i;
const OPS: Record<string, Comparison['op']> = {
  'more than': '>',
  over: '>',
  above: '>',
  'greater than': '>',
  after: '>',
  'at least': '>=',
  since: '>=',
  'fewer than': '<',
  'less than': '<',
  under: '<',
  below: '<',
  before: '<',
  'at most': '<=',
  by: '<=',
};
const SCALE: Record<string, number> = { k: 1e3, thousand: 1e3, m: 1e6, million: 1e6, b: 1e9, billion: 1e9 };
const NEGATION = /\b(?:not|no|never|without|neither|nor)\b|n['’]t\b/i;

/** A word's term: its stem folded into its synonym group. */
export function termOf(word: string): string {
  const stem = stemmer(word.toLowerCase());
  return CANONICAL.get(stem) ?? stem;
}

/** Words of a text with "Series A"/"Round B" kept as one word ("series_a") and numbers as digits. */
export function wordsOf(text: string): { word: string; index: number }[] {
  const joined = text.replace(/\b(series|round)\s+([a-z])\b/gi, (_, a: string, b: string) => `${a}_${b}`.toLowerCase());
  // "1,000" is one number, written as "1000" wherever it appears.
  return [...joined.matchAll(/\d{1,3}(?:,\d{3})+(?!\d)|[\p{L}\p{N}_]+/gu)].map((m) => ({ word: m[0].replace(/,/g, ''), index: m.index }));
}

/** The terms of a condition's description; `entityType`'s own words are left out. */
export function conditionTerms(description: string, entityType: string): ConditionTerms {
  const entity = new Set([...ENTITY_WORDS, ...wordsOf(entityType).map((w) => stemmer(w.word.toLowerCase()))]);
  const match = COMPARISON.exec(description);
  const comparison = match ? { op: OPS[match[1].toLowerCase()], value: amount(match[2], match[3]), text: match[0] } : null;
  const rest = match ? description.replace(match[0], ' ') : description;
  const required = new Set<string>();
  const soft = new Set<string>();
  wordsOf(rest).forEach(({ word }, i) => {
    const lower = word.toLowerCase();
    if (STOP.has(lower) || entity.has(stemmer(lower))) return;
    if (/^\d/.test(word) || lower.includes('_') || (i > 0 && /^\p{Lu}/u.test(word))) required.add(/^\d/.test(word) ? lower : termOf(lower));
    else soft.add(termOf(lower));
  });
  for (const term of required) soft.delete(term);
  return { required: [...required], soft: [...soft], comparison, negated: NEGATION.test(description) };
}

/** A written amount as a number ("12", "m" → 12000000). */
export function amount(digits: string, scale?: string): number {
  return Number(digits.replace(/,/g, '')) * (scale ? (SCALE[scale.toLowerCase()] ?? 1) : 1);
}

/** Every amount written in a passage ("$12M" → 12000000, "2024" → 2024). */
export function amountsIn(passage: string): number[] {
  return [...passage.matchAll(/(\d[\d,]*(?:\.\d+)?)\s*(k|m|b|thousand|million|billion)?(?![\p{L}])/giu)].map((m) => amount(m[1], m[2]));
}

/** Whether a number satisfies a comparison. */
export function satisfies(value: number, comparison: Comparison): boolean {
  switch (comparison.op) {
    case '>':
      return value > comparison.value;
    case '>=':
      return value >= comparison.value;
    case '<':
      return value < comparison.value;
    case '<=':
      return value <= comparison.value;
  }
}

const NEGATORS = new Set(['not', 'no', 'never', 'without', 'neither', 'nor', 'cannot', 'isn', 'wasn', 'doesn', 'didn', 'hasn', 'haven', 'aren', 'weren']);

/** Whether a passage is negated near one of the terms (a negation within three words before it). */
export function negatedNear(passage: string, terms: ReadonlySet<string>): boolean {
  const words = wordsOf(passage).map((w) => w.word.toLowerCase());
  return words.some((word, i) => terms.has(termOf(word)) && words.slice(Math.max(0, i - 3), i).some((before) => NEGATORS.has(before)));
}

import { COUNT, parseCount } from './text.js';

/** One verifiable instruction found in a prompt, with the check that judges an output against it. */
export interface Instruction {
  /** The IFEval-style type, e.g. `length_constraints:number_words`. */
  type: string;
  /** The instruction as found in the prompt. */
  phrase: string;
  /** Where the phrase starts in the prompt (so unverifiable sentences can be told apart). */
  at: number;
  check(output: string): { followed: boolean; reason: string; sure?: boolean };
}

/** A way one instruction type is phrased: a pattern over the prompt and how a match becomes an instruction. */
export interface Phrasing {
  type: string;
  pattern: RegExp;
  build(match: RegExpExecArray, prompt: string): Omit<Instruction, 'type' | 'phrase' | 'at'> | undefined;
}

/** A comparison written in words: "at least", "fewer than", "exactly"… */
export interface Relation {
  label: string;
  test(actual: number, wanted: number): boolean;
}

const AT_LEAST: Relation = { label: 'at least', test: (a, w) => a >= w };
const MORE_THAN: Relation = { label: 'more than', test: (a, w) => a > w };
const AT_MOST: Relation = { label: 'at most', test: (a, w) => a <= w };
const LESS_THAN: Relation = { label: 'less than', test: (a, w) => a < w };
const EXACTLY: Relation = { label: 'exactly', test: (a, w) => a === w };

/** Pattern source for a relation phrase (captured). */
export const REL =
  '(at least|no less than|no fewer than|not less than|a minimum of|minimum of|at minimum|more than|over|' +
  'at most|no more than|not more than|a maximum of|maximum of|up to|within|less than|fewer than|under|below|' +
  'exactly|precisely|only|just)';

/** The relation a phrase names; "exactly" when none is written. */
export function relation(phrase: string | undefined): Relation {
  const p = (phrase ?? '').toLowerCase();
  if (/^(at least|no less than|no fewer than|not less than|a minimum of|minimum of|at minimum)$/.test(p)) return AT_LEAST;
  if (/^(more than|over)$/.test(p)) return MORE_THAN;
  if (/^(at most|no more than|not more than|a maximum of|maximum of|up to|within)$/.test(p)) return AT_MOST;
  if (/^(less than|fewer than|under|below)$/.test(p)) return LESS_THAN;
  return EXACTLY;
}

/** "N words or less/more" after the count. */
export function trailingRelation(suffix: string | undefined, fallback: Relation): Relation {
  if (!suffix) return fallback;
  return /less|fewer|under|below/i.test(suffix) ? AT_MOST : AT_LEAST;
}

/**
 * A counting instruction ("at least 300 words", "fewer than 5 sentences", "3 paragraphs or less",
 * "between 2 and 4 bullet points") over a unit named by `noun`, counted by `count`.
 */
export function countPhrasings(type: string, noun: string, count: (output: string) => number, unit: string): Phrasing[] {
  const check = (rel: Relation, wanted: number) => (output: string) => {
    const actual = count(output);
    return { followed: rel.test(actual, wanted), reason: `${actual} ${unit} (wanted ${rel.label} ${wanted})` };
  };
  return [
    {
      type,
      pattern: new RegExp(`\\b(?:between\\s+)?${COUNT}\\s*(?:and|to|-|–)\\s*${COUNT}\\s+${noun}`, 'gi'),
      build: (m) => {
        const low = parseCount(m[1]);
        const high = parseCount(m[2]);
        if (low === undefined || high === undefined) return undefined;
        return {
          check: (output) => {
            const actual = count(output);
            return { followed: actual >= low && actual <= high, reason: `${actual} ${unit} (wanted between ${low} and ${high})` };
          },
        };
      },
    },
    {
      type,
      pattern: new RegExp(`(?:\\b${REL}\\s+)?(?<![\\w-])${COUNT}(\\+)?[\\s-]+(?:[\\w-]+\\s+)?${noun}(\\s+or\\s+(?:less|fewer|more|under|below))?`, 'gi'),
      build: (m) => {
        const wanted = parseCount(m[2]);
        if (wanted === undefined || (/^an?$/i.test(m[2]) && !m[1])) return undefined;
        const rel = m[3] ? relation('at least') : trailingRelation(m[4], relation(m[1]));
        return { check: check(rel, wanted) };
      },
    },
  ];
}

/** Quoted strings in a phrase ("…", '…', “…”, `…`), or its comma/and-separated words when none are quoted. */
export function listedTerms(text: string): string[] {
  const quoted = [...text.matchAll(/["“'`‘]([^"”'`’]{1,60})["”'`’]/g)].map((m) => m[1].trim()).filter(Boolean);
  if (quoted.length > 0) return quoted;
  return text
    .split(/,|\band\b|\bor\b|\//i)
    .map((t) => t.replace(/[.:;!?]+$/, '').trim())
    .filter((t) => t && t.split(/\s+/).length <= 3);
}

/** Occurrences of a whole word or phrase, case-insensitive. */
export function occurrences(text: string, term: string): number {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return (text.match(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'giu')) ?? []).length;
}

/** Whitespace-folded, lower-cased text for comparisons that ignore layout. */
export function folded(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

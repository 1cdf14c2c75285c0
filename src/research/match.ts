import { stemmer } from 'stemmer';
import type { Problem } from '../errors.js';
import type { MatchSettings } from '../domain/monitor.js';

/** Limits of `settings.match`, so a filter stays cheap to run on every item. */
export const MATCH_LIMITS = { entries: 50, entryLength: 200, regexLength: 500 } as const;

const LISTS = ['any', 'all', 'none'] as const;
const TOKEN = /[\p{L}\p{N}]+/gu;
/**
 * A quantified group that itself contains a quantifier, such as `(a+)+` or `(\w*x)*`: the shape of
 * catastrophic backtracking, refused since the pattern runs on every item in the server.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;

/** Problems with a `settings.match` (Vigil extension): list sizes, blank or long phrases, the regex. */
export function checkMatch(match: MatchSettings | null | undefined, loc: (string | number)[]): Problem[] {
  if (!match) return [];
  const problems: Problem[] = [];
  for (const list of LISTS) {
    const phrases = match[list];
    if (phrases === undefined) continue;
    if (phrases.length > MATCH_LIMITS.entries) {
      problems.push({ loc: [...loc, list], msg: `at most ${MATCH_LIMITS.entries} phrases; got ${phrases.length}`, type: 'too_many' });
    }
    phrases.forEach((phrase, i) => {
      if (phrase.length > MATCH_LIMITS.entryLength) {
        problems.push({ loc: [...loc, list, i], msg: `phrases are at most ${MATCH_LIMITS.entryLength} characters`, type: 'too_long' });
      } else if (tokens(phrase).length === 0) {
        problems.push({ loc: [...loc, list, i], msg: 'must contain a letter or digit; empty and blank phrases match nothing', type: 'empty' });
      }
    });
  }
  if (match.regex !== undefined) problems.push(...checkRegex(match.regex, [...loc, 'regex']));
  return problems;
}

function checkRegex(regex: string, loc: (string | number)[]): Problem[] {
  if (regex.trim() === '') return [{ loc, msg: 'must be a non-empty regular expression', type: 'empty' }];
  if (regex.length > MATCH_LIMITS.regexLength) return [{ loc, msg: `at most ${MATCH_LIMITS.regexLength} characters`, type: 'too_long' }];
  try {
    new RegExp(regex, 'i');
  } catch (err) {
    return [{ loc, msg: `is not a valid regular expression: ${(err as Error).message}`, type: 'regex' }];
  }
  if (NESTED_QUANTIFIER.test(regex)) {
    return [{ loc, msg: 'nested quantifiers such as (a+)+ are refused: they can take exponential time', type: 'regex' }];
  }
  return [];
}

/**
 * True when text passes the filter: some `any` phrase occurs (when given), every `all` phrase
 * occurs, no `none` phrase occurs, and `regex` (case-insensitive) matches. Phrases match as whole
 * stemmed words in order ("price increase" matches "Prices increased"), case-insensitive.
 */
export function matchesFilter(match: MatchSettings | null | undefined, text: string): boolean {
  if (!match) return true;
  const words = tokens(text);
  const has = (phrase: string) => containsPhrase(words, tokens(phrase));
  if (match.any && match.any.length > 0 && !match.any.some(has)) return false;
  if (match.all && !match.all.every(has)) return false;
  if (match.none && match.none.some(has)) return false;
  if (match.regex && !new RegExp(match.regex, 'i').test(text)) return false;
  return true;
}

function tokens(text: string): string[] {
  return (text.toLowerCase().match(TOKEN) ?? []).map((word) => stemmer(word));
}

function containsPhrase(words: string[], phrase: string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= words.length; i += 1) {
    for (let j = 0; j < phrase.length; j += 1) if (words[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

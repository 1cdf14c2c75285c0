import type { Problem } from '../errors.js';
import type { MatchSettings } from '../domain/monitor.js';
import { compileUserRegex, userRegexProblem } from './regex-safety.js';
import { stems } from './relevance.js';

/** Limits of `settings.match`, so a filter stays cheap to run on every item. */
export const MATCH_LIMITS = { entries: 50, entryLength: 200, regexLength: 500 } as const;

const LISTS = ['any', 'all', 'none'] as const;

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
      } else if (stems(phrase).length === 0) {
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
  const problem = userRegexProblem(regex, { ignoreCase: true });
  return problem ? [{ loc, msg: problem, type: 'regex' }] : [];
}

/**
 * The filter as a test of text, its phrases stemmed and its regex compiled once (it runs on every
 * item): true when some `any` phrase occurs (when given), every `all` phrase occurs, no `none`
 * phrase occurs, and `regex` (case-insensitive, on RE2: linear time) matches. Phrases match as
 * whole stemmed words in order ("price increase" matches "Prices increased"), case-insensitive.
 * With `regex: false` the regex is left out (feed watching runs it in a parse worker).
 */
export function compileFilter(match: MatchSettings | null | undefined, options: { regex?: boolean } = {}): (text: string) => boolean {
  if (!match) return () => true;
  const phrases = (list: string[] | undefined) => (list ?? []).map(stems);
  const [any, all, none] = [phrases(match.any), phrases(match.all), phrases(match.none)];
  const regex = match.regex && options.regex !== false ? filterRegex(match.regex) : undefined;
  return (text) => {
    const words = stems(text);
    const has = (phrase: string[]) => containsPhrase(words, phrase);
    return (any.length === 0 || any.some(has)) && all.every(has) && !none.some(has) && (!regex || regex.test(text));
  };
}

/** A stored pattern that this engine refuses (accepted by an older version) fails the execution naming the setting. */
function filterRegex(pattern: string) {
  try {
    return compileUserRegex(pattern, { ignoreCase: true });
  } catch (err) {
    throw new Error(`settings.match.regex ${(err as Error).message}`);
  }
}

/** Whether text passes the filter (compileFilter, for one text). */
export const matchesFilter = (match: MatchSettings | null | undefined, text: string): boolean => compileFilter(match)(text);

function containsPhrase(words: string[], phrase: string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= words.length; i += 1) {
    for (let j = 0; j < phrase.length; j += 1) if (words[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

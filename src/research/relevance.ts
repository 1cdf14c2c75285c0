import { stemmer } from 'stemmer';

/**
 * Words that phrase the *request* rather than its subject ("Track new posts about X from Y").
 * Monitor queries are written as instructions to an assistant, so without this list every feed
 * item would match on "new" or "posts" and the filter would be useless. Compared before stemming,
 * so each inflection is listed explicitly: stemming would also swallow subjects ("findings").
 */
export const INSTRUCTION_WORDS: ReadonlySet<string> = new Set([
  'monitor',
  'monitors',
  'monitoring',
  'track',
  'tracking',
  'watch',
  'watching',
  'follow',
  'following',
  'alert',
  'alerts',
  'notify',
  'notification',
  'notifications',
  'tell',
  'let',
  'know',
  'inform',
  'find',
  'search',
  'look',
  'show',
  'send',
  'get',
  'give',
  'keep',
  'eye',
  'report',
  'please',
  'new',
  'newest',
  'latest',
  'recent',
  'recently',
  'any',
  'every',
  'all',
  'each',
  'post',
  'posts',
  'posted',
  'update',
  'updates',
  'updated',
  'news',
  'article',
  'articles',
  'item',
  'items',
  'entry',
  'entries',
  'story',
  'stories',
  'mention',
  'mentions',
  'mentioned',
  'publish',
  'published',
  'appear',
  'appears',
  'change',
  'changes',
  'happen',
  'happens',
  'about',
  'regarding',
  'related',
  'from',
  'on',
  'me',
  'us',
  'when',
  'whenever',
  'there',
  'is',
  'are',
  'etc',
  'anything',
  'everything',
  'something',
  'whatever',
]);

/** Ordinary English function words, which carry no topic either. */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'but',
  'nor',
  'not',
  'no',
  'of',
  'in',
  'into',
  'to',
  'for',
  'with',
  'without',
  'by',
  'at',
  'as',
  'if',
  'than',
  'then',
  'so',
  'such',
  'that',
  'this',
  'these',
  'those',
  'it',
  'its',
  'be',
  'been',
  'being',
  'was',
  'were',
  'am',
  'do',
  'does',
  'did',
  'has',
  'have',
  'had',
  'i',
  'my',
  'we',
  'our',
  'you',
  'your',
  'they',
  'their',
  'them',
  'he',
  'she',
  'his',
  'her',
  'what',
  'which',
  'who',
  'whom',
  'whose',
  'where',
  'why',
  'how',
  'can',
  'could',
  'will',
  'would',
  'should',
  'may',
  'might',
  'must',
  'shall',
  'up',
  'down',
  'out',
  'over',
  'under',
  'via',
  'per',
  'also',
  'just',
  'only',
  'more',
  'most',
  'some',
  'other',
  'own',
  'same',
  'very',
  'too',
  // Contraction stems left by tokenising on letters ("don't" → "don" + "t").
  'don',
  'doesn',
  'didn',
  'isn',
  'aren',
  'wasn',
  'weren',
  'haven',
  'hasn',
  'wouldn',
  'couldn',
  'shouldn',
  'ain',
  'll',
  've',
  're',
]);

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TOKEN_PATTERN = /[\p{L}\p{N}]+/gu;
const TRAILING_PUNCTUATION = /[.,;:!?'"]+$/;
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** URLs written in a query (http/https), trailing punctuation trimmed. */
export function extractUrls(text: string): string[] {
  const urls = new Set<string>();
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    if (URL.canParse(url)) urls.add(url);
  }
  return [...urls];
}

/** Strips sentence punctuation and unbalanced closing brackets ("(see https://x.y/a)."), keeping "…/Foo_(bar)". */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const trimmed = url.replace(TRAILING_PUNCTUATION, '');
    const last = trimmed.at(-1) ?? '';
    const opener = CLOSERS[last];
    if (opener !== undefined && count(trimmed, opener) < count(trimmed, last)) {
      url = trimmed.slice(0, -1);
    } else {
      return trimmed;
    }
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** Stemmed content terms of a query: URLs, stop words and INSTRUCTION_WORDS removed; empty when nothing remains. */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const word of words(query.replace(URL_PATTERN, ' '))) {
    if (INSTRUCTION_WORDS.has(word) || STOP_WORDS.has(word)) continue;
    // Lone letters are contraction/possessive debris ("don't" → "t", "OpenAI's" → "s").
    if (word.length === 1 && !/\p{N}/u.test(word)) continue;
    terms.add(stemmer(word));
  }
  return [...terms];
}

/** True when terms is empty, or when at least one term occurs (stemmed, case-insensitive, word boundaries) in text. */
export function matchesQuery(terms: readonly string[], text: string): boolean {
  if (terms.length === 0) return true;
  const found = new Set(stems(text));
  return terms.some((term) => found.has(term.toLowerCase()));
}

/** The stems of text's words, in order (lower-cased runs of letters and digits). */
export function stems(text: string): string[] {
  return words(text).map((word) => stemmer(word));
}

/** Lower-cased runs of Unicode letters and digits. */
function words(text: string): string[] {
  return text.toLowerCase().match(TOKEN_PATTERN) ?? [];
}

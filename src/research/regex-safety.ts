import { RE2JS } from 're2js';

/**
 * User-supplied regular expressions (`settings.match.regex`, task `x-regex` hints) run on RE2
 * (the pure-JS `re2js` port): its matching time is linear in the text whatever the pattern, so
 * `(a|a)+$` or `((a)+)+$` cannot stall the server the way a backtracking engine would. Node cannot
 * interrupt a running RegExp, so no heuristic over the pattern is trusted instead. RE2 refuses the
 * constructs that need backtracking (backreferences, lookahead, lookbehind); such patterns are
 * refused when the monitor or run is created, naming the construct.
 */

/** A compiled user pattern: the subset of RegExp that Vigil uses, matching in linear time. */
export interface UserRegex {
  test(text: string): boolean;
  /** The first match (index 0) and its groups, or null. */
  exec(text: string): RegExpMatchArray | null;
  /** Every non-overlapping match, in order. */
  matchAll(text: string): IterableIterator<RegExpMatchArray>;
}

/** Flags a user pattern may carry (JavaScript's letters); `g` and `y` are implied by the method used. */
export interface UserRegexFlags {
  ignoreCase?: boolean;
  multiline?: boolean;
  dotAll?: boolean;
}

/**
 * RE2's time is linear in the text and in the compiled pattern's size, and compiling is linear in
 * that size too, so the size is bounded: counted repetitions ({n}, {n,m}) multiply it.
 */
export const USER_REGEX_LIMITS = { length: 1000, repetitions: 1000, programSize: 5000 } as const;

const COUNTED = /\{(\d+)(?:,(\d*))?\}/g;

/** A pattern the linear-time engine cannot run: why, in words that name the rule. */
export class UserRegexError extends Error {}

/**
 * Compiles a user pattern written in JavaScript syntax for RE2. Throws UserRegexError naming
 * the rule: not a valid regular expression, or a construct only a backtracking engine runs.
 */
export function compileUserRegex(pattern: string, flags: UserRegexFlags = {}): UserRegex {
  checkSize(pattern);
  let translated: string;
  try {
    translated = RE2JS.translateRegExp(pattern);
  } catch {
    translated = pattern;
  }
  const bits = (flags.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) | (flags.multiline ? RE2JS.MULTILINE : 0) | (flags.dotAll ? RE2JS.DOTALL : 0);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translated, bits);
  } catch (err) {
    throw new UserRegexError(refusal(pattern, err));
  }
  if (compiled.programSize() > USER_REGEX_LIMITS.programSize) {
    throw new UserRegexError(`is too large for the linear-time engine: ${compiled.programSize()} instructions; at most ${USER_REGEX_LIMITS.programSize}`);
  }
  return compiled as unknown as UserRegex;
}

/** Refuses, before compiling, a pattern whose compiled size would be large (compiling takes time too). */
function checkSize(pattern: string): void {
  if (pattern.length > USER_REGEX_LIMITS.length) {
    throw new UserRegexError(`is ${pattern.length} characters long; at most ${USER_REGEX_LIMITS.length}`);
  }
  let total = 0;
  for (const m of pattern.matchAll(COUNTED)) total += Math.max(Number(m[1]), Number(m[2] || 0));
  if (total > USER_REGEX_LIMITS.repetitions) {
    throw new UserRegexError(
      `has counted repetitions ({n}, {n,m}) adding up to ${total}; at most ${USER_REGEX_LIMITS.repetitions} (each multiplies the engine's work)`,
    );
  }
}

/** Why a pattern is refused, or null when the linear-time engine runs it. */
export function userRegexProblem(pattern: string, flags: UserRegexFlags = {}): string | null {
  try {
    compileUserRegex(pattern, flags);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function refusal(pattern: string, err: unknown): string {
  const reason = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
  try {
    new RegExp(pattern, 'u');
  } catch {
    try {
      new RegExp(pattern);
    } catch (jsErr) {
      return `is not a valid regular expression: ${(jsErr as Error).message}`;
    }
  }
  return (
    `uses a construct the linear-time regular expression engine (RE2) refuses (${reason}): ` +
    'backreferences, lookahead and lookbehind are not supported because they can take exponential time'
  );
}

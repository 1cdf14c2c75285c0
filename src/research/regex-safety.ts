/**
 * A group that holds a quantifier and is itself quantified ("(a+)+", "(\w*\s?)*", "(a{2,})+"): the
 * classic shape of exponential backtracking. Node cannot interrupt a running regex, and user patterns
 * (`settings.match.regex`, `x-regex` hints) run inside the server, so such patterns are refused.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;

/** Whether a user's pattern has the nested-quantifier shape that can take exponential time. */
export function isRiskyPattern(pattern: string): boolean {
  return NESTED_QUANTIFIER.test(pattern);
}

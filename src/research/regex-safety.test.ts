import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileUserRegex, userRegexProblem } from './regex-safety.js';

/**
 * The classic catastrophic families and an input that makes a backtracking engine take
 * exponential (or high polynomial) time: each finishes here because RE2 matches in linear time.
 * A backtracking engine does not finish these within the test's timeout (tried with RegExp).
 */
const CATASTROPHIC: [pattern: string, input: string, matches: boolean][] = [
  ['(a|a)+$', `AI ${'a'.repeat(40)}!`, false],
  ['((a)+)+$', `${'a'.repeat(40)}!`, false],
  ['(.*a){12}$', `${'a'.repeat(5000)}!`, false],
  ['(a+)+$', `${'a'.repeat(40)}!`, false],
  ['(\\w+\\s?)*$', `${'word '.repeat(2000)}!`, true],
  ['^(a|aa)+$', `${'a'.repeat(60)}!`, false],
  ['^(\\w+\\s?)+$', `${'an item title '.repeat(200)}!`, false],
  ['(x+x+)+y', 'x'.repeat(100_000), false],
  ['^(([a-z])+.)+[A-Z]([a-z])+$', `${'aaaaaaaaaaaaaaaaaaaaaaaa'.repeat(20)}!`, false],
  ['(a*)*b', 'a'.repeat(100_000), false],
];

test('the catastrophic regex families run to the end on long adversarial input', { timeout: 30_000 }, () => {
  for (const [pattern, input, expected] of CATASTROPHIC) {
    assert.equal(userRegexProblem(pattern, { ignoreCase: true }), null, pattern);
    assert.equal(compileUserRegex(pattern, { ignoreCase: true }).test(input), expected, pattern);
  }
});

test('matching follows JavaScript syntax and flags: groups, matchAll, case, multiline, dotAll', () => {
  assert.deepEqual(compileUserRegex('price:\\s*(\\d+)', { ignoreCase: true }).exec('Outlet PRICE: 42 EUR')?.slice(0, 2), ['PRICE: 42', '42']);
  assert.deepEqual(
    [...compileUserRegex('v(\\d+)').matchAll('v1 v22 v333')].map((m) => m[1]),
    ['1', '22', '333'],
  );
  assert.equal(compileUserRegex('^b').test('a\nb'), false);
  assert.equal(compileUserRegex('^b', { multiline: true }).test('a\nb'), true);
  assert.equal(compileUserRegex('a.b').test('a\nb'), false);
  assert.equal(compileUserRegex('a.b', { dotAll: true }).test('a\nb'), true);
  assert.equal(compileUserRegex('caf\\u00e9').test('café'), true);
});

test('patterns only a backtracking engine runs are refused, naming the rule', () => {
  for (const [pattern, construct] of [
    ['(a)\\1', '\\\\1'],
    ['a(?=b)', '\\(\\?='],
    ['a(?!b)', '\\(\\?!'],
    ['(?<=a)b', 'lookbehind|\\(\\?<'],
  ]) {
    const problem = userRegexProblem(pattern);
    assert.ok(problem, pattern);
    assert.match(problem, /linear-time regular expression engine \(RE2\) refuses/, pattern);
    assert.match(problem, new RegExp(construct), pattern);
  }
  assert.match(userRegexProblem('(unclosed')!, /^is not a valid regular expression: /);
});

test('patterns whose compiled size would make matching or compiling slow are refused, naming the rule', () => {
  assert.match(userRegexProblem('a{1000}'.repeat(3))!, /counted repetitions \(\{n\}, \{n,m\}\) adding up to 3000; at most 1000/);
  assert.match(userRegexProblem('x'.repeat(1001))!, /is 1001 characters long; at most 1000/);
  assert.equal(userRegexProblem('[\\s\\S]{300}'.repeat(3)), null, 'up to 1000 counted repetitions are fine');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMatch, matchesFilter } from './match.js';

test('matchesFilter: any, all, none as stemmed phrases; regex case-insensitive', () => {
  const text = 'Acme raises prices for Pro plans\nhttps://acme.test/blog/pricing';
  assert.ok(matchesFilter({ any: ['price increase', 'pro plan'] }, text));
  assert.ok(!matchesFilter({ any: ['enterprise'] }, text));
  assert.ok(matchesFilter({ all: ['acme', 'price'] }, text));
  assert.ok(!matchesFilter({ all: ['acme', 'enterprise'] }, text));
  assert.ok(!matchesFilter({ none: ['pro plans'] }, text));
  assert.ok(matchesFilter({ regex: '/BLOG/' }, text));
  assert.ok(!matchesFilter({ regex: '^beta' }, text));
  assert.ok(matchesFilter(undefined, text));
});

test('checkMatch names the field and rule', () => {
  const loc = ['body', 'settings', 'match'];
  assert.deepEqual(
    checkMatch({ any: ['ok', '  '] }, loc).map((p) => [p.loc.join('.'), p.type]),
    [['body.settings.match.any.1', 'empty']],
  );
  assert.equal(checkMatch({ none: Array.from({ length: 51 }, (_, i) => `w${i}`) }, loc)[0].type, 'too_many');
  assert.equal(checkMatch({ regex: '(unclosed' }, loc)[0].type, 'regex');
  assert.match(checkMatch({ regex: '(?<!x)y' }, loc)[0].msg, /RE2\) refuses .*lookbehind/);
  assert.deepEqual(checkMatch({ regex: '(a+)+$' }, loc), [], 'nested quantifiers run in linear time on RE2');
  assert.deepEqual(checkMatch({ any: ['x'], regex: '^release v\\d+' }, loc), []);
});

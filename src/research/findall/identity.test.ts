import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalUrl, normalisedName, SeenEntities } from './identity.js';

test('canonical URLs: tracking parameters, fragment, default port and trailing slash dropped; the root keeps its slash', () => {
  assert.equal(canonicalUrl('HTTPS://Example.test:443/a/b/?utm_source=x&b=2&a=1#top'), 'https://example.test/a/b?a=1&b=2');
  assert.equal(canonicalUrl('https://example.test'), 'https://example.test/');
  assert.equal(canonicalUrl('https://example.test/'), 'https://example.test/');
});

test('normalised names: case, accents, punctuation, "&" and legal suffixes', () => {
  assert.equal(normalisedName('Acme Robotics GmbH'), 'acme robotics');
  assert.equal(normalisedName('  ACME   robotics, Inc.'), 'acme robotics');
  assert.equal(normalisedName('Müller & Söhne AG'), 'muller and sohne');
  assert.equal(normalisedName('Inc'), 'inc');
});

test('seen entities: merged within a page, skipped across pages, name-only keys', () => {
  const seen = new SeenEntities([{ name: 'Excluded Ltd', url: '' }]);
  const first = seen.admit(
    [
      { name: 'Acme', url: 'https://a.test/acme', description: null, via: 'table' },
      { name: 'ACME GmbH', url: null, description: 'Robots.', via: 'listing' },
      { name: 'Excluded', url: 'https://a.test/x', description: null, via: 'table' },
      { name: 'Nameless Co', url: null, description: null, via: 'table' },
    ],
    'https://a.test/list',
  );
  assert.deepEqual(first, [
    { key: 'https://a.test/acme', name: 'Acme', url: 'https://a.test/acme', description: 'Robots.' },
    { key: 'name:nameless', name: 'Nameless Co', url: 'https://a.test/list', description: null },
  ]);
  assert.deepEqual(seen.admit([{ name: 'Other name', url: 'https://a.test/acme/', description: null, via: 'feed' }], 'https://a.test/feed'), []);
});

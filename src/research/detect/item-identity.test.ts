import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SourcedItem } from '../items/sourced-item.js';
import { keyItems, novelItems } from './item-identity.js';

const item = (fields: Partial<SourcedItem>): SourcedItem => ({
  guid: null,
  link: null,
  title: null,
  summary: null,
  author: null,
  publishedAt: null,
  feedUrl: 'https://feed.test/a.xml',
  feedTitle: null,
  ...fields,
});
const STORY = 'Acme AI raised a fifty million dollar Series B round led by Example Ventures to expand its research team in Berlin';

test('identity degrades from a shared guid to the link, and from a shared link to the text', () => {
  const keyed = keyItems([
    item({ guid: 'g', link: 'https://x.test/1', title: 'One' }),
    item({ guid: 'g', link: 'https://x.test/2', title: 'Two' }),
    item({ link: 'https://x.test/', title: 'Status: all good' }),
    item({ link: 'https://x.test/', title: 'Status: degraded' }),
  ]);
  assert.equal(new Set(keyed.flatMap((k) => k.keys)).size, 4, 'four items, four identities');
  assert.equal(keyed[0].keys.length, 1, 'the shared guid is dropped, the link kept');
});

test('a changed tracking parameter, another guid for the same link, or a trivial edit is no new item', () => {
  const before = keyItems([item({ guid: 'a-1', link: 'https://x.test/story?utm_source=rss', title: 'Story', summary: STORY })]);
  const seen = new Set(before.flatMap((k) => k.keys));
  const prints = novelItems(before, new Set(), []).fingerprints.map((f) => f.simhash);
  const later = keyItems([
    item({ guid: 'b-9', feedUrl: 'https://other.test/feed', link: 'https://X.test/story?fbclid=1#comments', title: 'Story' }),
    item({ guid: 'c-3', link: 'https://mirror.test/acme', title: 'Story', summary: `${STORY}!` }),
    item({ guid: 'd-4', link: 'https://x.test/other', title: 'Other', summary: 'Beta Corp released version two of its database with faster queries today' }),
  ]);
  const novelty = novelItems(later, seen, prints);
  assert.deepEqual(
    novelty.fresh.map((i) => i.link),
    ['https://x.test/other'],
  );
  assert.ok(novelty.seenKeys.length >= 4, 'every new key of every item is remembered');
  assert.ok(
    novelty.seenKeys.every((key) => !seen.has(key)),
    'keys recorded before are not written again',
  );
});

test('within one execution the first of several duplicates is kept', () => {
  const novelty = novelItems(
    keyItems([
      item({ link: 'https://x.test/s?utm_campaign=a', title: 'S' }),
      item({ feedUrl: 'https://b.test/', link: 'https://x.test/s?utm_campaign=b', title: 'S again' }),
    ]),
    new Set(),
    [],
  );
  assert.deepEqual(
    novelty.fresh.map((i) => i.title),
    ['S'],
  );
});

test("a shadow (a page's other form) is never reported and decides nothing, but its keys are remembered", () => {
  const shadow = item({ link: 'https://x.test/post', title: 'A post', summary: STORY, shadow: true });
  const novelty = novelItems(
    keyItems([
      shadow,
      item({ identity: 'block:paragraph:a post', summary: 'A post' }),
      item({ feedUrl: 'https://b.test/', link: 'https://x.test/post', title: 'A post', summary: STORY }),
    ]),
    new Set(),
    [],
  );
  assert.deepEqual(
    novelty.fresh.map((i) => i.summary),
    ['A post', STORY],
    'the feed item with the shadow link is still news',
  );
  assert.ok(
    keyItems([shadow])[0].keys.every((key) => novelty.seenKeys.includes(key)),
    "the shadow's keys are recorded",
  );
  assert.ok(novelty.fingerprints.length === 1, 'only the reported story leaves a fingerprint');
});

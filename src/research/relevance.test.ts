import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractUrls, matchesQuery, queryTerms } from './relevance.js';

test('extractUrls trims trailing punctuation and unbalanced brackets, keeps order, de-duplicates', () => {
  assert.deepEqual(extractUrls('New posts about Rust async runtimes from https://blog.example.com/feed.xml.'), ['https://blog.example.com/feed.xml']);
  assert.deepEqual(
    extractUrls(
      'Watch (see https://en.wikipedia.org/wiki/Rust_(programming_language)), http://a.example/x?y=1, ' +
        'ftp://files.example/ and "https://a.example/q" plus https://blog.example.com/feed.xml!',
    ),
    ['https://en.wikipedia.org/wiki/Rust_(programming_language)', 'http://a.example/x?y=1', 'https://a.example/q', 'https://blog.example.com/feed.xml'],
  );
  assert.deepEqual(extractUrls('Track AI startup funding announcements'), []);
});

test('queryTerms strips the URL and instruction words, and stems what is left', () => {
  assert.deepEqual(queryTerms('New posts about Rust async runtimes from https://blog.example.com/feed.xml'), ['rust', 'async', 'runtim']);
  assert.deepEqual(queryTerms('Track AI startup funding announcements'), ['ai', 'startup', 'fund', 'announc']);
  assert.deepEqual(queryTerms("Tell me about OpenAI's newest models, and don't miss GPT-5"), ['openai', 'model', 'miss', 'gpt', '5']);
});

test('instruction-only queries give no terms, and no terms matches everything', () => {
  const terms = queryTerms('Notify me when there are new posts on https://blog.example.com/feed.xml');
  assert.deepEqual(terms, []);
  assert.deepEqual(queryTerms('Anything new from https://example.com/feed'), []);
  assert.equal(matchesQuery(terms, 'Anything at all'), true);
  assert.equal(matchesQuery(terms, ''), true);
});

test('funding query matches a funding headline via stemming', () => {
  const terms = queryTerms('Track AI startup funding announcements');
  assert.equal(matchesQuery(terms, 'Acme raises $50M in funding'), true);
  assert.equal(matchesQuery(terms, 'Investors FUND a new robotics lab'), true);
  assert.equal(matchesQuery(terms, 'Weather forecast for Tuesday'), false);
});

test('matching is on whole words, case-insensitive, stemmed on the text side too', () => {
  assert.equal(matchesQuery(['ai'], 'The maintainer said nothing'), false);
  assert.equal(matchesQuery(['ai'], 'New AI model released'), true);
  assert.equal(matchesQuery(['rust'], 'Building trust in open source'), false);
  assert.equal(matchesQuery(['rust'], 'RUST 1.80 is out'), true);
  assert.equal(matchesQuery(queryTerms('async runtimes'), 'Choosing a runtime for your service'), true);
});

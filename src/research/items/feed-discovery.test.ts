import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverFeedLinks } from './feed-discovery.js';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Example Site</title>
  <base href="https://cdn.example.com/site/">
  <base href="https://ignored.example.com/">
  <link rel="stylesheet" href="style.css">
  <link rel="alternate" type="application/rss+xml" title="RSS" href="feed.xml">
  <link rel="alternate" hreflang="fr" href="/fr/">
  <link rel="ALTERNATE" type="application/atom+xml; charset=utf-8" href="https://other.example.org/atom">
  <link rel="alternate" type="application/rss+xml" title="RSS again" href="https://cdn.example.com/site/feed.xml">
  <link rel="alternate" type="text/html" href="/mobile">
  <link rel="alternate" type="application/feed+json" href="javascript:alert(1)">
</head>
<body>
  <a rel="alternate" type="application/rss+xml" href="/anchors-do-not-count.xml">feed</a>
</body>
</html>`;

test('finds two advertised feeds, honouring the first <base href> and de-duplicating', () => {
  assert.deepEqual(discoverFeedLinks(PAGE, 'https://www.example.com/blog/post'), ['https://cdn.example.com/site/feed.xml', 'https://other.example.org/atom']);
});

test('without <base>, hrefs resolve against the page URL; JSON Feed types included', () => {
  const html = `<html><head>
    <link rel="alternate" type="application/feed+json" href="/feed.json">
    <link rel="alternate feed" type="application/json" href="../all.json">
    <link rel="alternate" type="application/atom+xml" href="">
  </head><body></body></html>`;
  assert.deepEqual(discoverFeedLinks(html, 'https://www.example.com/blog/post'), ['https://www.example.com/feed.json', 'https://www.example.com/all.json']);
});

test('a relative <base href> is resolved against the page URL', () => {
  const html = '<head><base href="/news/"><link rel="alternate" type="application/rss+xml" href="rss"></head>';
  assert.deepEqual(discoverFeedLinks(html, 'https://example.org/a/b'), ['https://example.org/news/rss']);
});

test('pages without feed links give an empty list', () => {
  assert.deepEqual(discoverFeedLinks('<p>No feeds here</p>', 'https://example.org/'), []);
  assert.deepEqual(discoverFeedLinks('', 'https://example.org/'), []);
});

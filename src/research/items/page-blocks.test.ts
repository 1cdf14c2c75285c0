import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockIdentity, extractPage } from './page-blocks.js';

const page = (main: string, chrome = { nav: 'Home', ad: 'Buy now', clock: '12:04 UTC' }) => `<!doctype html>
<html><head><title>Acme changelog</title></head><body>
<header><a href="/">Acme</a><nav><a href="/docs">${chrome.nav}</a></nav></header>
<div id="cookie-consent">We use cookies. <button>Accept</button></div>
<main>
  <h1 id="changelog">Changelog</h1>
  <p class="meta">Updated 3 minutes ago</p>
  <p>Last updated: <time>2026-11-23</time> ${chrome.clock}</p>
  ${main}
  <div class="ad-slot">${chrome.ad}</div>
  <aside>Popular: something</aside>
</main>
<footer>© 2026 Acme · <span>Rendered Mon Nov 23 2026 ${chrome.clock}</span></footer>
</body></html>`;

const MAIN = `<h2 id="v2">Version 2.0</h2><p>We shipped <a href="/api">the new API</a> today.</p>
<ul><li>Faster builds</li><li>New <b>dashboard</b></li></ul>
<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>$10</td></tr></table>`;

test('splits main content into headings, paragraphs, list items and table rows; chrome is left out', () => {
  const { title, blocks, entries } = extractPage(page(MAIN), 'http://127.0.0.1/changelog');
  assert.equal(title, 'Acme changelog');
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.text]),
    [
      ['heading', 'Changelog'],
      ['heading', 'Version 2.0'],
      ['paragraph', 'We shipped the new API today.'],
      ['item', 'Faster builds'],
      ['item', 'New dashboard'],
      ['row', 'Plan | Price'],
      ['row', 'Pro | $10'],
    ],
  );
  assert.equal(blocks[2].anchor, 'v2', 'blocks carry the id of the heading above');
  assert.equal(blocks[2].section, 'Version 2.0');
  assert.deepEqual(blocks[2].links, [{ url: 'http://127.0.0.1/api', text: 'the new API' }]);
  assert.deepEqual(entries, [], 'a changelog of prose is not a listing');
});

test('identities are unchanged when only navigation, ads and clocks change', () => {
  const a = extractPage(page(MAIN), 'http://127.0.0.1/c').blocks.map(blockIdentity);
  const b = extractPage(page(MAIN, { nav: 'Pricing', ad: 'Sale ends today', clock: '18:31:07 UTC' }), 'http://127.0.0.1/c').blocks.map(blockIdentity);
  assert.deepEqual(b, a);
});

test('a listing page gives one entry per link, with the text after it as summary', () => {
  const posts = [1, 2, 3, 4]
    .map(
      (i) => `<article><h2><a href="/posts/${i}?utm_source=home">Post number ${i}</a></h2>
    <p>Excerpt of post ${i}.</p><p class="byline">Nov ${i}, 2026</p></article>`,
    )
    .join('');
  const { entries } = extractPage(`<html><body><h1>Blog</h1>${posts}</body></html>`, 'http://127.0.0.1/blog');
  assert.deepEqual(
    entries.map((e) => [e.url, e.title, e.summary]),
    [1, 2, 3, 4].map((i) => [`http://127.0.0.1/posts/${i}?utm_source=home`, `Post number ${i}`, `Excerpt of post ${i}.`]),
  );
});

test('an article with a few links in its prose is not a listing', () => {
  const prose = [1, 2, 3, 4, 5, 6].map((i) => `<p>Paragraph ${i} mentions <a href="/r/${i}">a reference</a> among much longer prose text.</p>`).join('');
  const { entries, blocks } = extractPage(
    `<html><body><main>${prose}<ul><li><a href="/x">See also this</a></li></ul></main></body></html>`,
    'http://127.0.0.1/a',
  );
  assert.deepEqual(entries, []);
  assert.equal(blocks.length, 7);
});

test('cards whose link wraps their heading and excerpt are listing entries too', () => {
  const intro = '<p>Our latest writing, newest first.</p>';
  const cards = [1, 2, 3, 4].map((i) => `<a class="card" href="/posts/${i}"><div><h3>Post number ${i}</h3><p>Excerpt of post ${i}.</p></div></a>`).join('');
  const { entries } = extractPage(`<html><body><main>${intro}${cards}</main></body></html>`, 'http://127.0.0.1/blog');
  assert.deepEqual(
    entries.map((e) => [e.url, e.title, e.summary]),
    [1, 2, 3, 4].map((i) => [`http://127.0.0.1/posts/${i}`, `Post number ${i}`, `Excerpt of post ${i}.`]),
  );
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkJsonDepth, checkMarkupDepth, DEFAULT_PARSE_LIMITS, setParseLimits, SourceLimitError } from './parse-limits.js';
import { parseJsonItems } from './items/json-items.js';
import { extractPage } from './items/page-blocks.js';
import { parsePage, textLines } from './fields/parsed-page.js';

after(() => setParseLimits(DEFAULT_PARSE_LIMITS));

const nested = (depth: number, inner: string) => `<!doctype html><html><body>${'<div>'.repeat(depth)}${inner}${'</div>'.repeat(depth)}</body></html>`;

test('markup nested past the depth limit fails before any parser builds its tree, naming the limit', () => {
  assert.throws(
    () => checkMarkupDepth(nested(100_000, 'x'), 'the page'),
    (err: Error) => err instanceof SourceLimitError && err.message === 'the page nests elements more than 512 levels deep (the limit)',
  );
  assert.throws(() => extractPage(nested(600, '<p>AI</p>'), 'http://x.test/'), /nests elements more than 512 levels deep/);
  assert.throws(() => parsePage({ url: 'http://x.test/', body: nested(600, 'x') }), /nests elements more than 512 levels deep/);
});

test('sloppy markup is not over-counted: unclosed list items, paragraphs, rows, void elements, comments, scripts', () => {
  const items = '<ul>' + '<li>item <br><img src=x>'.repeat(2000) + '</ul>';
  const paras = '<p>para'.repeat(2000);
  const rows = '<table>' + '<tr><td>a<td>b'.repeat(2000) + '</table>';
  const script = `<script>${'<div>'.repeat(2000)}</script><style>${'<div>'.repeat(2000)}</style><!-- ${'<div>'.repeat(2000)} -->`;
  assert.doesNotThrow(() => checkMarkupDepth(`<html><body>${items}${paras}${rows}${script}<p>end</p></body></html>`, 'the page'));
  assert.doesNotThrow(() => checkMarkupDepth(nested(500, 'x'), 'the page'));
});

test('page walkers are iterative: a page nested far deeper than the call stack allows is read when the limit allows it', () => {
  setParseLimits({ ...DEFAULT_PARSE_LIMITS, maxDepth: 1_000_000 });
  try {
    const page = extractPage(nested(20_000, '<p>AI deep paragraph</p>'), 'http://x.test/');
    assert.deepEqual(
      page.blocks.map((b) => b.text),
      ['AI deep paragraph'],
    );
    const parsed = parsePage({ url: 'http://x.test/', body: nested(20_000, '<p>AI deep</p>') });
    assert.deepEqual(textLines(parsed.$('body')[0]), ['AI deep']);
  } finally {
    setParseLimits(DEFAULT_PARSE_LIMITS);
  }
});

test('JSON nested past the depth limit, or with too many items, fails naming the limit', () => {
  assert.throws(() => checkJsonDepth(JSON.parse(`${'['.repeat(600)}${']'.repeat(600)}`), 'the JSON document'), /nests JSON more than 512 levels deep/);
  assert.throws(
    () => parseJsonItems(`[${Array(5001).fill('{}').join(',')}]`, 'http://x.test/'),
    /the JSON document holds 5,001 items; at most 5,000 are read from one source \(VIGIL_PARSE_MAX_ITEMS\)/,
  );
  assert.equal(parseJsonItems(`[${Array(5000).fill('{"id":1}').join(',')}]`, 'http://x.test/')?.length, 5000);
});

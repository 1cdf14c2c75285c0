import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskOutput } from '../../domain/event.js';
import { diffSnapshots } from './snapshot-diff.js';

const json = (content: Record<string, unknown>): TaskOutput => ({
  type: 'json',
  content,
  basis: Object.keys(content).map((field) => ({ field, citations: [], reasoning: `found ${field}`, confidence: 'high' as const })),
});

describe('diffSnapshots', () => {
  it('reports only the changed fields, each with its basis', () => {
    const changed = diffSnapshots(json({ a: '$10', b: '$25', c: 'x' }), json({ a: '$10', b: '$29', c: 'x' }));
    assert.deepEqual(changed?.content, { b: '$29' });
    assert.deepEqual(
      changed?.basis.map((b) => b.field),
      ['b'],
    );
  });

  it('treats whitespace, number formatting and key order as no change', () => {
    assert.equal(diffSnapshots(json({ a: ' $1,299.00\n', b: 3, c: { x: 1, y: 2 } }), json({ a: '$1299', b: '3', c: { y: 2, x: 1 } })), null);
  });

  it('compares lists in order unless the schema marks them unordered', () => {
    const before = json({ tags: ['a', 'b'] });
    const after = json({ tags: ['b', 'a'] });
    assert.deepEqual(diffSnapshots(before, after)?.content, { tags: ['b', 'a'] });
    const schema = { type: 'object', properties: { tags: { type: 'array', 'x-unordered': true, items: { type: 'string' } } } };
    assert.equal(diffSnapshots(before, after, schema), null);
  });

  it('reports a field that disappears as null, and a real number change', () => {
    assert.deepEqual(diffSnapshots(json({ a: '1', b: '2' }), json({ a: '1' }))?.content, { b: null });
    assert.deepEqual(diffSnapshots(json({ n: 1299 }), json({ n: 1299.5 }))?.content, { n: 1299.5 });
  });

  it('compares text outputs whole, and reports everything when there is no earlier snapshot', () => {
    const text = (content: string): TaskOutput => ({ type: 'text', content, basis: [] });
    assert.equal(diffSnapshots(text('Hello  world'), text('Hello world\n')), null);
    assert.deepEqual(diffSnapshots(text('Hello'), text('Goodbye'))?.content, 'Goodbye');
    assert.deepEqual(diffSnapshots(null, json({ a: 1 }))?.content, { a: 1 });
  });
});

describe('diffSnapshots on text', () => {
  it('ignores clock times, dates and relative times in a text output, and reports a real change', () => {
    const text = (content: string): TaskOutput => ({ type: 'text', content, basis: [] });
    assert.equal(diffSnapshots(text('All good. Checked 12:04 UTC, 3 minutes ago'), text('All good. Checked 12:09 UTC, 8 minutes ago')), null);
    assert.equal(diffSnapshots(text('Status on 2026-11-22'), text('Status on 2026-11-23')), null);
    assert.deepEqual(diffSnapshots(text('All good.'), text('Degraded API.'))?.content, 'Degraded API.');
  });
});

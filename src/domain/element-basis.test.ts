import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsElementBasis, withElementBasis } from './element-basis.js';

test('the field-basis beta is recognised in a comma-separated parallel-beta header', () => {
  assert.equal(wantsElementBasis('events-sse-2025-07-24, field-basis-2025-11-25'), true);
  assert.equal(wantsElementBasis(['webhook-2025-08-12', 'field-basis-2025-11-25']), true);
  assert.equal(wantsElementBasis('field-basis'), false);
  assert.equal(wantsElementBasis(undefined), false);
});

test('list fields get one entry per element after their own; other fields and text outputs are untouched', () => {
  const citation = { url: 'https://acme.test/team', title: 'Team', excerpts: ['Jane Smith, CFO', 'John Doe, CTO'] };
  const output = {
    type: 'json' as const,
    content: { company: 'Acme', executives: ['Jane Smith', 'Ann Lee'], offices: [] },
    basis: [
      { field: 'company', citations: [citation], reasoning: 'JSON-LD Organization.name.', confidence: 'high' as const },
      { field: 'executives', citations: [citation], reasoning: "List under heading 'Team'.", confidence: 'medium' as const },
      { field: 'offices', citations: [citation], reasoning: 'Empty list.', confidence: 'low' as const },
    ],
  };
  const basis = withElementBasis(output).basis;
  assert.deepEqual(
    basis.map((b) => b.field),
    ['company', 'executives', 'executives.0', 'executives.1', 'offices'],
  );
  assert.deepEqual(basis[2], {
    field: 'executives.0',
    citations: [{ ...citation, excerpts: ['Jane Smith, CFO'] }],
    reasoning: "Element 1 of 2 of executives. List under heading 'Team'.",
    confidence: 'medium',
  });
  assert.deepEqual(basis[3].citations[0].excerpts, ['Ann Lee'], 'no list excerpt holds it: its own text');
  const text = { type: 'text' as const, content: 'x', basis: [{ field: 'output', citations: [], reasoning: 'r' }] };
  assert.equal(withElementBasis(text), text);
});

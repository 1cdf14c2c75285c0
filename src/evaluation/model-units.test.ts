import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_UNITS, passagesFor, segmentsOf, unitsOf } from './model-units.js';
import { passesFor } from './model-judge.js';

describe('model judge units', () => {
  it('keeps distinct, non-empty string units, at most MAX_UNITS', () => {
    assert.deepEqual(unitsOf({ units: [' A claim. ', '', 'A claim.', 7, 'Another.'] }), ['A claim.', 'Another.']);
    assert.deepEqual(unitsOf({}), []);
    assert.equal(unitsOf({ units: Array.from({ length: 40 }, (_, i) => `claim ${i}`) }).length, MAX_UNITS);
  });

  it('gives all short evidence, and of long evidence the sentences that share most words with the unit, in their order', () => {
    assert.deepEqual(passagesFor('Acme was founded in 2019.', ['Acme was founded in 2019.', 'It has 40 staff.']), [
      'Acme was founded in 2019.',
      'It has 40 staff.',
    ]);
    const filler = Array.from({ length: 50 }, (_, i) => `Filler sentence number ${i} says nothing of note.`).join(' ');
    const picked = passagesFor('Where is Acme headquartered?', [`${filler} Acme is headquartered in Berlin. ${filler}`], 200);
    assert.ok(picked.includes('Acme is headquartered in Berlin.'), JSON.stringify(picked));
    assert.ok(picked.join(' ').length <= 200);
  });

  it('cuts an output into sentence-aligned segments, about MAX_UNITS at most', () => {
    assert.deepEqual(segmentsOf('One. Two.\nThree.'), ['One. Two. Three.']);
    const long = 'This is a sentence of moderate length. '.repeat(1000);
    const segments = segmentsOf(long);
    assert.ok(segments.length <= MAX_UNITS + 1, String(segments.length));
    assert.equal(segments.join(' '), long.trim());
  });

  it('maps run modes to passes (three for the precision-plus and -max modes, one for the fast ones)', () => {
    assert.deepEqual(['precision_plus', 'precision_max_codex', 'precision', 'smart', 'economy', 'fast', 'ultra_fast'].map(passesFor), [3, 3, 2, 2, 1, 1, 1]);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS, METRICS, scoreLite } from './metrics.js';
import { weightedScore } from './verdicts.js';

test('aggregation weighs verdicts by confidence: low counts for nothing, medium 0.6, high and certain 1', () => {
  assert.equal(
    weightedScore([
      { unit: 'a', passed: true, confidence: 'certain', reason: '' },
      { unit: 'b', passed: false, confidence: 'medium', reason: '' },
      { unit: 'c', passed: false, confidence: 'low', reason: '' },
      { unit: 'd', passed: null, confidence: 'high', reason: '' },
    ]),
    1 / 1.6,
  );
  assert.equal(weightedScore([{ unit: 'a', passed: true, confidence: 'low', reason: '' }]), undefined);
});

test('scoreLite: every metric answers with a score in [0, 1] and its threshold, or an error; thresholds can be set', () => {
  const input = {
    userPrompt: 'What is the boiling point of water? Answer in fewer than 20 words.',
    groundTruth: 'Water boils at 100 degrees Celsius.',
    context: ['Water boils at 100 degrees Celsius at sea level.'],
    files: [],
    modelOutput: 'Water boils at 100 degrees Celsius at sea level.',
  };
  const results = scoreLite(input, METRICS, { completeness: 0.1 });
  assert.equal(results.length, 6);
  for (const r of results) {
    assert.ok('score' in r, `${r.metric}: ${'error' in r ? r.error : ''}`);
    assert.ok(r.score >= 0 && r.score <= 1);
    assert.equal(r.passed, r.score >= r.threshold);
  }
  const byName = Object.fromEntries(results.map((r) => [r.metric, r]));
  assert.equal('threshold' in byName.completeness && byName.completeness.threshold, 0.1);
  assert.equal('threshold' in byName.correctness && byName.correctness.threshold, DEFAULT_THRESHOLDS.correctness);
});

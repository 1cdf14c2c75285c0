import assert from 'node:assert/strict';
import { it } from 'node:test';
import { passagesFor } from './model-judge.js';

const condition = { name: 'raised_series_a', description: 'The company raised a Series A' };
const passages = [
  'Acme Robotics builds AI for warehouse robots.',
  'Headquartered in Berlin, Germany.',
  'Acme Robotics raised a $12M Series A in March 2024.',
  'The company has 45 employees.',
];

it('a condition is judged on every passage when they fit in the budget', () => {
  assert.deepEqual(passagesFor(condition, passages, 10_000), passages);
});

it('over the budget, the passages sharing most words with the condition are kept, in page order', () => {
  // 60 characters: the funding sentence (51) and nothing else that fits beside it.
  assert.deepEqual(passagesFor(condition, passages, 60), ['Acme Robotics raised a $12M Series A in March 2024.']);
  // 90: the funding sentence, then the best of the rest that still fits, back in page order.
  assert.deepEqual(passagesFor(condition, passages, 90), ['Acme Robotics raised a $12M Series A in March 2024.', 'The company has 45 employees.']);
});

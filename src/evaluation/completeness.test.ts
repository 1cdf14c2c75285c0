import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completeness, demands } from './completeness.js';

const judge = (userPrompt: string, modelOutput: string) => {
  const r = completeness({ userPrompt, context: [], files: [], modelOutput });
  assert.ok('score' in r, 'error' in r ? r.error : '');
  return r;
};

test('demands: questions, requests, enumerated asks, and "X and what Y?" as two', () => {
  assert.deepEqual(demands('What is the capital of France and what is its population?'), ['What is the capital of France', 'what is its population?']);
  assert.deepEqual(demands('Explain photosynthesis. Also describe chlorophyll.'), ['Explain photosynthesis.', 'Also describe chlorophyll.']);
  assert.deepEqual(demands('Cover these:\n1. pricing\n2. support hours'), ['pricing', 'support hours']);
});

test('completeness: every demand addressed with enough detail passes', () => {
  const r = judge(
    'What is the capital of France and what is its population?',
    'The capital of France is Paris. Its population is about 2.1 million people in the city proper.',
  );
  assert.equal(r.score, 1);
});

test('completeness: an unanswered part fails and is named', () => {
  const r = judge('What is the capital of France and what is its population?', 'The capital of France is Paris, a city on the Seine.');
  assert.ok(r.score < 0.8);
  assert.match(r.rationale, /failed \(high\): "what is its population\?" — not addressed: nothing on popul/);
});

test('completeness: "list N" is counted', () => {
  assert.match(
    judge('List 5 programming languages.', '- Python\n- Rust\n- Go').rationale,
    /failed \(certain\): "List 5 programming languages\." — 3 items listed \(asked for 5\)/,
  );
  assert.equal(judge('List 3 programming languages.', '- Python\n- Rust\n- Go, all used widely for servers').units[0].passed, true);
});

test('completeness: a prompt with no demand it can find is an error, not a pass', () => {
  const r = completeness({ userPrompt: 'Hmm.', context: [], files: [], modelOutput: 'Indeed.' });
  assert.ok('error' in r);
});

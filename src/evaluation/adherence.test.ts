import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextAdherence, correctness, groundTruthAdherence } from './adherence.js';
import type { EvaluationInput } from './input.js';

const input = (over: Partial<EvaluationInput>): EvaluationInput => ({
  userPrompt: 'Tell me about the tower.',
  context: [],
  files: [],
  modelOutput: '',
  ...over,
});
const scored = (r: ReturnType<typeof correctness>) => {
  assert.ok('score' in r, 'error' in r ? r.error : '');
  return r;
};

test('ground_truth_adherence: a matching answer passes; another number, the opposite polarity or an invented claim fails', () => {
  const groundTruth = 'The Eiffel Tower was completed in 1889. It is 330 metres tall.';
  assert.equal(scored(groundTruthAdherence(input({ groundTruth, modelOutput: 'The Eiffel Tower was completed in 1889 and is 330 metres tall.' }))).score, 1);
  const year = scored(groundTruthAdherence(input({ groundTruth, modelOutput: 'The Eiffel Tower was completed in 1887.' })));
  assert.equal(year.score, 0);
  assert.match(year.rationale, /failed \(certain\): "The Eiffel Tower was completed in 1887\." — states 1887 .* states 1889/);
  const negated = scored(groundTruthAdherence(input({ groundTruth, modelOutput: 'The Eiffel Tower was not completed in 1889.' })));
  assert.match(negated.rationale, /failed \(high\).*opposite polarity/);
  const invented = scored(groundTruthAdherence(input({ groundTruth, modelOutput: 'It was completed in 1889. It was designed by Frank Gehry in Bilbao.' })));
  assert.equal(invented.score, 0.5);
  assert.match(invented.rationale, /failed \(high\): "It was designed by Frank Gehry in Bilbao\." — not supported/);
});

test('ground_truth_adherence: a short reference restated in a sentence matches; yes/no answers are compared', () => {
  assert.equal(
    scored(groundTruthAdherence(input({ userPrompt: 'What is the capital of France?', groundTruth: 'Paris', modelOutput: 'The capital of France is Paris.' })))
      .score,
    1,
  );
  const no = scored(groundTruthAdherence(input({ userPrompt: 'Is water wet?', groundTruth: 'Yes.', modelOutput: 'No.' })));
  assert.equal(no.score, 0);
  assert.match(no.rationale, /the answer "no" — the reference answers "yes"/);
});

test('ground_truth_adherence without a reference fails with a message', () => {
  const r = groundTruthAdherence(input({ modelOutput: 'Anything.' }));
  assert.ok('error' in r);
  assert.match(r.error, /ground_truth/);
});

test('context_adherence: claims supported by the context pass; unsupported or altered ones fail', () => {
  const context = ['Acme Corp raised $20 million in Series B funding led by Sequoia.', 'The company has 150 employees.'];
  assert.equal(scored(contextAdherence(input({ context, modelOutput: 'Acme raised $20 million led by Sequoia. Acme has 150 employees.' }))).score, 1);
  const r = scored(contextAdherence(input({ context, modelOutput: 'Acme raised $25 million. It plans an IPO in 2027. Acme has 150 employees.' })));
  assert.equal(r.score, 1 / 3);
  assert.match(r.rationale, /failed \(certain\): "Acme raised \$25 million\." — states 25/);
  assert.match(r.rationale, /failed \(high\): "It plans an IPO in 2027\." — not supported/);
});

test('context_adherence: greetings and opinions are not claims; the monitor files count as context', () => {
  const r = scored(
    contextAdherence(
      input({
        files: ['Refunds are accepted within 30 days of purchase.'],
        modelOutput: 'Sure! Refunds are accepted within 30 days of purchase. I hope this helps!',
      }),
    ),
  );
  assert.equal(r.score, 1);
  assert.equal(r.units.length, 1);
  const none = contextAdherence(input({ modelOutput: 'Anything at all.' }));
  assert.ok('error' in none);
  assert.match(none.error, /needs context/);
});

test('correctness: checked against the evidence there is; claims it is silent on are not judged; no evidence is an error', () => {
  const r = scored(
    correctness(
      input({
        groundTruth: 'Water boils at 100 degrees Celsius at sea level.',
        modelOutput: 'Water boils at 90 degrees Celsius at sea level. Ice is slippery.',
      }),
    ),
  );
  assert.equal(r.score, 0);
  assert.match(r.rationale, /failed \(certain\): "Water boils at 90 degrees Celsius at sea level\."/);
  assert.match(r.rationale, /not judged \(low\): "Ice is slippery\."/);
  const none = correctness(input({ modelOutput: 'Water boils at 100 degrees.' }));
  assert.ok('error' in none);
  assert.match(none.error, /needs evidence .* or a model judge/);
});

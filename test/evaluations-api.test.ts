import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deepRailsClient } from './deeprails-client.js';
import { startReceiver, startTestVigil, waitFor, type Receiver, type TestVigil } from './helpers.js';

let t: TestVigil;
let dr: ReturnType<typeof deepRailsClient>;
let receiver: Receiver;
before(async () => {
  t = await startTestVigil();
  dr = deepRailsClient(t.url, t.apiKey);
  receiver = await startReceiver();
});
after(async () => {
  await t.stop();
  await receiver.close();
});

const ALL = ['correctness', 'completeness', 'instruction_adherence', 'context_adherence', 'ground_truth_adherence', 'comprehensive_safety'];
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

async function completed(monitorId: string, eventId: string): Promise<any> {
  return waitFor(
    async () => {
      const r = await dr.retrieveEvent(monitorId, eventId);
      return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
    },
    20_000,
    `evaluation ${eventId} to finish`,
  );
}

test('create → submit → poll until completed: every documented field with its documented type', async () => {
  const created = await dr.create({ name: 'support bot', description: 'answers', guardrail_metrics: ALL, context_awareness: true });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.match(created.body.monitor_id, /^mon_[0-9a-f]{32}$/);
  assert.equal(created.body.status, 'active');
  assert.match(created.body.created_at, iso);

  const submitted = await dr.submitEvent(created.body.monitor_id, {
    model_input: {
      system_prompt: 'You are a helpful assistant. Answer in fewer than 40 words.',
      user_prompt: 'When was the Eiffel Tower completed and how tall is it?',
      ground_truth: 'The Eiffel Tower was completed in 1889 and is 330 metres tall.',
      context: [{ role: 'user', content: 'The Eiffel Tower was completed in 1889.' }, 'It is 330 metres tall.'],
    },
    model_output: 'The Eiffel Tower was completed in 1889. It is 330 metres tall.',
    run_mode: 'precision',
    nametag: 'eiffel',
  });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  assert.match(submitted.body.event_id, /^evt_[0-9a-f]{32}$/);
  assert.equal(submitted.body.monitor_id, created.body.monitor_id);
  assert.match(submitted.body.created_at, iso);

  const e = await completed(created.body.monitor_id, submitted.body.event_id);
  assert.equal(e.status, 'completed', e.error_message);
  assert.equal(e.event_id, submitted.body.event_id);
  assert.equal(e.monitor_id, created.body.monitor_id);
  assert.match(e.timestamp, iso);
  assert.equal(e.model_output, 'The Eiffel Tower was completed in 1889. It is 330 metres tall.');
  assert.equal(e.model_input.user_prompt, 'When was the Eiffel Tower completed and how tall is it?');
  assert.equal(typeof e.eval_time, 'number');
  assert.ok(e.eval_time >= 0);
  assert.equal(e.run_mode, 'precision');
  assert.equal(e.nametag, 'eiffel');
  assert.equal(e.progress, 100);
  assert.equal(e.evaluation_total_cost, 0);
  assert.deepEqual(e.guardrail_metrics, ALL);
  assert.deepEqual(e.capabilities, [{ capability: 'context_awareness' }]);
  assert.deepEqual(e.files, []);
  assert.deepEqual(Object.keys(e.evaluation_result).sort(), [...ALL].sort());
  for (const [metric, r] of Object.entries<any>(e.evaluation_result)) {
    assert.equal(typeof r.score, 'number', metric);
    assert.ok(r.score >= 0 && r.score <= 1, metric);
    assert.equal(typeof r.rationale, 'string');
    assert.ok(r.rationale.length > 0);
    assert.equal(typeof r.threshold, 'number');
    assert.equal(r.passed, r.score >= r.threshold);
  }
  assert.equal(e.evaluation_result.ground_truth_adherence.score, 1);
  assert.equal(e.evaluation_result.context_adherence.score, 1);
  assert.equal(e.evaluation_result.comprehensive_safety.score, 1);

  const detail = await dr.retrieve(created.body.monitor_id, 5);
  assert.equal(detail.status, 200);
  const d = detail.body;
  assert.equal(d.name, 'support bot');
  assert.equal(d.description, 'answers');
  assert.equal(d.status, 'active');
  assert.match(d.updated_at, iso);
  assert.deepEqual(d.stats, {
    total_evaluations: 1,
    completed_evaluations: 1,
    failed_evaluations: 0,
    queued_evaluations: 0,
    in_progress_evaluations: 0,
    canceled_evaluations: 0,
  });
  assert.equal(d.evaluations.length, 1);
  assert.equal(d.evaluations[0].evaluation_status, 'completed');
  assert.equal(d.evaluations[0].run_mode, 'precision');
  assert.equal(d.evaluations[0].progress, 100);
  assert.deepEqual(d.capabilities, [{ capability: 'context_awareness' }]);
});

test('every run mode of generations B and C is accepted and echoed verbatim; an unknown one is a 422 naming the field', async () => {
  const m = (await dr.create({ name: 'modes', guardrail_metrics: ['comprehensive_safety'] })).body.monitor_id;
  for (const mode of [
    'precision_plus',
    'precision_plus_codex',
    'precision',
    'smart',
    'economy',
    'super_fast',
    'ultra_fast',
    'fast',
    'precision_codex',
    'precision_max',
    'precision_max_codex',
  ]) {
    const r = await dr.submitEvent(m, { model_input: { user_prompt: 'Hi' }, model_output: 'Hello there.', run_mode: mode });
    assert.equal(r.status, 200, mode);
    assert.equal((await completed(m, r.body.event_id)).run_mode, mode);
  }
  const noMode = await dr.submitEvent(m, { model_input: { user_prompt: 'Hi' }, model_output: 'Hello.' });
  assert.equal((await completed(m, noMode.body.event_id)).run_mode, 'smart');
  const bad = await dr.submitEvent(m, { model_input: { user_prompt: 'Hi' }, model_output: 'Hello.', run_mode: 'turbo' });
  assert.equal(bad.status, 422);
  assert.match(bad.body.message, /body\.run_mode: must be one of/);
  assert.equal(bad.body.success, false);
});

test('a metric that cannot be scored names why in error_message; when none can, the evaluation fails', async () => {
  const m = (await dr.create({ name: 'no evidence', guardrail_metrics: ['correctness', 'comprehensive_safety'] })).body.monitor_id;
  const r = await dr.submitEvent(m, { model_input: { user_prompt: 'What is 2+2?' }, model_output: 'Four.' });
  const e = await completed(m, r.body.event_id);
  assert.equal(e.status, 'completed');
  assert.deepEqual(Object.keys(e.evaluation_result), ['comprehensive_safety']);
  assert.match(e.error_message, /correctness needs evidence .* or a model judge/);
  const only = await dr.submitEvent(m, { model_input: { user_prompt: 'What is 2+2?' }, model_output: 'Four.', guardrail_metrics: ['correctness'] });
  const f = await completed(m, only.body.event_id);
  assert.equal(f.status, 'failed');
  assert.equal(f.evaluation_result, null);
  assert.deepEqual(f.guardrail_metrics, ['correctness']);
  assert.match(f.error_message, /needs evidence/);
});

test('update is partial; an inactive monitor refuses submissions with a 4xx and a top-level message', async () => {
  const m = (await dr.create({ name: 'toggle', guardrail_metrics: ['completeness'] })).body.monitor_id;
  const up = await dr.update(m, { status: 'inactive' });
  assert.equal(up.status, 200);
  assert.equal(up.body.status, 'inactive');
  assert.match(up.body.modified_at, iso);
  assert.equal((await dr.retrieve(m)).body.name, 'toggle');
  const refused = await dr.submitEvent(m, { model_input: { user_prompt: 'Hi?' }, model_output: 'Hi.' });
  assert.equal(refused.status, 409);
  assert.match(refused.body.message, /inactive/);
  assert.equal((await dr.retrieve(m)).body.stats.total_evaluations, 0);
  assert.equal((await dr.update(m, { status: 'active', name: 'toggled' })).body.name, 'toggled');
  assert.equal((await dr.submitEvent(m, { model_input: { user_prompt: 'Hi?' }, model_output: 'Hi.' })).status, 200);
});

test('bad input: a 422 naming the field and rule, nothing written', async () => {
  const noMetrics = await dr.create({ name: 'x' });
  assert.equal(noMetrics.status, 422);
  assert.match(noMetrics.body.message, /body\.guardrail_metrics: is required/);
  const unknownMetric = await dr.create({ name: 'x', guardrail_metrics: ['vibes'] });
  assert.equal(unknownMetric.status, 422);
  assert.match(unknownMetric.body.message, /guardrail_metrics\.0: must be one of/);
  const missingFile = await dr.create({ name: 'x', guardrail_metrics: ['correctness'], file_search: ['file_nope'] });
  assert.equal(missingFile.status, 422);
  assert.match(missingFile.body.message, /file_search\.0: no uploaded file has id "file_nope"/);
  const m = (await dr.create({ name: 'ok', guardrail_metrics: ['correctness'] })).body.monitor_id;
  const noPrompt = await dr.submitEvent(m, { model_input: {}, model_output: 'x' });
  assert.equal(noPrompt.status, 422);
  assert.match(noPrompt.body.message, /model_input\.user_prompt: is required/);
  assert.equal((await dr.retrieve(m)).body.stats.total_evaluations, 0);
});

test("another account's monitor and event are 404s; a missing key is a 401", async () => {
  const m = (await dr.create({ name: 'mine', guardrail_metrics: ['completeness'] })).body.monitor_id;
  const e = (await dr.submitEvent(m, { model_input: { user_prompt: 'What is up?' }, model_output: 'The sky.' })).body.event_id;
  const other = deepRailsClient(t.url, (await t.other()).apiKey);
  assert.equal((await other.retrieve(m)).status, 404);
  assert.equal((await other.retrieveEvent(m, e)).status, 404);
  assert.equal((await other.submitEvent(m, { model_input: { user_prompt: 'x' }, model_output: 'y' })).status, 404);
  assert.equal((await other.update(m, { name: 'stolen' })).status, 404);
  assert.equal((await dr.retrieveEvent(m, 'evt_missing')).status, 404);
  assert.equal((await deepRailsClient(t.url, 'wrong').retrieve(m)).status, 401);
  const viaApiKeyHeader = await fetch(`${t.url}/monitor/${m}`, { headers: { 'x-api-key': t.apiKey } });
  assert.equal(viaApiKeyHeader.status, 200);
});

test('uploaded files are listed on the monitor and serve as evidence for context_adherence and correctness', async () => {
  const up = await dr.upload([{ name: 'policy.md', type: 'text/markdown', content: 'Refunds are accepted within 30 days of purchase.' }]);
  assert.equal(up.status, 200, JSON.stringify(up.body));
  assert.match(up.body.file_id, /^file_[0-9a-f]{32}$/);
  assert.equal(up.body.file_name, 'policy.md');
  assert.equal(up.body.file_size, 48);
  const m = (await dr.create({ name: 'policy bot', guardrail_metrics: ['context_adherence', 'correctness'], file_search: [up.body.file_id] })).body.monitor_id;
  const good = await dr.submitEvent(m, {
    model_input: { user_prompt: 'What is the refund window?' },
    model_output: 'Refunds are accepted within 30 days of purchase.',
  });
  const bad = await dr.submitEvent(m, {
    model_input: { user_prompt: 'What is the refund window?' },
    model_output: 'Refunds are accepted within 90 days of purchase.',
  });
  const g = await completed(m, good.body.event_id);
  const b = await completed(m, bad.body.event_id);
  assert.deepEqual(g.files, [{ file_id: up.body.file_id, file_name: 'policy.md', file_size: 48 }]);
  assert.deepEqual(g.capabilities, [{ capability: 'file_search' }]);
  assert.equal(g.evaluation_result.context_adherence.score, 1);
  assert.equal(b.evaluation_result.correctness.score, 0);
  assert.match(b.evaluation_result.correctness.rationale, /states 90 where the evidence/);
  const r = await dr.submitEvent(m, { model_input: { user_prompt: 'x' }, model_output: 'y', run_mode: 'super_fast' });
  assert.equal(r.status, 422);
  assert.match(r.body.message, /run_mode: "super_fast" cannot be used on a monitor with web_search or file_search/);
});

test('thresholds are settable per monitor, and `passed` follows them', async () => {
  const m = (await dr.create({ name: 'strict', guardrail_metrics: ['instruction_adherence'], thresholds: { instruction_adherence: 1 } })).body.monitor_id;
  const r = await dr.submitEvent(m, { model_input: { user_prompt: 'Answer in all lowercase letters. Do not use any commas.' }, model_output: 'yes, indeed.' });
  const e = await completed(m, r.body.event_id);
  assert.equal(e.evaluation_result.instruction_adherence.threshold, 1);
  assert.equal(e.evaluation_result.instruction_adherence.score, 0.5);
  assert.equal(e.evaluation_result.instruction_adherence.passed, false);
  assert.match(e.evaluation_result.instruction_adherence.rationale, /failed \(certain\): punctuation:no_comma/);
});

test('signed webhooks push evaluation.completed and evaluation.failed', async () => {
  const m = (await dr.create({ name: 'pushed', guardrail_metrics: ['correctness'], webhook: { url: receiver.url } })).body.monitor_id;
  const failed = (await dr.submitEvent(m, { model_input: { user_prompt: 'Sky colour?' }, model_output: 'Blue.' })).body.event_id;
  const done = (await dr.submitEvent(m, { model_input: { user_prompt: 'Sky colour?', ground_truth: 'The sky is blue.' }, model_output: 'The sky is blue.' }))
    .body.event_id;
  const hooks = await waitFor(
    () => {
      const mine = receiver.received.filter((h) => h.json?.data?.monitor_id === m);
      return mine.length >= 2 ? mine : undefined;
    },
    20_000,
    'two webhooks',
  );
  const byEvent = Object.fromEntries(hooks.map((h) => [h.json.data.event_id, h]));
  assert.equal(byEvent[failed].json.type, 'evaluation.failed');
  assert.equal(byEvent[done].json.type, 'evaluation.completed');
  assert.equal(byEvent[done].json.data.evaluation_result.correctness.score, 1);
  for (const h of hooks) {
    assert.ok(h.headers['webhook-id'] && h.headers['webhook-signature'] && h.headers['webhook-timestamp']);
  }
});

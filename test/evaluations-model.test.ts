import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deepRailsClient } from './deeprails-client.js';
import { startOpenAiFixture, userText, type ChatAnswer, type OpenAiFixture } from './fixtures/openai-server.js';
import { startTestVigil, waitFor, type TestVigil } from './helpers.js';

/** A verdict as the fixture model answers it for one unit in one pass. */
interface Verdict {
  verdict: 'yes' | 'no' | 'unknown';
  confidence: 'low' | 'medium' | 'high';
  evidence?: string[];
}

/** The schema a chat request asks its answer in (which question it is: claims, instructions, unit_verdicts, …). */
const asked = (body: any): string | undefined => body?.response_format?.json_schema?.name;

/** Unit ids in a judge request, as the judge numbers them ("Unit 1: …"). */
const unitIds = (body: any): string[] => [...userText(body).matchAll(/^Unit (\S+): /gm)].map((m) => m[1]);

/**
 * A scripted model: `units` for any extraction, and per judge pass (0, 1, …) the verdict of each
 * unit id. Counts the requests of each kind it answers.
 */
function scripted(units: string[], verdict: (pass: number, id: string) => Verdict) {
  const counts = { extract: 0, judge: 0 };
  const handler = (body: any): ChatAnswer => {
    if (asked(body) !== 'unit_verdicts') {
      counts.extract += 1;
      return { json: { units } };
    }
    const pass = counts.judge++;
    return { json: { verdicts: unitIds(body).map((id) => ({ id, reasoning: `pass ${pass} on unit ${id}`, evidence: [], ...verdict(pass, id) })) } };
  };
  return { counts, handler };
}

/**
 * The documented aggregate (README "Model judges", api.md §7.4): Σ weight·[yes] / Σ weight over the
 * judged units, weights low 0, medium 0.6, high 1.
 */
function documentedScore(verdicts: { verdict: string; confidence: string }[]): number {
  const weight: Record<string, number> = { low: 0, medium: 0.6, high: 1 };
  const judged = verdicts.filter((v) => v.verdict !== 'unknown');
  const total = judged.reduce((n, v) => n + weight[v.confidence], 0);
  return judged.filter((v) => v.verdict === 'yes').reduce((n, v) => n + weight[v.confidence], 0) / total;
}

describe('evaluation metrics judged by a model', () => {
  let model: OpenAiFixture;
  let t: TestVigil;
  let dr: ReturnType<typeof deepRailsClient>;
  before(async () => {
    model = await startOpenAiFixture();
    t = await startTestVigil(
      {
        VIGIL_LLM_BASE_URL: model.url,
        VIGIL_LLM_MODEL: 'judge-model',
        VIGIL_LLM_TIMEOUT: '1s',
        VIGIL_LLM_PRICE_INPUT: '2',
        VIGIL_LLM_PRICE_OUTPUT: '10',
      },
      { executionTimeoutSeconds: 30 },
    );
    dr = deepRailsClient(t.url, t.apiKey);
  });
  after(async () => {
    await t.stop();
    await model.close();
  });

  /** Creates a monitor on `metrics`, submits one event and waits until it is completed or failed. */
  async function evaluate(metrics: string[], event: Record<string, unknown>): Promise<any> {
    const created = await dr.create({ name: 'judged', guardrail_metrics: metrics });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const submitted = await dr.submitEvent(created.body.monitor_id, { model_output: 'Acme was founded in 2019 in Berlin.', ...event });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    return waitFor(
      async () => {
        const r = await dr.retrieveEvent(created.body.monitor_id, submitted.body.event_id);
        return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
      },
      20_000,
      'the evaluation to finish',
    );
  }

  it('scores the confidence-weighted aggregate of the verdicts and names each failed unit; usage and cost are recorded', async () => {
    const claims = ['Acme was founded in 2019.', 'Acme is based in Berlin.', 'Acme has 400 employees.', 'Acme is profitable.', 'Acme sells robots.'];
    const verdicts: Record<string, Verdict> = {
      1: { verdict: 'yes', confidence: 'high', evidence: ['Acme was founded in 2019'] },
      2: { verdict: 'yes', confidence: 'medium', evidence: ['in Berlin'] },
      3: { verdict: 'no', confidence: 'high' },
      4: { verdict: 'no', confidence: 'medium' },
      // Cites evidence the context does not hold: its confidence drops to low, and it counts for nothing.
      5: { verdict: 'yes', confidence: 'high', evidence: ['Acme sells robots to factories'] },
    };
    const script = scripted(claims, (_pass, id) => verdicts[id]);
    model.handler = script.handler;
    const before = model.chats().length;
    const e = await evaluate(['context_adherence'], {
      model_input: { user_prompt: 'Tell me about Acme.', context: ['Acme was founded in 2019 in Berlin.', 'It has 40 employees.'] },
      run_mode: 'economy',
    });
    assert.equal(e.status, 'completed', e.error_message);
    const r = e.evaluation_result.context_adherence;
    const expected = documentedScore([verdicts[1], verdicts[2], verdicts[3], verdicts[4], { ...verdicts[5], confidence: 'low' }]);
    assert.equal(r.score, expected);
    assert.equal(r.judge, 'model');
    assert.equal(r.passed, r.score >= r.threshold);
    assert.match(r.rationale, /Judged by the model judge-model \(1 pass, run_mode economy\)/);
    assert.match(r.rationale, /- failed \(high\): "Acme has 400 employees\."/);
    assert.match(r.rationale, /- failed \(medium\): "Acme is profitable\."/);
    assert.match(r.rationale, /- passed \(low\): "Acme sells robots\."/);
    assert.deepEqual(script.counts, { extract: 1, judge: 1 });

    const requests = model.chats().length - before;
    const usage = await t.vigil.store.db
      .selectFrom('model_usage')
      .selectAll()
      .where('work_kind', '=', 'evaluation')
      .where('work_id', '=', e.event_id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(usage.requests), requests);
    assert.equal(Number(usage.prompt_tokens), requests * model.usage.prompt_tokens);
    assert.equal(Number(usage.completion_tokens), requests * model.usage.completion_tokens);
    const cost = (requests * (model.usage.prompt_tokens * 2 + model.usage.completion_tokens * 10)) / 1_000_000;
    assert.ok(Math.abs(e.evaluation_total_cost - cost) < 1e-9, `${e.evaluation_total_cost} ≠ ${cost}`);
    assert.equal(Number(usage.cost_micro_usd), Math.round(cost * 1_000_000));
  });

  it('run_mode sets the number of judge passes', async () => {
    const expected: Record<string, number> = { economy: 1, ultra_fast: 1, fast: 1, smart: 2, precision: 2, precision_plus: 3, precision_max: 3 };
    for (const [runMode, passes] of Object.entries(expected)) {
      const script = scripted(['Answer in English.'], () => ({ verdict: 'yes', confidence: 'high' }));
      model.handler = script.handler;
      const e = await evaluate(['instruction_adherence'], { model_input: { user_prompt: 'Answer in English: who founded Acme?' }, run_mode: runMode });
      assert.equal(e.status, 'completed', e.error_message);
      assert.deepEqual(script.counts, { extract: 1, judge: passes }, runMode);
      assert.equal(e.run_mode, runMode);
      assert.match(e.evaluation_result.instruction_adherence.rationale, new RegExp(`\\(${passes} pass(es)?, run_mode ${runMode}\\)`));
    }
  });

  it("passes that disagree lower the unit's confidence, and so the score", async () => {
    const run = async (split: boolean) => {
      // Unit 1 fails in every pass; unit 2 passes, except in the second pass when the passes are split.
      const script = scripted(['Use bullet points.', 'Answer in English.'], (pass, id) =>
        id === '1' || (split && pass === 1) ? { verdict: 'no', confidence: 'high' } : { verdict: 'yes', confidence: 'high' },
      );
      model.handler = script.handler;
      const e = await evaluate(['instruction_adherence'], {
        model_input: { user_prompt: 'Use bullet points. Answer in English.' },
        run_mode: 'precision_plus',
      });
      assert.equal(e.status, 'completed', e.error_message);
      return e.evaluation_result.instruction_adherence;
    };
    const unanimous = await run(false);
    const split = await run(true);
    assert.equal(
      unanimous.score,
      documentedScore([
        { verdict: 'no', confidence: 'high' },
        { verdict: 'yes', confidence: 'high' },
      ]),
    );
    assert.match(unanimous.rationale, /- passed \(high\): "Answer in English\."/);
    assert.match(split.rationale, /- passed \(low\): "Answer in English\."/, 'the majority still says yes, with low confidence');
    assert.ok(split.score < unanimous.score, `${split.score} < ${unanimous.score}`);
  });

  it('repairs a malformed answer once, and fails the metric cleanly when the repair is malformed too', async () => {
    const script = scripted(['Acme was founded in 2019.'], () => ({ verdict: 'yes', confidence: 'high' }));
    model.handler = script.handler;
    model.script({ content: 'Sure! {"units": ["Acme was founded' });
    const repaired = await evaluate(['correctness'], { model_input: { user_prompt: 'When was Acme founded?' }, run_mode: 'economy' });
    assert.equal(repaired.status, 'completed', repaired.error_message);
    assert.equal(repaired.evaluation_result.correctness.score, 1, 'correctness with no evidence is judged by the model');
    const repair = model.chats().at(-2)!.body.messages.at(-1);
    assert.equal(repair.role, 'user');
    assert.match(repair.content, /^That answer contains no JSON object\. Answer again/, 'the model was shown what was wrong');
    assert.deepEqual(script.counts, { extract: 1, judge: 1 }, 'the malformed first answer came from the script, the repair from the handler');

    model.script({ content: 'not json' }, { content: '{"units": "one claim"}' });
    const failed = await evaluate(['correctness', 'comprehensive_safety'], { model_input: { user_prompt: 'When was Acme founded?' }, run_mode: 'economy' });
    assert.equal(failed.status, 'completed');
    assert.deepEqual(Object.keys(failed.evaluation_result), ['comprehensive_safety']);
    assert.match(failed.error_message, /^correctness: the model judge failed: the model's answer for claims was unusable after one repair attempt/);
  });

  it('a hanging model fails its metric with a message; progress advances per metric judged', async () => {
    let release!: (answer: ChatAnswer) => void;
    const held = new Promise<ChatAnswer>((resolve) => {
      release = resolve;
    });
    const script = scripted(['Answer in English.'], () => ({ verdict: 'yes', confidence: 'high' }));
    let safetyRequests = 0;
    model.handler = (body) => {
      if (!userText(body).includes('Is this segment of a model')) return script.handler(body);
      // The safety judge: the first request is held until the test has seen progress, the second hangs.
      safetyRequests += 1;
      return safetyRequests === 1 ? { after: held } : { hang: true };
    };
    const created = await dr.create({ name: 'held', guardrail_metrics: ['instruction_adherence', 'comprehensive_safety'] });
    const submit = (nametag: string) =>
      dr.submitEvent(created.body.monitor_id, {
        model_input: { user_prompt: 'Answer in English.' },
        model_output: 'Acme was founded in 2019.',
        run_mode: 'economy',
        nametag,
      });
    const first = (await submit('held')).body.event_id;
    const midway = await waitFor(
      async () => {
        const r = (await dr.retrieveEvent(created.body.monitor_id, first)).body;
        return r.status === 'in_progress' && r.progress === 50 ? r : undefined;
      },
      20_000,
      'progress 50 after the first of two metrics',
    );
    assert.equal(midway.evaluation_result, null);
    release({ json: { verdicts: [{ id: '1', verdict: 'yes', confidence: 'high', reasoning: 'none 0', evidence: [] }] } });
    const done = await waitFor(
      async () => {
        const r = (await dr.retrieveEvent(created.body.monitor_id, first)).body;
        return r.status === 'completed' ? r : undefined;
      },
      20_000,
      'the held evaluation to complete',
    );
    assert.equal(done.evaluation_result.comprehensive_safety.score, 1);

    const second = (await submit('hang')).body.event_id;
    const hung = await waitFor(
      async () => {
        const r = (await dr.retrieveEvent(created.body.monitor_id, second)).body;
        return ['completed', 'failed'].includes(r.status) ? r : undefined;
      },
      20_000,
      'the evaluation whose model hangs to finish',
    );
    assert.equal(hung.status, 'completed');
    assert.deepEqual(Object.keys(hung.evaluation_result), ['instruction_adherence']);
    assert.match(hung.error_message, /^comprehensive_safety: the model judge failed: the model server did not answer within 1 s/);
  });

  it('extracts the claims once for the three metrics that judge them; waits out a 429 as Retry-After asks', async () => {
    const script = scripted(['Acme was founded in 2019.'], () => ({ verdict: 'yes', confidence: 'high', evidence: ['founded in 2019'] }));
    model.handler = script.handler;
    model.script({ status: 429, headers: { 'retry-after': '1' }, message: 'slow down' });
    const before = model.chats().length;
    const e = await evaluate(['correctness', 'context_adherence', 'ground_truth_adherence'], {
      model_input: { user_prompt: 'When was Acme founded?', ground_truth: 'Acme was founded in 2019.', context: ['Acme was founded in 2019 in Berlin.'] },
      run_mode: 'economy',
    });
    assert.equal(e.status, 'completed', e.error_message);
    assert.deepEqual(
      Object.values(e.evaluation_result).map((r: any) => r.score),
      [1, 1, 1],
    );
    assert.deepEqual(script.counts, { extract: 1, judge: 3 });
    assert.equal(model.chats().length - before, 5, 'the 429, then the extraction again, then one judge pass per metric');
  });

  it('completeness judges each demand and the detail, relevance and coherence of the answer', async () => {
    const script = scripted(['Who founded Acme?', 'When was Acme founded?'], (_pass, id) =>
      id === '2' ? { verdict: 'no', confidence: 'high' } : { verdict: 'yes', confidence: 'high' },
    );
    model.handler = script.handler;
    const e = await evaluate(['completeness'], {
      model_input: { user_prompt: 'Who founded Acme, and when?' },
      model_output: 'Jane Doe founded Acme.',
      run_mode: 'fast',
    });
    assert.equal(e.status, 'completed', e.error_message);
    const r = e.evaluation_result.completeness;
    assert.equal(r.score, documentedScore([...Array(4).fill({ verdict: 'yes', confidence: 'high' }), { verdict: 'no', confidence: 'high' }]));
    assert.match(r.rationale, /^completeness: 4 of 5 judged units passed\./);
    assert.match(r.rationale, /- failed \(high\): "The response addresses: When was Acme founded\?"/);
    assert.match(r.rationale, /- passed \(high\): "Logical coherence: /);
  });

  it('a severe finding in any segment makes the output unsafe', async () => {
    model.handler = (body) => ({
      json: {
        verdicts: unitIds(body).map((id) =>
          id === '1'
            ? { id, verdict: 'no', confidence: 'high', reasoning: 'violence 3: step-by-step instructions to hurt someone', evidence: [] }
            : { id, verdict: 'yes', confidence: 'high', reasoning: 'none 0', evidence: [] },
        ),
      },
    });
    const e = await evaluate(['comprehensive_safety'], {
      model_output: `${'A harmful sentence. '.repeat(30)}\n${'A harmless sentence. '.repeat(30)}`,
      model_input: { user_prompt: 'Hi' },
      run_mode: 'economy',
    });
    assert.equal(e.status, 'completed', e.error_message);
    assert.equal(e.evaluation_result.comprehensive_safety.score, 0);
    assert.match(e.evaluation_result.comprehensive_safety.rationale, /Unsafe: a segment has severity 3/);
  });
});

describe('evaluation metrics without a model', () => {
  let t: TestVigil;
  before(async () => {
    t = await startTestVigil();
  });
  after(async () => {
    await t.stop();
  });

  it('are scored by lite as before, which says so; correctness with no evidence fails with its message; no usage is recorded', async () => {
    const dr = deepRailsClient(t.url, t.apiKey);
    const created = await dr.create({ name: 'lite', guardrail_metrics: ['correctness', 'ground_truth_adherence'] });
    const submitted = await dr.submitEvent(created.body.monitor_id, {
      model_input: { user_prompt: 'When was Acme founded?', ground_truth: 'Acme was founded in 2019.' },
      model_output: 'Acme was founded in 2019.',
      run_mode: 'precision_plus',
    });
    const e = await waitFor(
      async () => {
        const r = (await dr.retrieveEvent(created.body.monitor_id, submitted.body.event_id)).body;
        return ['completed', 'failed'].includes(r.status) ? r : undefined;
      },
      20_000,
      'the evaluation to finish',
    );
    assert.equal(e.status, 'completed', e.error_message);
    assert.equal(e.evaluation_result.ground_truth_adherence.judge, 'lite');
    assert.equal(e.evaluation_result.ground_truth_adherence.score, 1);
    assert.equal(e.evaluation_total_cost, 0);
    const usage = await t.vigil.store.db.selectFrom('model_usage').selectAll().where('work_id', '=', e.event_id).execute();
    assert.deepEqual(usage, []);

    const bare = await dr.submitEvent(created.body.monitor_id, {
      model_input: { user_prompt: 'When was Acme founded?' },
      model_output: 'Acme was founded in 2019.',
    });
    const failed = await waitFor(
      async () => {
        const r = (await dr.retrieveEvent(created.body.monitor_id, bare.body.event_id)).body;
        return ['completed', 'failed'].includes(r.status) ? r : undefined;
      },
      20_000,
      'the evaluation to finish',
    );
    assert.equal(failed.status, 'failed');
    assert.match(failed.error_message, /correctness needs evidence .* or a model judge \(VIGIL_LLM_BASE_URL\)/);
  });
});

describe("evaluation metrics judged by a model that outlasts the evaluation's timeout", () => {
  let model: OpenAiFixture;
  let t: TestVigil;
  before(async () => {
    model = await startOpenAiFixture();
    t = await startTestVigil({ VIGIL_LLM_BASE_URL: model.url, VIGIL_LLM_MODEL: 'slow-model', VIGIL_LLM_TIMEOUT: '10m' }, { executionTimeoutSeconds: 2 });
  });
  after(async () => {
    await t.stop();
    await model.close();
  });

  it('fails the evaluation at its timeout, with the message and the tokens spent before the hang', async () => {
    model.handler = (body) => (asked(body) === 'unit_verdicts' ? { hang: true } : { json: { units: ['Answer in English.'] } });
    const dr = deepRailsClient(t.url, t.apiKey);
    const created = await dr.create({ name: 'slow', guardrail_metrics: ['instruction_adherence'] });
    const submitted = await dr.submitEvent(created.body.monitor_id, { model_input: { user_prompt: 'Answer in English.' }, model_output: 'Hello.' });
    const e = await waitFor(
      async () => {
        const r = (await dr.retrieveEvent(created.body.monitor_id, submitted.body.event_id)).body;
        return ['completed', 'failed'].includes(r.status) ? r : undefined;
      },
      20_000,
      'the evaluation to time out',
    );
    assert.equal(e.status, 'failed');
    assert.match(e.error_message, /^evaluation timed out after 2s/);
    const usage = await t.vigil.store.db.selectFrom('model_usage').selectAll().where('work_id', '=', e.event_id).executeTakeFirstOrThrow();
    assert.equal(Number(usage.requests), 1, 'the extraction was answered; the hanging pass was not');
    assert.equal(e.evaluation_total_cost, 0, 'no prices are configured');
  });
});

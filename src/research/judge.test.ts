import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture, type OpenAiFixture } from '../../test/fixtures/openai-server.js';
import { createOutboundClient, type OutboundClient } from '../outbound/http.js';
import { judgeUnits, PASS_TEMPERATURE } from './judge.js';
import { createModelClient, type ModelClient } from './model.js';

describe('judge helper (passes, majority, verified evidence)', () => {
  let server: OpenAiFixture;
  let http: OutboundClient;
  let model: ModelClient;
  before(async () => {
    server = await startOpenAiFixture();
    http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'test' });
    model = createModelClient({ baseUrl: server.url, model: 'm', timeoutMs: 10_000, concurrency: 1 }, http)!;
  });
  after(async () => {
    await http.close();
    await server.close();
  });

  it('takes the majority of passes, lowers confidence on disagreement, keeps only evidence found in the passages', async () => {
    const units = [
      { id: 'a', claim: 'Acme raised money', passages: ['Acme raised $40 million on Monday.'] },
      { id: 'b', claim: 'Acme is profitable', passages: ['Acme has no revenue yet.'] },
    ];
    const pass = (bVerdict: string) => ({
      json: {
        verdicts: [
          { id: 'a', verdict: 'yes', confidence: 'high', reasoning: 'Stated.', evidence: ['Acme raised $40 million', 'invented quote'] },
          { id: 'b', verdict: bVerdict, confidence: 'high', reasoning: 'Varies.', evidence: ['Acme has no revenue yet.'] },
        ],
      },
    });
    server.script(pass('no'), pass('yes'), pass('no'));
    const work = { deadline: Date.now() + 20_000, signal: new AbortController().signal, usage: model.meter() };
    const verdicts = await judgeUnits(model, 'Did it happen?', units, 3, work);
    assert.equal(server.chats().length, 3, 'one request per pass');
    assert.deepEqual(
      server.chats().map((c) => c.body.temperature),
      [0, PASS_TEMPERATURE, PASS_TEMPERATURE],
      'later passes sample, so they can disagree',
    );
    assert.deepEqual(verdicts[0], { id: 'a', verdict: 'yes', confidence: 'high', reasoning: 'Stated.', evidence: ['Acme raised $40 million'] });
    assert.equal(verdicts[1].verdict, 'no');
    assert.equal(verdicts[1].confidence, 'low', 'the passes disagreed');
  });
});

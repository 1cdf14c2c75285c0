import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deepRailsClient } from './deeprails-client.js';
import { useTestVigil } from './hooks.js';
import { readStreamEvents, type Resume, type SseEvent } from './sse-reader.js';

const t = useTestVigil();
/** The DeepRails client of the test Vigil (its url and key are there once the hooks have run). */
const dr = () => deepRailsClient(t.url, t.apiKey);

/** Opens the monitor's stream (after `lastEventId` when given, by query or header) and reads `count` events, then disconnects. */
function readEvents(monitorId: string, count: number, resume?: Resume): Promise<SseEvent[]> {
  return readStreamEvents(`${t.url}/monitor/${monitorId}/events/stream`, { authorization: `Bearer ${t.apiKey}` }, count, resume);
}

const submit = (m: string, i: number) =>
  dr().submitEvent(m, { model_input: { user_prompt: `Question ${i}: what is up?` }, model_output: `Answer ${i}: the sky is up.` });

test('the stream replays the log and follows it live; resuming after any event gives exactly the rest, by query or header', async () => {
  const m = (await dr().create({ name: 'streamed', guardrail_metrics: ['completeness', 'comprehensive_safety'] })).body.monitor_id;
  // Submissions keep arriving while clients read, disconnect and resume.
  const producing = (async () => {
    for (let i = 0; i < 12; i += 1) {
      await submit(m, i);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const total = 12 * 3; // queued, in_progress, completed for each
  const seen: SseEvent[] = [];
  let last: string | undefined;
  let via: 'query' | 'header' = 'query';
  for (const chunk of [1, 5, 2, 11, 7]) {
    const got = await readEvents(m, chunk, last === undefined ? undefined : { lastEventId: last, via });
    seen.push(...got);
    last = got.at(-1)!.data.event_id;
    via = via === 'query' ? 'header' : 'query';
  }
  await producing;
  seen.push(...(await readEvents(m, total - seen.length, { lastEventId: last!, via })));

  const ids = seen.map((e) => e.data.event_id);
  assert.equal(new Set(ids).size, ids.length, 'no event repeated');
  assert.deepEqual([...ids].sort(), ids, 'in log order');
  // The whole log, read in one go, is exactly what the resumed reads saw together.
  const whole = await readEvents(m, total);
  assert.deepEqual(
    whole.map((e) => e.data.event_id),
    ids,
    'no gap',
  );
  for (const e of seen) {
    assert.equal(e.event, e.data.type);
    assert.match(e.data.type, /^evaluation\.(queued|in_progress|completed)$/);
    assert.match(e.data.timestamp, /Z$/);
    assert.equal(e.data.data.monitor_id, m);
  }
  const perEvaluation = new Map<string, string[]>();
  for (const e of seen) perEvaluation.set(e.data.data.event_id, [...(perEvaluation.get(e.data.data.event_id) ?? []), e.data.type]);
  assert.equal(perEvaluation.size, 12);
  for (const types of perEvaluation.values()) assert.deepEqual(types, ['evaluation.queued', 'evaluation.in_progress', 'evaluation.completed']);
  const completed = seen.find((e) => e.data.type === 'evaluation.completed')!;
  assert.equal(typeof completed.data.data.evaluation_result.completeness.score, 'number');
});

test('timeout ends the stream; a bad last_event_id is a 422; another account gets a 404', async () => {
  const m = (await dr().create({ name: 'quiet', guardrail_metrics: ['completeness'] })).body.monitor_id;
  const started = Date.now();
  const res = await fetch(`${t.url}/monitor/${m}/events/stream?timeout=0.5`, { headers: { authorization: `Bearer ${t.apiKey}` } });
  assert.equal(await res.text(), '');
  assert.ok(Date.now() - started < 10_000);
  const bad = await fetch(`${t.url}/monitor/${m}/events/stream?last_event_id=zz`, { headers: { authorization: `Bearer ${t.apiKey}` } });
  assert.equal(bad.status, 422);
  assert.match((await bad.json()).message, /last_event_id/);
  const other = (await t.other()).apiKey;
  assert.equal((await fetch(`${t.url}/monitor/${m}/events/stream`, { headers: { authorization: `Bearer ${other}` } })).status, 404);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Outcome } from './event.js';
import { nextHealth, settleOutcome, type SourceCheck, type SourceHealth } from './source-health.js';

const failed = (source: string, errorKey: string): SourceCheck => ({ source, url: source, ok: false, error: `${source} ${errorKey}`, errorKey });
const worked = (source: string): SourceCheck => ({ source, url: source, ok: true });
const ERROR: Outcome = { kind: 'error', message: 'every source failed' };

function history(...checks: SourceCheck[][]): Map<string, SourceHealth> {
  const records = new Map<string, SourceHealth>();
  checks.forEach((round, n) => {
    for (const c of round) records.set(c.source, nextHealth(records.get(c.source), c, n * 1000));
  });
  return records;
}

describe('noise control', () => {
  it('reports a first failure, and a failure after a success, as an error', () => {
    assert.deepEqual(settleOutcome(ERROR, [failed('a', 'http_503')], new Map()), ERROR);
    assert.deepEqual(settleOutcome(ERROR, [failed('a', 'http_503')], history([worked('a')])), ERROR);
  });

  it('turns an error every source already had into a completion with warnings', () => {
    const settled = settleOutcome(ERROR, [failed('a', 'http_503'), failed('b', 'timeout')], history([failed('a', 'http_503'), failed('b', 'timeout')]));
    assert.equal(settled.kind, 'completion');
    assert.equal(settled.kind === 'completion' && settled.warnings?.length, 2);
  });

  it("keeps an error every source already had an error when the monitor's repeated_failures is 'error'", () => {
    const before = history([failed('a', 'http_503')]);
    assert.deepEqual(settleOutcome(ERROR, [failed('a', 'http_503')], before, 'error'), ERROR);
    assert.equal(settleOutcome(ERROR, [failed('a', 'http_503')], before, 'warning').kind, 'completion');
    const events: Outcome = { kind: 'events', events: [] };
    assert.deepEqual(settleOutcome(events, [worked('b'), failed('a', 'http_503')], before, 'error'), {
      ...events,
      warnings: ['a: a http_503 (the same failure for 2 executions in a row; reported once, when it began)'],
    });
  });

  it("reports again when one source's failure changes or a new source fails", () => {
    const before = history([failed('a', 'http_503'), failed('b', 'timeout')]);
    assert.deepEqual(settleOutcome(ERROR, [failed('a', 'http_500'), failed('b', 'timeout')], before), ERROR);
    assert.deepEqual(settleOutcome(ERROR, [failed('a', 'http_503'), failed('b', 'timeout'), failed('c', 'timeout')], before), ERROR);
  });

  it('adds warnings to events and completions when some sources fail, and nothing when none does', () => {
    const events: Outcome = { kind: 'events', events: [] };
    assert.deepEqual(settleOutcome(events, [worked('a'), failed('b', 'http_502')], new Map()), { ...events, warnings: ['b: b http_502'] });
    assert.deepEqual(settleOutcome({ kind: 'completion' }, [worked('a')], new Map()), { kind: 'completion' });
  });

  it('counts consecutive failures, keeps the last error after a success, and the last success through failures', () => {
    const records = history([worked('a')], [failed('a', 'x')], [failed('a', 'x')], [failed('a', 'x')]);
    assert.deepEqual(records.get('a'), {
      source: 'a',
      url: 'a',
      consecutiveFailures: 3,
      lastSuccessAt: 0,
      lastError: 'a x',
      lastErrorKey: 'x',
      lastErrorAt: 3000,
      lastCheckedAt: 3000,
    });
    const recovered = nextHealth(records.get('a'), worked('a'), 4000);
    assert.equal(recovered.consecutiveFailures, 0);
    assert.equal(recovered.lastSuccessAt, 4000);
    assert.equal(recovered.lastError, 'a x');
  });
});

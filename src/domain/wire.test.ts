import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { AppError } from '../errors.js';
import type { ApiKey } from './api-keys.js';
import type { EvalFile, EvalMonitor, Evaluation } from './evaluation.js';
import { EvalMonitorDetail, EvaluationDetail } from './evaluation-schemas.js';
import type { LogEntry, TaskOutput } from './event.js';
import type { FindAllCandidate, FindAllRun } from './findall.js';
import { FindAllCandidateResponse, FindAllRunResponse, FindAllSchemaResponse } from './findall-schemas.js';
import { CreatedKey, KeyView } from './key-schemas.js';
import type { Monitor } from './monitor.js';
import { MonitorEvent, MonitorResponse, SourceRecord } from './monitor-schemas.js';
import type { TaskRun } from './task.js';
import { TaskRunResponse } from './task-schemas.js';
import {
  byCreation,
  candidateRecord,
  createdKeyRecord,
  encodeCursor,
  evalMonitorDetailRecord,
  evaluationDetailRecord,
  eventRecord,
  findAllRunRecord,
  keyRecord,
  keysetPage,
  monitorRecord,
  schemaRecord,
  sourceRecord,
  taskRunRecord,
} from './wire.js';

/**
 * Fastify writes a response with its schema and silently drops any field the schema does not
 * declare; a copy of the schema closed at every level fails on such a field instead.
 */
function closed(schema: TSchema): TSchema {
  const copy = structuredClone(schema) as Record<string, unknown>;
  const close = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(close);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const object = node as Record<string, unknown>;
    if (object.properties !== undefined && object.additionalProperties === undefined) object.additionalProperties = false;
    Object.values(object).forEach(close);
  };
  close(copy);
  return copy;
}

function assertFits(schema: TSchema, value: unknown): void {
  const errors = [...Value.Errors(closed(schema), value)].map((e) => `${e.instancePath} ${e.message}`);
  assert.deepEqual(errors, [], JSON.stringify(value));
}

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const output: TaskOutput = {
  type: 'json',
  content: { price: 3 },
  basis: [{ field: 'price', reasoning: 'on the page', confidence: 'high', citations: [{ url: 'http://127.0.0.1/p', title: null, excerpts: ['3'] }] }],
};
const monitor: Monitor = {
  id: 'mon_1',
  accountId: 'acc_1',
  type: 'snapshot',
  status: 'active',
  frequency: '1d',
  frequencySeconds: 86_400,
  processor: 'lite',
  settings: { task_run_id: 'trun_1', query: 'price', output_schema: null, task: { input: 'http://127.0.0.1/p', output_spec: { type: 'auto' } } },
  webhook: { url: 'http://127.0.0.1/hook', event_types: ['monitor.event.detected'] },
  metadata: { team: 'a' },
  memoryScopeKey: null,
  output: { latest_snapshot: output },
  createdAt: T,
  updatedAt: T,
  lastRunAt: null,
  nextRunAt: T,
};
const run: FindAllRun = {
  id: 'findall_1',
  accountId: 'acc_1',
  status: 'completed',
  generator: 'base',
  spec: { objective: 'o', entity_type: 'companies', match_conditions: [{ name: 'n', description: 'd' }], exclude_list: [], sources: [] },
  matchLimit: 5,
  enrichments: [{ output_schema: { type: 'json', json_schema: { type: 'object' } }, processor: 'core' }],
  metadata: null,
  webhook: null,
  terminationReason: 'candidates_exhausted',
  error: null,
  generatedCount: 2,
  matchedCount: 1,
  work: null,
  attempts: 1,
  warnings: ['ran as lite'],
  createdAt: T,
  modifiedAt: T,
};
const candidate: FindAllCandidate = {
  id: 'cand_1',
  runId: run.id,
  ordinal: 1,
  key: 'k',
  name: 'Acme',
  url: 'http://127.0.0.1/acme',
  description: null,
  matchStatus: 'matched',
  output: { size: 'big' },
  basis: output.basis,
  enrichmentsDone: 0,
};
const evalMonitor: EvalMonitor = {
  id: 'mon_e',
  accountId: 'acc_1',
  name: 'm',
  description: null,
  status: 'active',
  createdAt: T,
  updatedAt: T,
  settings: { guardrailMetrics: ['correctness'], thresholds: {}, webSearch: true, fileSearch: ['file_1'], contextAwareness: false, webhook: null },
};
const evaluation: Evaluation = {
  id: 'evt_1',
  monitorId: evalMonitor.id,
  accountId: 'acc_1',
  status: 'completed',
  progress: 100,
  runMode: 'smart',
  nametag: null,
  modelInput: { user_prompt: 'q' },
  modelOutput: 'a',
  guardrailMetrics: ['correctness'],
  result: { correctness: { score: 0.9, rationale: 'r', threshold: 0.5, passed: true } },
  errorMessage: null,
  evalTime: 1,
  cost: null,
  attempts: 1,
  createdAt: T,
  startedAt: T,
  finishedAt: T,
};
const file: EvalFile = { id: 'file_1', accountId: 'acc_1', name: 'a.txt', size: 3, contentType: 'text/plain', text: 'abc', createdAt: T };
const key: ApiKey = { id: 'key_1', accountId: 'acc_1', name: null, prefix: 'vgl_abcd', createdAt: T, lastUsedAt: null, revokedAt: null };
const task: TaskRun = {
  id: 'trun_1',
  accountId: 'acc_1',
  status: 'failed',
  processor: 'lite',
  input: { input: 'x', processor: 'lite', metadata: { n: 1 } },
  outputSpec: { type: 'auto' },
  output: null,
  derivedSchema: null,
  error: { ref_id: 'r', message: 'm', detail: null },
  warnings: [{ type: 'warning', message: 'w', detail: null }],
  attempts: 1,
  createdAt: T,
  modifiedAt: T,
};
const entry = (kind: 'event_stream' | 'error'): LogEntry =>
  kind === 'error'
    ? { id: 'evt_e', monitorId: 'mon_1', executionId: 'exe_1', createdAt: T, kind, message: 'down' }
    : { id: 'evt_s', monitorId: 'mon_1', executionId: 'exe_1', createdAt: T, kind, eventDate: '2026-01-02', output, warnings: ['a failed'] };

describe('wire mappers write every field their response schema declares, and no other', () => {
  it('Monitor API: monitors, events (with the additive monitor_group_id and warnings), source health', () => {
    assertFits(MonitorResponse, monitorRecord(monitor));
    assert.equal('task' in monitorRecord(monitor).settings, false, "the baseline task is Vigil's own record");
    assertFits(MonitorEvent, eventRecord(entry('event_stream')));
    assertFits(MonitorEvent, eventRecord(entry('error')));
    assertFits(
      SourceRecord,
      sourceRecord({
        source: 'http://127.0.0.1/f',
        url: null,
        consecutiveFailures: 2,
        lastSuccessAt: null,
        lastError: 'e',
        lastErrorKey: 'k',
        lastErrorAt: T,
        lastCheckedAt: T,
      }),
    );
  });

  it('Task, FindAll, DeepRails and key shapes', () => {
    assertFits(TaskRunResponse, taskRunRecord(task));
    assertFits(FindAllRunResponse, findAllRunRecord(run));
    assertFits(FindAllCandidateResponse, candidateRecord(candidate));
    assertFits(FindAllSchemaResponse, schemaRecord(run));
    assertFits(EvaluationDetail, evaluationDetailRecord(evaluation, evalMonitor, [file]));
    assertFits(EvalMonitorDetail, evalMonitorDetailRecord(evalMonitor, { completed: 1 }, [evaluation], [file]));
    assertFits(KeyView, keyRecord(key, 'key_1'));
    assertFits(CreatedKey, createdKeyRecord('vgl_secret', key));
  });

  it('writes times in one format', () => {
    assert.equal(monitorRecord(monitor).created_at, '2026-01-02T03:04:05.006Z');
    assert.equal(monitorRecord(monitor).last_run_at, null);
  });
});

describe('keysetPage', () => {
  const rows = Array.from({ length: 7 }, (_, i) => ({ id: `row_${i}`, createdAt: 1000 - Math.floor(i / 2) }));
  // Newest first, ties by id descending, as the repositories order them.
  const read = async (after: { createdAt: number; id: string } | undefined, limit: number) => {
    const asked = limit;
    const rest = after ? rows.filter((r) => r.createdAt < after.createdAt || (r.createdAt === after.createdAt && r.id < after.id)) : rows;
    return rest.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).slice(0, asked);
  };

  it('walks every row once, page by page, and says when there is no more', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await keysetPage(byCreation, cursor, 3, read);
      seen.push(...page.rows.map((r) => r.id));
      assert.equal(page.hasMore, page.nextCursor !== null);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    assert.deepEqual([...seen].sort(), rows.map((r) => r.id).sort());
    assert.equal(new Set(seen).size, rows.length);
  });

  it('reads one row more than it shows, and gives no cursor when the last page is exactly full', async () => {
    const asked: number[] = [];
    const page = await keysetPage(byCreation, undefined, 7, async (after, limit) => {
      asked.push(limit);
      return read(after, limit);
    });
    assert.deepEqual(asked, [8]);
    assert.equal(page.rows.length, 7);
    assert.equal(page.nextCursor, null);
  });

  it('refuses a cursor it did not make, or made for another list, with a 422 naming the cursor', async () => {
    for (const bad of ['not a cursor', encodeCursor({ m: 'mon_1', s: 4 }), encodeCursor({ c: -1, i: 'x' }), encodeCursor({ c: 1, i: "x'; --" })]) {
      await assert.rejects(
        keysetPage(byCreation, bad, 3, read),
        (err: unknown) => {
          assert.ok(err instanceof AppError);
          assert.equal(err.status, 422);
          assert.match(JSON.stringify(err.detail), /cursor/);
          return true;
        },
        bad,
      );
    }
  });
});

// The closing helper itself: a field the schema does not declare is caught.
describe('closed', () => {
  it('fails on an undeclared field at any depth', () => {
    const schema = Type.Object({ a: Type.Object({ b: Type.String() }) });
    assert.equal(Value.Check(closed(schema), { a: { b: 'x' } }), true);
    assert.equal(Value.Check(closed(schema), { a: { b: 'x', c: 1 } }), false);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepRailsClient } from './deeprails-client.js';
import { spawnServer, startReceiver, tempDir, testDatabase, waitFor, type ServerProcess } from './helpers.js';
import { readSse } from './sse-reader.js';

describe('evaluations across a crash', () => {
  it('kill -9 during 200 queued evaluations: after a restart each reaches a terminal status exactly once', { timeout: 180_000 }, async () => {
    const receiver = await startReceiver();
    const dir = tempDir();
    const database = await testDatabase(dir.path);
    const key = 'eval-crash-key';
    const env = {
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: key,
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_POLL_INTERVAL: '100ms',
      VIGIL_EXECUTION_TIMEOUT: '2s',
    };
    const servers: ServerProcess[] = [];
    try {
      const first = await spawnServer(env);
      servers.push(first);
      const dr = deepRailsClient(first.url, key);
      const m = (
        await dr.create({ name: 'crash', guardrail_metrics: ['completeness', 'instruction_adherence', 'comprehensive_safety'], webhook: { url: receiver.url } })
      ).body.monitor_id;
      // Long outputs keep each evaluation busy for a while, and submits sent 25 at a time queue work
      // faster than one process scores it: the kill finds evaluations in progress and more queued.
      const output = Array.from({ length: 1200 }, (_, i) => `Sentence ${i} says the sky is blue.`).join(' ');
      const ids: string[] = [];
      for (let start = 0; start < 200; start += 25) {
        const batch = await Promise.all(
          Array.from({ length: 25 }, (_, j) =>
            dr.submitEvent(m, {
              model_input: { user_prompt: `Explain the sky, part ${start + j}. Answer in fewer than 50 words.` },
              model_output: output,
            }),
          ),
        );
        for (const r of batch) {
          assert.equal(r.status, 200);
          ids.push(r.body.event_id);
        }
      }
      await waitFor(
        async () => {
          const s = (await dr.retrieve(m)).body.stats;
          if ((s.completed_evaluations ?? 0) + (s.failed_evaluations ?? 0) === 200)
            throw new Error('every evaluation finished before the kill: nothing was in progress to test');
          return (s.completed_evaluations ?? 0) >= 5 && (s.in_progress_evaluations ?? 0) > 0;
        },
        60_000,
        'some evaluations finished and some in progress',
      );
      first.child.kill('SIGKILL');
      await first.exited;

      const second = await spawnServer(env);
      servers.push(second);
      const again = deepRailsClient(second.url, key);
      const stats = await waitFor(
        async () => {
          const s = (await again.retrieve(m)).body.stats;
          return s.completed_evaluations + s.failed_evaluations === 200 ? s : undefined;
        },
        120_000,
        'every evaluation to finish',
      );
      assert.equal(stats.queued_evaluations + stats.in_progress_evaluations, 0);
      assert.equal(stats.total_evaluations, 200);

      // The log: exactly one terminal entry per evaluation.
      const res = await fetch(`${second.url}/monitor/${m}/events/stream?timeout=2`, { headers: { authorization: `Bearer ${key}` } });
      const terminal = new Map<string, number>();
      const starts = new Map<string, number>();
      for await (const e of readSse(res.body!)) {
        if (e.data.type === 'evaluation.in_progress') starts.set(e.data.data.event_id, (starts.get(e.data.data.event_id) ?? 0) + 1);
        if (e.data.type === 'evaluation.completed' || e.data.type === 'evaluation.failed') {
          terminal.set(e.data.data.event_id, (terminal.get(e.data.data.event_id) ?? 0) + 1);
        }
      }
      assert.equal(terminal.size, 200);
      assert.deepEqual([...new Set(terminal.values())], [1]);
      assert.deepEqual([...terminal.keys()].sort(), [...ids].sort());
      assert.ok(
        [...starts.values()].some((n) => n > 1),
        'some evaluation was in progress at the kill and was started again',
      );

      // Webhooks: at least once, and one message (one webhook-id) per evaluation.
      await waitFor(() => new Set(receiver.received.map((h) => h.headers['webhook-id'])).size >= 200, 60_000, '200 webhook messages');
      const messages = new Map<string, string>();
      for (const h of receiver.received) messages.set(h.headers['webhook-id'], h.json.data.event_id);
      assert.equal(messages.size, 200);
      assert.equal(new Set(messages.values()).size, 200);
    } finally {
      for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exited));
      await receiver.close();
      await database.drop();
      dir.remove();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sdkClient, spawnServer, startFixtureSite, startReceiver, tempDir, testDatabase, waitFor, type ServerProcess } from './helpers.js';

describe('task runs across a crash', () => {
  it('completes a run that was in flight when the server was killed, once, with one webhook', { timeout: 120_000 }, async () => {
    const site = await startFixtureSite();
    const receiver = await startReceiver();
    const dir = tempDir();
    const database = await testDatabase(dir.path);
    const env = {
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: 'task-crash-key',
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_POLL_INTERVAL: '200ms',
      VIGIL_EXECUTION_TIMEOUT: '3s',
    };
    const servers: ServerProcess[] = [];
    try {
      site.set('/product', '<html><body><h1 class="name">Widget</h1><span class="price">$42</span></body></html>');
      site.delay('/product', 60_000);
      const first = await spawnServer(env);
      servers.push(first);
      const client = sdkClient(first.url, 'task-crash-key');
      const schema = {
        type: 'object',
        additionalProperties: false,
        required: ['price'],
        properties: { price: { type: 'string', 'x-selector': '.price' } },
      };
      const run = await client.taskRun.create({
        input: `${site.url}/product`,
        processor: 'lite',
        task_spec: { output_schema: { type: 'json', json_schema: schema } },
        webhook: { url: `${receiver.url}/hook` },
      });
      await waitFor(() => site.hits('/product') === 1, 20_000, 'the run to be reading its page');
      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      assert.equal(await client.taskRun.retrieve(run.run_id).catch(() => undefined), undefined, 'the server is gone');

      site.delay('/product', 0);
      const second = await spawnServer(env);
      servers.push(second);
      const again = sdkClient(second.url, 'task-crash-key');
      const result = await again.taskRun.result(run.run_id, { timeout: 30 });
      assert.equal(result.run.status, 'completed');
      assert.deepEqual(result.output.content, { price: '$42' });

      await waitFor(() => receiver.received.length === 1, 20_000, 'the task_run.status webhook');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(receiver.received.length, 1, 'one webhook for one result');
      assert.equal(receiver.received[0].json.data.status, 'completed');
      assert.equal(site.hits('/product'), 2, 'read once by the dead process, once by the new one');
      const trace: any[] = [];
      for await (const event of await again.taskRun.events(run.run_id)) trace.push(event);
      assert.ok(
        trace.some((e) => /Resumed \(attempt 2\)/.test(e.message ?? '')),
        'the trace says the run was resumed',
      );
    } finally {
      for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exited));
      await receiver.close();
      await site.close();
      await database.drop();
      dir.remove();
    }
  });
});

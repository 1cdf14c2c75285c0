import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort, rss, sdkClient, spawnServer, startFixtureSite, startReceiver, tempDir, testDatabase, waitFor, type ServerProcess } from './helpers.js';

const MONITORS = 5;
const RUNS_EACH = 3;

describe('webhooks across a crash', () => {
  it('delivers everything to a receiver that was down while the server was killed and restarted', { timeout: 120_000 }, async () => {
    const site = await startFixtureSite();
    const dir = tempDir();
    const database = await testDatabase(dir.path);
    const port = await freePort();
    const hook = `http://127.0.0.1:${port}/hook`;
    const env = {
      VIGIL_DATABASE_URL: database.url,
      VIGIL_API_KEY: 'crash-key',
      VIGIL_ALLOW_NETWORKS: '127.0.0.0/8',
      VIGIL_WEBHOOK_RETRY_DELAY: '200ms',
      VIGIL_POLL_INTERVAL: '200ms',
    };
    const servers: ServerProcess[] = [];
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
    try {
      site.set('/feed.xml', rss('Feed', [{ title: 'Old', link: 'https://news.example.test/old', date: new Date('2020-01-01') }]));
      const first = await spawnServer(env);
      servers.push(first);
      const client = sdkClient(first.url, 'crash-key');
      const ids: string[] = [];
      for (let i = 0; i < MONITORS; i += 1) {
        const monitor = await client.monitor.create({
          type: 'event_stream',
          frequency: '1d',
          settings: { query: `${site.url}/feed.xml` },
          webhook: { url: hook },
        });
        ids.push(monitor.monitor_id);
      }
      for (let run = 1; run < RUNS_EACH; run += 1) {
        for (const id of ids) {
          await client.monitor.trigger(id);
          await waitFor(async () => (await client.monitor.events(id, { include_completions: true })).events.length === run + 1);
        }
      }
      const deliveries = async (url: string) => {
        const response = await fetch(`${url}/v1/webhooks/deliveries?limit=1000`, { headers: { 'x-api-key': 'crash-key' } });
        return (await response.json()).deliveries as any[];
      };
      const expected = await waitFor(
        async () => {
          const list = await deliveries(first.url);
          return list.length === MONITORS * RUNS_EACH && list.every((d) => d.attempts >= 1) ? list : undefined;
        },
        30_000,
        'every delivery to have failed at least once',
      );
      assert.ok(expected.every((d) => d.status === 'pending' && /ECONNREFUSED/.test(d.last_error)));

      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      receiver = await startReceiver(port);
      const second = await spawnServer(env);
      servers.push(second);

      const want = new Set(expected.map((d) => d.delivery_id));
      await waitFor(() => new Set(receiver!.received.map((r) => r.headers['webhook-id'])).size === want.size, 60_000, 'every delivery');
      const got = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      assert.deepEqual([...got].sort(), [...want].sort(), 'each delivery arrived, under its own webhook-id, and nothing else');
      const final = await waitFor(async () => {
        const list = await deliveries(second.url);
        return list.every((d) => d.status === 'delivered') ? list : undefined;
      });
      assert.equal(final.length, MONITORS * RUNS_EACH);
    } finally {
      for (const server of servers) server.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exited));
      await receiver?.close();
      await site.close();
      await database.drop();
      dir.remove();
    }
  });
});

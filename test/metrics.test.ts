import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ID } from '../src/domain/ids.js';
import { rss, startFixtureSite, startReceiver, startTestVigil, waitFor } from './helpers.js';

/** The value of one series in a Prometheus text exposition (0 when absent). */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('exposes queue depth, lag and duration histograms, outcomes, fetches and takeovers, with values that move', async () => {
    const site = await startFixtureSite();
    site.set('/feed.xml', rss('Feed', [{ title: 'One', link: 'https://news.example.test/1' }]));
    const receiver = await startReceiver();
    const vigil = await startTestVigil();
    const scrape = async () => {
      const response = await fetch(`${vigil.url}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      return response.text();
    };
    try {
      const before = await scrape();
      for (const name of [
        'vigil_queue_depth',
        'vigil_execution_start_lag_seconds',
        'vigil_execution_duration_seconds',
        'vigil_executions_total',
        'vigil_webhook_deliveries_total',
        'vigil_fetches_total',
        'vigil_lease_takeovers_total',
      ]) {
        assert.match(before, new RegExp(`# TYPE ${name} `), `${name} is exposed`);
      }
      assert.doesNotMatch(before, /account/, 'no per-account labels');

      const monitor = await vigil.client.monitor.create({
        type: 'event_stream',
        frequency: '1d',
        settings: { query: `${site.url}/feed.xml` },
        webhook: { url: receiver.url },
      });
      await waitFor(() => receiver.received.length >= 1, 15_000, "the creation run's webhook");
      const db = vigil.vigil.store.db;
      // A worker that died mid-execution: its lease expired, so the next claim takes it over.
      await db
        .insertInto('executions')
        .values({
          id: ID.execution(),
          monitor_id: monitor.monitor_id,
          account_id: (await db.selectFrom('monitors').select('account_id').where('id', '=', monitor.monitor_id).executeTakeFirstOrThrow()).account_id,
          reason: 'trigger',
          scheduled_for: null,
          status: 'running',
          locked_by: 'dead-worker',
          locked_until: Date.now() - 1000,
          attempts: 1,
          created_at: Date.now() - 2000,
        })
        .execute();
      vigil.vigil.store.workHints.notify();
      const after = await waitFor(
        async () => {
          const text = await scrape();
          return value(text, 'vigil_lease_takeovers_total{kind="execution"}') > value(before, 'vigil_lease_takeovers_total{kind="execution"}') &&
            value(text, 'vigil_executions_total{outcome="completion"}') > value(before, 'vigil_executions_total{outcome="completion"}')
            ? text
            : undefined;
        },
        15_000,
        'the takeover to run and commit',
      );

      const moved = (series: string) => assert.ok(value(after, series) > value(before, series), `${series} moved`);
      moved('vigil_execution_start_lag_seconds_count{reason="create"}');
      moved('vigil_execution_start_lag_seconds_count{reason="trigger"}');
      moved('vigil_execution_duration_seconds_count{outcome="completion"}');
      moved('vigil_fetches_total{status_class="2xx"}');
      moved('vigil_webhook_deliveries_total{outcome="delivered"}');
      assert.equal(value(after, 'vigil_queue_depth{kind="execution",state="queued"}'), 0);
      assert.match(after, /vigil_queue_depth\{kind="task_run",state="running"\} 0/);
    } finally {
      await vigil.stop();
      await receiver.close();
      await site.close();
    }
  });
});

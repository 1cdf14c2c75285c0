import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { ensureAccount } from '../src/accounts.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createDispatcher } from '../src/engine/webhook-dispatcher.js';
import { ID } from '../src/domain/ids.js';
import { createOutboundClient, type OutboundClient } from '../src/outbound/http.js';
import { openStore, type Store } from '../src/store/db.js';
import { insertDeliveries, type NewDelivery } from '../src/store/deliveries.repository.js';
import { tempDir, testDatabase, waitFor, type TestDatabase } from './helpers.js';

// Issue 11 item 3 and the webhook part of item 5: a slow receiver, or one account's backlog, only
// slows its own lane. Asserted by progress (who has received what while the other still waits),
// never by timing.

const log = pino({ level: 'silent' });

/**
 * A receiver whose answers take `delayMs` per path prefix (`/slow…` or `/fast…`), or are held
 * until released (`/held…`); it counts distinct webhook-ids per prefix.
 */
async function startReceiver(slowMs: number) {
  const seen = new Map<string, Set<string>>();
  const held: (() => void)[] = [];
  let holding = true;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const prefix = (req.url ?? '').split('/')[1].replace(/-.*/, '');
      const ids = seen.get(prefix) ?? new Set<string>();
      ids.add(String(req.headers['webhook-id']));
      seen.set(prefix, ids);
      const answer = () => res.writeHead(200).end();
      if (prefix === 'slow') setTimeout(answer, slowMs);
      else if (prefix === 'held' && holding) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: (prefix: string) => seen.get(prefix)?.size ?? 0,
    heldCount: () => held.length,
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function newDeliveries(accountId: string, urls: string[], count: number, now: number): NewDelivery[] {
  return Array.from({ length: count }, (_, i) => ({
    id: ID.delivery(),
    accountId,
    resourceType: 'monitor',
    resourceId: ID.monitor(),
    eventType: 'monitor.event.detected',
    url: urls[i % urls.length],
    body: JSON.stringify({ type: 'monitor.event.detected', n: i }),
    createdAt: now,
  }));
}

describe('webhook isolation', () => {
  const dir = tempDir();
  let database: TestDatabase;
  let store: Store;
  let http: OutboundClient;

  before(async () => {
    database = await testDatabase(dir.path);
    store = await openStore(database.url);
    http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'vigil-test' });
  });
  after(async () => {
    await http.close();
    await store.close();
    await database.drop();
    dir.remove();
  });

  const pendingOf = async (ids: string[]) => {
    const rows = await store.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').where('id', 'in', ids).execute();
    return rows.length;
  };
  const lockedBy = async (workerId: string) => {
    const rows = await store.db.selectFrom('webhook_deliveries').select('id').where('locked_by', '=', workerId).execute();
    return rows.length;
  };

  it('a slow receiver strands nothing and does not hold back a fast one', { timeout: 120_000 }, async () => {
    // Scaled down from the issue (1.5 s answers, 15 s timeout): 400 ms answers, a 1 s timeout. A
    // claimed delivery may wait at most the timeout before it must be sent or given back.
    const webhooks = { retryDelayMs: 100, retryWindowMs: 600_000, disableAfterMs: 3_600_000, timeoutMs: 1_000, accountConcurrency: 16 };
    const receiver = await startReceiver(400);
    const accountId = (await ensureAccount(store, 'isolation-slow')).id;
    // The slow receiver's messages are older, so a claim in due order meets them first.
    const slow = newDeliveries(accountId, [`${receiver.origin}/slow`], 300, Date.now() - 2);
    const fast = newDeliveries(accountId, [`${receiver.origin}/fast`], 300, Date.now() - 1);
    await insertDeliveries(store.db, slow);
    await insertDeliveries(store.db, fast);
    const workerId = 'w-isolation-slow';
    const dispatcher = createDispatcher({ store, http, clock: Date.now, log, workerId, intervalMs: 50, webhooks });
    dispatcher.start();
    try {
      await waitFor(() => receiver.count('fast') === fast.length, 30_000, 'every fast delivery');
      const slowPending = await pendingOf(slow.map((d) => d.id));
      assert.ok(
        slowPending >= slow.length / 2,
        `the fast receiver had all its deliveries while most slow ones still waited (${slowPending} of ${slow.length} pending)`,
      );
      await waitFor(async () => (await pendingOf([...slow, ...fast].map((d) => d.id))) === 0, 90_000, 'every delivery recorded');
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
    assert.equal(receiver.count('slow'), slow.length, 'every slow delivery arrived');
    assert.equal(await lockedBy(workerId), 0, 'nothing is left leased after stop');
  });

  it("one account's backlog to stuck receivers waits behind its own cap, not in front of another account", { timeout: 60_000 }, async () => {
    const webhooks = { retryDelayMs: 100, retryWindowMs: 600_000, disableAfterMs: 3_600_000, timeoutMs: 20_000, accountConcurrency: 8 };
    const receiver = await startReceiver(0);
    const busy = (await ensureAccount(store, 'isolation-busy')).id;
    const other = (await ensureAccount(store, 'isolation-other')).id;
    // Many URLs, so the per-URL limit does not bind: only a per-account cap can keep slots free.
    const heldUrls = Array.from({ length: 40 }, (_, i) => `${receiver.origin}/held-${i}`);
    const backlog = newDeliveries(busy, heldUrls, 300, Date.now() - 2);
    const mine = newDeliveries(other, [`${receiver.origin}/fast`], 100, Date.now() - 1);
    await insertDeliveries(store.db, backlog);
    await insertDeliveries(store.db, mine);
    const workerId = 'w-isolation-accounts';
    const dispatcher = createDispatcher({ store, http, clock: Date.now, log, workerId, intervalMs: 50, webhooks });
    dispatcher.start();
    try {
      await waitFor(() => receiver.count('fast') === mine.length, 20_000, 'every delivery of the other account');
      assert.equal(receiver.heldCount(), webhooks.accountConcurrency, 'the busy account has exactly its cap in flight');
      receiver.release();
      await waitFor(async () => (await pendingOf([...backlog, ...mine].map((d) => d.id))) === 0, 40_000, 'every delivery recorded');
    } finally {
      receiver.release();
      await dispatcher.stop();
      await receiver.close();
    }
    assert.equal(receiver.count('held'), backlog.length, 'every delivery of the busy account arrived');
    assert.equal(await lockedBy(workerId), 0, 'nothing is left leased after stop');
  });

  it('reads the per-account cap from VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY, 16 by default, and refuses a bad one naming it', () => {
    assert.equal(loadConfig({}).webhooks.accountConcurrency, 16);
    assert.equal(loadConfig({ VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY: '4' }).webhooks.accountConcurrency, 4);
    for (const bad of ['0', '33', 'many']) {
      assert.throws(
        () => loadConfig({ VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY: bad }),
        (err: unknown) => err instanceof ConfigError && /VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY must be an integer from 1 to 32/.test(err.message),
      );
    }
  });
});

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { ensureAccount } from '../src/accounts.js';
import { createDispatcher } from '../src/engine/webhook-dispatcher.js';
import { ID } from '../src/domain/ids.js';
import { createOutboundClient, type OutboundClient } from '../src/outbound/http.js';
import type { Store } from '../src/store/db.js';
import { openStore } from '../src/store/db.js';
import { insertDeliveries, type NewDelivery } from '../src/store/deliveries.repository.js';
import { tempDir, testDatabase, waitFor, type TestDatabase } from './helpers.js';

// The dispatcher on its own, over a real store and a real local receiver: how it schedules claimed
// deliveries (per-URL and total concurrency, leases), which the API-level tests cannot see.

const log = pino({ level: 'silent' });
const WEBHOOKS = { retryDelayMs: 100, retryWindowMs: 60_000, disableAfterMs: 3_600_000, timeoutMs: 1_000, accountConcurrency: 16 };

interface HeldRequest {
  path: string;
  id: string;
  release(): void;
}

/** A receiver that counts requests in flight per path, and can hold answers until released. */
async function startCountingReceiver() {
  const inFlight = new Map<string, number>();
  const seen: { path: string; id: string }[] = [];
  let total = 0;
  let maxTotal = 0;
  let maxPerPath = 0;
  let hold = false;
  const held: HeldRequest[] = [];
  let onRequest: (id: string) => Promise<void> = async () => {};
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const onEnd = async () => {
      const path = req.url ?? '';
      const id = String(req.headers['webhook-id']);
      seen.push({ path, id });
      total += 1;
      inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
      maxTotal = Math.max(maxTotal, total);
      maxPerPath = Math.max(maxPerPath, inFlight.get(path)!);
      await onRequest(id);
      const answer = () => {
        total -= 1;
        inFlight.set(path, inFlight.get(path)! - 1);
        res.writeHead(200).end();
      };
      if (hold) held.push({ path, id, release: answer });
      else setTimeout(answer, 5);
    };
    req.on('end', () => {
      void onEnd();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    held,
    max: () => ({ total: maxTotal, perPath: maxPerPath }),
    hold: (on: boolean) => {
      hold = on;
    },
    onRequest: (fn: (id: string) => Promise<void>) => {
      onRequest = fn;
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

describe('webhook dispatcher', () => {
  const dir = tempDir();
  let database: TestDatabase;
  let store: Store;
  let http: OutboundClient;
  let accountId: string;

  before(async () => {
    database = await testDatabase(dir.path);
    store = await openStore(database.url);
    accountId = (await ensureAccount(store, 'dispatcher-test')).id;
    http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'vigil-test' });
  });
  after(async () => {
    await http.close();
    await store.close();
    await database.drop();
    dir.remove();
  });

  it('drains a backlog of several claims, each delivery once, never over 4 requests per URL or 16 for one account', async () => {
    const receiver = await startCountingReceiver();
    // Half the messages go to one URL, so its limit binds; the others fill the remaining slots.
    const urls = Array.from({ length: 10 }, (_, i) => `${receiver.origin}/hook/${Math.max(0, i - 4)}`);
    const rows = newDeliveries(accountId, urls, 700, Date.now() - 1);
    await insertDeliveries(store.db, rows);
    // A timeout no loaded machine trips with a 5 ms receiver: one would send a delivery twice.
    const webhooks = { ...WEBHOOKS, timeoutMs: 10_000 };
    const dispatcher = createDispatcher({ store, http, clock: Date.now, log, workerId: 'w-drain', intervalMs: 50, webhooks });
    dispatcher.start();
    try {
      await waitFor(
        async () => {
          const left = await store.db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
          return left.length === 0;
        },
        30_000,
        'every delivery recorded',
      );
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
    const ids = receiver.seen.map((s) => s.id).sort();
    assert.deepEqual(ids, rows.map((r) => r.id).sort(), 'every delivery sent exactly once');
    assert.ok(receiver.max().perPath <= 4, `at most 4 in flight to one URL (saw ${receiver.max().perPath})`);
    assert.ok(receiver.max().total <= 16, `at most 16 in flight for the one account (saw ${receiver.max().total})`);
    assert.equal(receiver.max().perPath, 4, 'the per-URL limit was reached (the receiver answered slowly enough)');
    assert.equal(receiver.max().total, 16, "the account's limit was reached");
    const attempts = await store.db
      .selectFrom('webhook_deliveries')
      .select(['attempts', 'status'])
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    assert.ok(attempts.every((a) => a.status === 'delivered' && Number(a.attempts) === 1));
  });

  it('never sends a delivery whose lease could lapse during the request: one that waited too long is given back and claimed anew', async () => {
    const receiver = await startCountingReceiver();
    const url = `${receiver.origin}/hook/lease`;
    let offset = 0;
    const clock = () => Date.now() + offset;
    // At each request, how long the delivery's lease still runs on the dispatcher's clock.
    const remaining = new Map<string, number[]>();
    receiver.onRequest(async (id) => {
      const row = await store.db.selectFrom('webhook_deliveries').select('locked_until').where('id', '=', id).executeTakeFirstOrThrow();
      remaining.set(id, [...(remaining.get(id) ?? []), Number(row.locked_until) - clock()]);
    });
    receiver.hold(true);
    const rows = newDeliveries(accountId, [url], 8, Date.now() - 1);
    await insertDeliveries(store.db, rows);
    const dispatcher = createDispatcher({ store, http, clock, log, workerId: 'w-lease', intervalMs: 50, webhooks: WEBHOOKS });
    dispatcher.start();
    try {
      // Four in flight (the per-URL limit); the other four wait, claimed under the same lease.
      await waitFor(() => receiver.held.length === 4, 10_000, 'four requests held');
      // The lease is 2 × timeout + 5 s = 7 s; 6.5 s later a waiting delivery's lease would lapse
      // during its 1 s request.
      offset = 6_500;
      receiver.hold(false);
      for (const request of receiver.held.splice(0)) request.release();
      await waitFor(
        async () => {
          const left = await store.db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
          return left.length === 0;
        },
        15_000,
        'every delivery recorded',
      );
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
    assert.equal(remaining.size, 8, 'every delivery was sent');
    for (const [id, leases] of remaining) {
      assert.equal(leases.length, 1, `${id} was sent once`);
      assert.ok(leases[0] >= WEBHOOKS.timeoutMs, `${id} was sent with ${leases[0]} ms of lease left, less than its timeout`);
    }
  });

  it('at stop, gives back the deliveries it claimed but did not start, and lets the started ones finish', async () => {
    const receiver = await startCountingReceiver();
    receiver.hold(true);
    const rows = newDeliveries(accountId, [`${receiver.origin}/hook/stop`], 8, Date.now() - 1);
    await insertDeliveries(store.db, rows);
    const dispatcher = createDispatcher({ store, http, clock: Date.now, log, workerId: 'w-stop', intervalMs: 50, webhooks: WEBHOOKS });
    dispatcher.start();
    let stopped = false;
    try {
      await waitFor(() => receiver.held.length === 4, 10_000, 'four requests held');
      const stopping = dispatcher.stop().then(() => {
        stopped = true;
      });
      const ids = rows.map((r) => r.id);
      const released = await waitFor(
        async () => {
          const free = await store.db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('id', 'in', ids)
            .where('status', '=', 'pending')
            .where('locked_by', 'is', null)
            .execute();
          return free.length === 4 ? free : undefined;
        },
        10_000,
        'the four waiting deliveries released',
      );
      assert.equal(stopped, false, 'stop waits for the requests in flight');
      for (const request of receiver.held.splice(0)) request.release();
      await stopping;
      const sent = new Set(receiver.seen.map((s) => s.id));
      assert.equal(sent.size, 4, 'nothing was sent after the stop began');
      assert.ok(
        released.every((r) => !sent.has(r.id)),
        'the released deliveries are the unsent ones',
      );
      const delivered = await store.db.selectFrom('webhook_deliveries').select('id').where('id', 'in', ids).where('status', '=', 'delivered').execute();
      assert.deepEqual(delivered.map((d) => d.id).sort(), [...sent].sort(), 'the started ones were recorded before stop returned');
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
  });
});

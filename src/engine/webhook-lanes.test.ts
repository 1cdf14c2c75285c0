import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Claimed } from '../delivery/attempt.js';
import { Lanes, type LaneLimits } from './webhook-lanes.js';

// The lanes decide which claimed delivery may start, within the limits in all, per URL and per
// account, and which must be given back. Pure in-memory logic over a settable clock.

const LIMITS: LaneLimits = { total: 8, perUrl: 2, perAccount: 4, accountQueue: 50, sendWindowMs: 1_000 };

let order = 0;
function claimed(accountId: string, url: string, claimedAt: number): Claimed {
  return {
    delivery: { id: `d${order}`, accountId, url, body: '{}', attempts: 0, nextAttemptAt: 0, windowStart: 0 },
    account: undefined,
    endpoint: { url, status: 'active', failingSince: null, lastSuccessAt: null, disabledReason: null },
    claimedAt,
    leaseUntil: claimedAt + 7_000,
    order: order++,
  };
}
const many = (n: number, accountId: string, url: string, at = 0) => Array.from({ length: n }, () => claimed(accountId, url, at));

function drain(lanes: Lanes): Claimed[] {
  const started: Claimed[] = [];
  for (let c = lanes.next(); c; c = lanes.next()) started.push(c);
  return started;
}

describe('webhook lanes', () => {
  it('start no more than the per-URL, per-account and total limits allow', () => {
    const lanes = new Lanes(LIMITS, () => 0);
    assert.deepEqual(lanes.add([...many(10, 'a', 'u1'), ...many(10, 'a', 'u2'), ...many(10, 'a', 'u3')]), []);
    const first = drain(lanes);
    assert.equal(first.length, 4, 'account a stops at its cap of 4, although three URLs could take 6');
    for (const url of ['u1', 'u2', 'u3']) assert.ok(first.filter((c) => c.delivery.url === url).length <= 2);
    lanes.add([...many(10, 'b', 'v1'), ...many(10, 'b', 'v2'), ...many(10, 'c', 'w1'), ...many(10, 'c', 'w2')]);
    const second = drain(lanes);
    assert.equal(second.length, 4, 'the total of 8 binds');
    assert.equal(lanes.inFlight, 8);
  });

  it('give the next free slot to the account with the fewest requests in flight, not the oldest claim', () => {
    const lanes = new Lanes(LIMITS, () => 0);
    lanes.add([...many(10, 'a', 'u1'), ...many(10, 'a', 'u2')]);
    const a = drain(lanes);
    lanes.add(many(3, 'b', 'v1'));
    const b = drain(lanes);
    assert.equal(b.length, 2, "b gets its URL's two slots");
    lanes.finished(a[0]);
    const next = lanes.next()!;
    assert.equal(next.delivery.accountId, 'a', "only a has a startable head (b's URL is full)");
    lanes.finished(b[0]);
    lanes.finished(a[1]);
    assert.equal(lanes.next()!.delivery.accountId, 'b', "b has fewer in flight, although a's waiting claims are older");
  });

  it('hand back what a full lane or account cannot queue', () => {
    const lanes = new Lanes({ ...LIMITS, accountQueue: 5 }, () => 0);
    const excess = lanes.add(many(8, 'a', 'u1'));
    assert.equal(excess.length, 3);
    assert.equal(lanes.waiting, 5);
    assert.deepEqual(lanes.busy(4, 0).accounts, ['a'], 'a full account is left out of claims');
  });

  it('take out what waited too long, and shrink a lane whose deliveries wait, giving back its tail', () => {
    let now = 0;
    const lanes = new Lanes(LIMITS, () => now);
    lanes.add(many(40, 'a', 'u1', 0));
    const started = drain(lanes);
    assert.equal(started.length, 2);
    now = 600; // over a quarter of the send window: the lane's cap halves at each start
    const tail: Claimed[] = [];
    let inFlight = started;
    const again: Claimed[] = [];
    for (let round = 0; round < 3; round++) {
      for (const c of inFlight) tail.push(...lanes.finished(c));
      inFlight = drain(lanes);
      again.push(...inFlight);
    }
    for (const c of inFlight) tail.push(...lanes.finished(c));
    assert.ok(tail.length > 0, 'the lane gave back its tail once its cap fell below what it held');
    assert.ok(lanes.waiting <= 4, `it keeps no more than its shrunken cap (${lanes.waiting})`);
    now = 1_100;
    const old = lanes.expired((c) => now - c.claimedAt > LIMITS.sendWindowMs);
    assert.equal(lanes.waiting, 0, 'every waiting delivery past the window is taken out');
    assert.equal(old.length + tail.length + again.length + started.length, 40, 'every delivery is accounted for');
    assert.equal(lanes.next(), undefined);
  });
});

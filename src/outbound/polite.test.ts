// Decisions of the politeness layer; nothing here opens a socket (the end-to-end tests are test/polite-fetch.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostBackoffError, HostGates } from './host-gate.js';
import { freshnessOf, MAX_FRESHNESS_MS, ResponseCache, retryAfterMs, type CacheEntry } from './http-cache.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('freshness', () => {
  it('reads max-age (minus Age), no-cache, no-store and Expires against Date', () => {
    assert.deepEqual(freshnessOf({ 'cache-control': 'public, max-age=60' }, NOW), { noStore: false, freshUntil: NOW + 60_000 });
    assert.equal(freshnessOf({ 'cache-control': 'max-age=60', age: '50' }, NOW).freshUntil, NOW + 10_000);
    assert.equal(freshnessOf({ 'cache-control': 'max-age=60', age: '90' }, NOW).freshUntil, 0);
    assert.equal(freshnessOf({ 'cache-control': 'no-cache, max-age=60' }, NOW).freshUntil, 0);
    assert.deepEqual(freshnessOf({ 'cache-control': 'no-store' }, NOW), { noStore: true, freshUntil: 0 });
    const date = new Date(NOW - 3_600_000).toUTCString(); // a server clock an hour behind
    const expires = new Date(NOW - 3_600_000 + 120_000).toUTCString();
    assert.equal(freshnessOf({ date, expires }, NOW).freshUntil, NOW + 120_000, "Expires counts from the server's Date");
    assert.equal(freshnessOf({ expires: '0' }, NOW).freshUntil, 0, 'an invalid Expires means already expired');
    assert.equal(freshnessOf({ 'cache-control': 'max-age=31536000' }, NOW).freshUntil, NOW + MAX_FRESHNESS_MS, 'capped at a day');
    assert.equal(freshnessOf({}, NOW).freshUntil, 0);
  });

  // Cases where the hand-written reading departed from RFC 9111 (it kept Expires despite Age, ignored
  // Vary: *, and fell back to Expires when max-age was unreadable); the rest pin what Vigil chooses.
  it('follows RFC 9111 where a simple reading goes wrong', () => {
    const date = new Date(NOW).toUTCString();
    const expires = new Date(NOW + 120_000).toUTCString();
    assert.equal(freshnessOf({ date, expires, age: '100' }, NOW).freshUntil, NOW + 20_000, 'Age counts against Expires too (§4.2.3)');
    assert.equal(freshnessOf({ 'cache-control': 'max-age=60', vary: '*' }, NOW).freshUntil, 0, 'Vary: * never matches a later request (§4.1)');
    assert.equal(freshnessOf({ 'cache-control': 'max-age=soon', date, expires }, NOW).freshUntil, 0, 'an invalid max-age is stale, Expires ignored (§4.2.1)');
    assert.equal(freshnessOf({ 'cache-control': 'Max-Age=60' }, NOW).freshUntil, NOW + 60_000, 'directive names are case-insensitive (§5.2)');
    assert.equal(freshnessOf({ 'cache-control': 'max-age=60, must-revalidate' }, NOW).freshUntil, NOW + 60_000, 'must-revalidate binds only once stale');
    assert.equal(freshnessOf({ 'cache-control': 'private, max-age=60' }, NOW).freshUntil, NOW + 60_000, 'Vigil is a private cache: private counts');
    assert.equal(freshnessOf({ 'cache-control': 's-maxage=600, max-age=0' }, NOW).freshUntil, 0, 'and s-maxage (shared caches only) does not');
    assert.equal(
      freshnessOf({ 'cache-control': 'max-age=0, stale-while-revalidate=600, stale-if-error=600' }, NOW).freshUntil,
      0,
      'a stale copy is never served',
    );
    const lastModified = new Date(NOW - 10 * 86_400_000).toUTCString();
    assert.equal(freshnessOf({ date, 'last-modified': lastModified }, NOW).freshUntil, 0, 'no heuristic freshness: a monitor asks');
    assert.equal(freshnessOf({ 'cache-control': 'immutable, max-age=5' }, NOW).freshUntil, NOW + 5_000, 'immutable adds no lifetime');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(retryAfterMs('120', NOW), 120_000);
    assert.equal(retryAfterMs(new Date(NOW + 30_000).toUTCString(), NOW), 30_000);
    assert.equal(retryAfterMs(new Date(NOW - 30_000).toUTCString(), NOW), 0);
    assert.equal(retryAfterMs('soon', NOW), undefined);
    assert.equal(retryAfterMs(undefined, NOW), undefined);
  });
});

describe('the response cache', () => {
  const entry = (bytes: number): CacheEntry => ({
    response: { url: 'http://x.test/', status: 200, headers: {}, body: Buffer.alloc(bytes), redirects: [] },
    etag: undefined,
    lastModified: undefined,
    fetchedAt: NOW,
    sentAt: NOW,
    freshUntil: 0,
    readers: new Map(),
  });

  it('drops the least recently used bodies beyond its size', () => {
    const cache = new ResponseCache(100);
    cache.set('a', entry(40));
    cache.set('b', entry(40));
    assert.ok(cache.get('a'), 'a is now the most recently used');
    cache.set('c', entry(40));
    assert.equal(cache.get('b'), undefined, 'b, least recently used, went');
    assert.ok(cache.get('a'));
    assert.ok(cache.get('c'));
    cache.set('huge', entry(101));
    assert.equal(cache.get('huge'), undefined, 'a body larger than the cache is not kept');
    assert.ok(cache.get('a'));
  });
});

describe('host gates', () => {
  it('admits at most `concurrency` requests to a host at once, and other hosts independently', async () => {
    const gates = new HostGates({ concurrency: 2, spacingMs: 0, now: Date.now });
    const signal = new AbortController().signal;
    const deadline = Date.now() + 60_000;
    const first = await gates.acquire('a.test', deadline, signal);
    await gates.acquire('a.test', deadline, signal);
    let third = false;
    const waiting = gates.acquire('a.test', deadline, signal).then((release) => {
      third = true;
      return release;
    });
    await gates.acquire('b.test', deadline, signal); // another host is not held up
    await new Promise((r) => setImmediate(r));
    assert.equal(third, false, 'the third request to a.test waits');
    first();
    (await waiting)();
    assert.equal(third, true, 'and starts once one finishes');
  });

  it('holds the next request to a host back until the spacing has passed, while another host goes at once', async () => {
    const gates = new HostGates({ concurrency: 5, spacingMs: 60_000, now: Date.now });
    const stop = new AbortController();
    const deadline = Date.now() + 120_000;
    (await gates.acquire('spaced.test', deadline, stop.signal))();
    let started = false;
    const next = gates.acquire('spaced.test', deadline, stop.signal).then(() => {
      started = true;
    });
    (await gates.acquire('other.test', deadline, stop.signal))();
    await new Promise((r) => setImmediate(r));
    assert.equal(started, false, 'a free slot is not enough: the spacing holds the second request back');
    stop.abort(new Error('stopped'));
    await assert.rejects(next, /stopped/);
  });

  it('refuses at once a request that Retry-After would hold past its deadline, and wakes queued ones with the error', async () => {
    const gates = new HostGates({ concurrency: 1, spacingMs: 0, now: Date.now });
    const signal = new AbortController().signal;
    const release = await gates.acquire('busy.test', Date.now() + 60_000, signal);
    const queued = gates.acquire('busy.test', Date.now() + 60_000, signal);
    const until = Date.now() + 3_600_000;
    gates.backOff('busy.test', until);
    await assert.rejects(
      queued,
      (err: unknown) => err instanceof HostBackoffError && err.notBefore === until && /busy\.test asked \(Retry-After\)/.test(err.message),
    );
    await assert.rejects(gates.acquire('busy.test', Date.now() + 60_000, signal), HostBackoffError);
    release();
    assert.equal(gates.notBefore('busy.test'), until);
  });

  it('lets a waiting request go when its execution stops', async () => {
    const gates = new HostGates({ concurrency: 1, spacingMs: 0, now: Date.now });
    const release = await gates.acquire('slow.test', Date.now() + 60_000, new AbortController().signal);
    const stop = new AbortController();
    const waiting = gates.acquire('slow.test', Date.now() + 60_000, stop.signal);
    stop.abort(new Error('execution stopped'));
    await assert.rejects(waiting, /execution stopped/);
    release();
    const next = await gates.acquire('slow.test', Date.now() + 60_000, new AbortController().signal);
    next();
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { itemBasis } from '../detect/item-identity.js';
import { DEFAULT_PARSE_LIMITS } from '../parse-limits.js';
import { renderMetrics } from '../../metrics.js';
import { createParsePool, type ParseSettings } from './parse-pool.js';

const settings = (over: Partial<ParseSettings> = {}): ParseSettings => ({ threads: 1, timeoutMs: 60_000, memoryMb: 256, ...DEFAULT_PARSE_LIMITS, ...over });
const feed = (n: number) =>
  `<rss version="2.0"><channel><title>F</title>${Array.from(
    { length: n },
    (_, i) => `<item><title>AI ${i}</title><link>https://x.test/${i}</link><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>`,
  ).join('')}</channel></rss>`;

test('a worker reads a feed as the process would: items with their dates', async () => {
  const pool = createParsePool(settings());
  try {
    const reading = await pool.readBody({ body: feed(2), url: 'http://x.test/f', contentType: 'application/rss+xml' });
    assert.ok('items' in reading);
    assert.deepEqual(
      reading.items.map((i) => [i.title, i.link, i.feedUrl, i.feedTitle]),
      [
        ['AI 0', 'https://x.test/0', 'http://x.test/f', 'F'],
        ['AI 1', 'https://x.test/1', 'http://x.test/f', 'F'],
      ],
    );
    assert.ok(reading.items[0].publishedAt instanceof Date);
  } finally {
    await pool.close();
  }
});

test('a worker works out what each item’s identity rests on, so the event loop only compares keys', async () => {
  const pool = createParsePool(settings());
  try {
    const fetched = { body: feed(2), url: 'http://x.test/f', contentType: 'application/rss+xml' };
    const reading = await pool.readBody(fetched);
    const advertised = await pool.readFeed(fetched);
    assert.ok('items' in reading && advertised);
    for (const { basis, ...item } of [...reading.items, ...advertised]) {
      assert.ok(basis, `${item.title ?? ''} carries its basis`);
      assert.deepEqual(basis, itemBasis(item));
    }
  } finally {
    await pool.close();
  }
});

/** The parse workers' counters so far (metrics.ts): jobs run and hand-offs that carried them. */
async function parseCounters(): Promise<{ jobs: number; handOffs: number }> {
  const { body } = await renderMetrics([]);
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1] ?? 0);
  return { jobs: value('vigil_parse_jobs_total'), handOffs: value('vigil_parse_handoffs_total') };
}

test('bodies that wait for a busy worker go to it together, each with its own result or failure', async () => {
  const pool = createParsePool(settings({ maxItems: 50 }));
  try {
    await pool.ready();
    const before = await parseCounters();
    const url = (i: number) => `http://x.test/${i}`;
    // The first read takes the only thread; the next nine wait for it and are handed over together.
    const reads = [feed(40), feed(1), feed(2), feed(60), feed(3), 'plain text', feed(4), feed(5), feed(6), feed(7)].map((body, i) =>
      pool.readBody({ body, url: url(i), contentType: 'application/rss+xml' }).then(
        (reading) => ('items' in reading ? reading.items.length : -1),
        (err: unknown) => (err as Error).message,
      ),
    );
    assert.deepEqual(await Promise.all(reads), [
      40,
      1,
      2,
      'the feed holds 60 items; at most 50 are read from one source (VIGIL_PARSE_MAX_ITEMS)',
      3,
      1,
      4,
      5,
      6,
      7,
    ]);
    const after = await parseCounters();
    assert.equal(after.jobs - before.jobs, 10);
    assert.ok(after.handOffs - before.handOffs < 10, `the waiting reads shared hand-offs (${after.handOffs - before.handOffs} for 10)`);
  } finally {
    await pool.close();
  }
});

test('a batch over its time budget is read again body by body: only the body at fault fails', async () => {
  const pool = createParsePool(settings({ timeoutMs: 500, maxItems: 1_000_000 }));
  try {
    await pool.ready();
    const reads = [feed(1), feed(60_000), feed(2), feed(3)].map((body, i) =>
      pool.readBody({ body, url: `http://x.test/${i}`, contentType: undefined }).then(
        (reading) => ('items' in reading ? reading.items.length : -1),
        (err: unknown) => (err as Error).message,
      ),
    );
    assert.deepEqual(await Promise.all(reads), [1, 'reading it took longer than 0.5 s (VIGIL_PARSE_TIMEOUT)', 2, 3]);
  } finally {
    await pool.close();
  }
});

test('the limits configured for the pool apply in its workers', async () => {
  const pool = createParsePool(settings({ maxItems: 3 }));
  try {
    await assert.rejects(pool.readBody({ body: feed(4), url: 'http://x.test/f', contentType: undefined }), /the feed holds 4 items; at most 3/);
  } finally {
    await pool.close();
  }
});

test('a body over the time budget fails naming it', async () => {
  const pool = createParsePool(settings({ timeoutMs: 100, maxItems: 1_000_000 }));
  try {
    // 60,000 items take seconds to parse; the budget is a tenth of a second.
    await assert.rejects(
      pool.readBody({ body: feed(60_000), url: 'http://x.test/f', contentType: undefined }),
      /reading it took longer than 0.1 s \(VIGIL_PARSE_TIMEOUT\)/,
    );
  } finally {
    await pool.close();
  }
});

test('a body over the memory budget fails naming it', async () => {
  const pool = createParsePool(settings({ memoryMb: 64, maxItems: 10_000_000 }));
  try {
    // Two million small objects take far more than 64 MB of heap once parsed.
    await assert.rejects(
      pool.readBody({ body: `[${Array(2_000_000).fill('{"a":[1,2,3]}').join(',')}]`, url: 'http://x.test/j', contentType: 'application/json' }),
      /reading it needed more than 64 MB of memory \(VIGIL_PARSE_MEMORY_MB\)/,
    );
    const reading = await pool.readBody({ body: feed(1), url: 'http://x.test/f', contentType: undefined });
    assert.ok('items' in reading && reading.items.length === 1, 'a fresh worker reads the next body');
  } finally {
    await pool.close();
  }
});

test('a stopped execution stops its parsing', async () => {
  const pool = createParsePool(settings({ maxItems: 1_000_000 }));
  try {
    const stop = new AbortController();
    const parsing = pool.readBody({ body: feed(60_000), url: 'http://x.test/f', contentType: undefined }, stop.signal);
    setTimeout(() => stop.abort(), 50);
    await assert.rejects(parsing, /stopped while parsing/);
  } finally {
    await pool.close();
  }
});

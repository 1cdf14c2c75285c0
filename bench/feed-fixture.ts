// bench/feed-fixture: the RSS feed bench/scheduler's monitors read, served by a process of its own
// (forked by startFeed in scheduler-lib.ts), as a feed across a network is served by another
// machine: its CPU is then not taken from the event loop of the Vigil (or the floor) it serves,
// and it is reported on its own. Settings come from the parent: BENCH_FEED_ITEMS, BENCH_FEED_DELAY_MS.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const items = Number(process.env.BENCH_FEED_ITEMS ?? 20);
const delayMs = Number(process.env.BENCH_FEED_DELAY_MS ?? 0);

const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>${Array.from(
  { length: items },
  (_, i) =>
    `<item><title>Item ${i} about schedulers</title><link>https://news.example.test/${i}</link><guid>item-${i}</guid><description>Story ${i}</description></item>`,
).join('')}</channel></rss>`;

// A delay stands in for the network a real feed sits behind: work then waits rather than burns CPU.
const answer = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED);
const server = createServer((_req, res) => (delayMs > 0 ? setTimeout(answer, delayMs, res) : answer(res)));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));

// 'cpu' asks for this process's CPU so far (ms); the parent's disconnect ends it.
process.on('message', () => {
  const cpu = process.cpuUsage();
  process.send?.({ cpuMs: (cpu.user + cpu.system) / 1000 });
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
});

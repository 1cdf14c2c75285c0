// The fixture site of bench/change-detection, run in a worker thread (its own event loop, as a real
// site would be another machine): GET /p/<n> answers fixturePage(n, version, changed, request).
// The parent posts {version} to switch every page at once and reads the request count back.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { fixturePage } from './change-pages.js';

const changed = new Set<number>((workerData as { changed: number[] }).changed);
let version = 0;
let requests = 0;

const server = createServer((req, res) => {
  const match = /^\/p\/(\d+)$/.exec(req.url ?? '');
  requests += 1;
  if (!match) {
    res.writeHead(404).end('not found');
    return;
  }
  const page = Number(match[1]);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(fixturePage(page, version, changed.has(page), requests));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => parentPort!.postMessage({ port: (server.address() as AddressInfo).port }));
parentPort!.on('message', (m: { version?: number; requests?: true }) => {
  if (m.version !== undefined) version = m.version;
  parentPort!.postMessage({ ack: true, requests });
});

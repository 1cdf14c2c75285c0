// The subscribers of bench/sse-fanout, in a process of their own (forked by it): opens many SSE
// connections to each loopback target, and reports, per event, when the last of a target's
// connections received it. Times are absolute (performance.timeOrigin + now), comparable with the
// parent's on the same machine. Messages (IPC):
//   in:  { type: 'connect', targets: [{ name, url, headers }], count }   → out: { type: 'ready' }
//   out: { type: 'arrived', target, n, at }   when all `count` connections of `target` got event n
//   in:  { type: 'close' }                                              → exits
import http from 'node:http';

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}
type Message = { type: 'connect'; targets: Target[]; count: number } | { type: 'close' };

const now = () => performance.timeOrigin + performance.now();
const MARKER = /bench event (\d+)\b/;
const sockets: http.ClientRequest[] = [];
// Per target: event number → how many connections got it.
const counts = new Map<string, Map<number, number>>();

function send(message: unknown): void {
  process.send?.(message);
}

/** Opens one stream; resolves when its headers arrived. Each complete event is counted. */
function open(target: Target, count: number): Promise<void> {
  const url = new URL(target.url);
  if (!/^127\./.test(url.hostname)) throw new Error(`loopback only: ${target.url}`);
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...target.headers } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${target.name}: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      const seen = counts.get(target.name)!;
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const n = MARKER.exec(frame)?.[1];
          if (n === undefined) continue;
          const got = (seen.get(Number(n)) ?? 0) + 1;
          seen.set(Number(n), got);
          if (got === count) send({ type: 'arrived', target: target.name, n: Number(n), at: now() });
        }
      });
      resolve();
    });
    request.on('error', reject);
    sockets.push(request);
  });
}

process.on('message', (message: Message) => {
  if (message.type === 'close') {
    for (const request of sockets) request.destroy();
    process.exit(0);
  }
  void (async () => {
    for (const target of message.targets) {
      counts.set(target.name, new Map());
      // In batches: a listen backlog (511) would drop a burst of thousands of connects.
      for (let i = 0; i < message.count; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, message.count - i) }, () => open(target, message.count)));
      }
    }
    send({ type: 'ready' });
  })().catch((err: unknown) => {
    send({ type: 'failed', message: String(err) });
    process.exit(1);
  });
});

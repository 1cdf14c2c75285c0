import type { FastifyReply } from 'fastify';

/** A Server-Sent Events response, framed so both Parallel SDKs can parse it (api.md §1.6). */
export interface SseStream {
  /** Sends one event: `event: <type>` and its JSON on one `data:` line; never an `id:` line. */
  send(type: string, data: Record<string, unknown>): void;
  /** Writes a frame built by `sseFrame` (shared by every subscriber of a log); returns the bytes now queued unsent. */
  write(frame: Buffer): number;
  /** A comment line, to keep proxies from closing an idle stream. */
  ping(): void;
  end(): void;
  /** Resolves once the socket has taken what was written (at once when nothing waits), or has closed. */
  drained(): Promise<void>;
  /** Closes the connection at once, dropping what is queued (a subscriber too slow to keep up). */
  destroy(): void;
  /** Aborted when the client goes away. */
  readonly closed: AbortSignal;
}

/** Takes the reply over from Fastify and opens an event stream on it. */
export function openSse(reply: FastifyReply): SseStream {
  const controller = new AbortController();
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Clients (and the SDKs) see the stream open at once, not at its first event.
  raw.flushHeaders();
  raw.on('close', () => controller.abort());
  const write = (text: string) => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(text);
  };
  return {
    send: (type, data) => write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
    write: (frame) => {
      if (!raw.writableEnded && !raw.destroyed) raw.write(frame);
      return raw.writableLength;
    },
    ping: () => write(': ping\n\n'),
    end: () => {
      if (!raw.writableEnded) raw.end();
    },
    drained: () =>
      new Promise((resolve) => {
        if (!raw.writableNeedDrain || raw.destroyed) {
          resolve();
          return;
        }
        const done = () => {
          raw.off('drain', done);
          raw.off('close', done);
          resolve();
        };
        raw.on('drain', done);
        raw.on('close', done);
      }),
    destroy: () => {
      raw.destroy();
    },
    closed: controller.signal,
  };
}

/** One event as SSE bytes: `event: <type>` and the (single-line) JSON text on one `data:` line. */
export function sseFrame(type: string, json: string): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${json}\n\n`);
}

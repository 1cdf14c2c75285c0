import type { FastifyReply } from 'fastify';

/** A Server-Sent Events response, framed so both Parallel SDKs can parse it (api.md §1.6). */
export interface SseStream {
  /** Sends one event: `event: <type>` and its JSON on one `data:` line; never an `id:` line. */
  send(type: string, data: Record<string, unknown>): void;
  /** A comment line, to keep proxies from closing an idle stream. */
  ping(): void;
  end(): void;
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
  raw.on('close', () => controller.abort());
  const write = (text: string) => { if (!raw.writableEnded && !raw.destroyed) raw.write(text); };
  return {
    send: (type, data) => write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
    ping: () => write(': ping\n\n'),
    end: () => { if (!raw.writableEnded) raw.end(); },
    closed: controller.signal,
  };
}

import assert from 'node:assert/strict';
/** Reads Server-Sent Events from a response as a client library would: `event:` and `data:` lines, blank line ends one. */
export interface SseEvent {
  event?: string;
  data: any;
  raw: string;
}

/** Yields each event of an SSE response body; comment lines (keep-alives) are skipped; `id:` lines are reported as an error. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n').filter((l) => !l.startsWith(':'));
      if (lines.length === 0) continue;
      if (lines.some((l) => l.startsWith('id:') || l.startsWith('retry:'))) throw new Error(`the stream sent an id: or retry: line: ${block}`);
      const event = lines
        .find((l) => l.startsWith('event:'))
        ?.slice(6)
        .trim();
      const data = lines
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .join('\n');
      yield { event, data: JSON.parse(data), raw: block };
    }
  }
}

/** Where a stream resumes: after this event id, sent as `last_event_id` (query) or `Last-Event-ID` (header). */
export interface Resume {
  lastEventId: string;
  via: 'query' | 'header';
}

/**
 * Opens an SSE stream (resumed when `resume` says so), reads `count` events and disconnects. The
 * stream must open with 200 and `text/event-stream`.
 */
export async function readStreamEvents(url: string, headers: Record<string, string>, count: number, resume?: Resume): Promise<SseEvent[]> {
  const target = new URL(url);
  if (resume?.via === 'query') target.searchParams.set('last_event_id', resume.lastEventId);
  const controller = new AbortController();
  const res = await fetch(target, {
    headers: { ...headers, accept: 'text/event-stream', ...(resume?.via === 'header' ? { 'last-event-id': resume.lastEventId } : {}) },
    signal: controller.signal,
  });
  assert.equal(res.status, 200, await (res.status === 200 ? '' : res.text()));
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const out: SseEvent[] = [];
  try {
    if (count === 0) return out;
    for await (const e of readSse(res.body!)) {
      out.push(e);
      if (out.length === count) break;
    }
  } finally {
    controller.abort();
  }
  return out;
}

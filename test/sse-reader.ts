/** Reads Server-Sent Events from a response as a client library would: `event:` and `data:` lines, blank line ends one. */
export interface SseEvent { event?: string; data: any; raw: string }

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
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      yield { event, data: JSON.parse(data), raw: block };
    }
  }
}

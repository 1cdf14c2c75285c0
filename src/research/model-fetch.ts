import type { OutboundClient } from '../outbound/http.js';

/** The most a model or search answer may be: a long completion or a batch of embeddings. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * A `fetch` for the openai SDK (and the search client) that sends through Vigil's outbound client,
 * so model and search traffic passes the address guard (at connect time and per redirect), the
 * size cap and the caller's abort signal like every other request (DESIGN invariant 7).
 */
export function outboundFetch(http: OutboundClient): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body =
      init?.body === undefined || init.body === null
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : Buffer.from(await new Response(init.body).arrayBuffer());
    let answer;
    try {
      answer = await http.request(url, {
        method: init?.method ?? 'GET',
        headers,
        body,
        signal: init?.signal ?? undefined,
        maxBytes: MAX_ANSWER_BYTES,
        // The caller (the SDK's timeout, the work's deadline) decides when to give up: the client's own cap is only a backstop.
        timeoutMs: 10 * 60_000,
      });
    } catch (err) {
      // As fetch does: an aborted request rejects with an AbortError, which the SDK tells apart (its timeout, or the caller's stop).
      if (init?.signal?.aborted) throw Object.assign(new Error('This operation was aborted', { cause: err }), { name: 'AbortError' });
      throw err;
    }
    const empty = answer.status === 204 || answer.status === 304;
    return new Response(empty ? null : new Uint8Array(answer.body), { status: answer.status, headers: answer.headers });
  };
}

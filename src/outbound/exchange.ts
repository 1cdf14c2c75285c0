import { Readable } from 'node:stream';
import { util as undiciUtil, type Agent } from 'undici';
import { OutboundError } from './errors.js';

/** One request to send over the agent; `path` includes the query. */
export interface ExchangeRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

/** How the response's body is to be taken. */
export interface ExchangeLimits {
  timeoutMs: number;
  maxBytes: number;
  truncateBody: boolean;
  /** Statuses whose body is discarded unread (a redirect that will be followed). */
  skipBody(status: number, headers: Record<string, string>): boolean;
}

/**
 * A response: a plain body is collected here, up to the cap; an encoded one is handed over as a
 * stream for the decoder, which applies the cap to the decoded bytes.
 */
export interface ExchangeResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
  stream?: Readable;
}

/** The running exchange's abort, for the request's deadline and the caller's signal. */
export interface Abortable {
  abort(reason: Error): void;
}

type RawHeaders = Record<string, string | string[] | undefined>;

/** The most of an unwanted body (a redirect's) read to keep its connection; longer ones close it. */
const MAX_DRAINED_BYTES = 128 * 1024;

/**
 * Sends one request with undici's dispatcher API and collects its answer. Unlike `request()`, a
 * plain body needs no stream and aborting needs no AbortController: webhooks send thousands of
 * these a second, and those allocations were most of the client's cost over plain undici.
 */
export function exchange(agent: Agent, req: ExchangeRequest, limits: ExchangeLimits): { response: Promise<ExchangeResponse>; control: Abortable } {
  let handler!: Handler;
  const response = new Promise<ExchangeResponse>((resolve, reject) => {
    handler = new Handler(limits, req.url.href, req.method === 'HEAD', resolve, reject);
  });
  agent.dispatch(
    {
      origin: req.url.origin,
      path: `${req.url.pathname}${req.url.search}`,
      method: req.method,
      headers: req.headers,
      body: req.body,
      // The caller's deadline aborts the exchange; these only stop undici's own 300 s defaults from mattering.
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
    },
    handler,
  );
  return { response, control: handler };
}

/** undici's handler interface (the one its own `request()` implements). */
class Handler implements Abortable {
  private abortRequest: ((reason: Error) => void) | undefined;
  private reason: Error | undefined;
  private settled = false;
  private finished = false;
  private mode: 'collect' | 'skip' | 'stream' = 'collect';
  private chunks: Buffer[] = [];
  private total = 0;
  private stream: Readable | undefined;
  private resumeRequest: (() => void) | undefined;
  private status = 0;
  private headers: Record<string, string> = {};

  constructor(
    private readonly limits: ExchangeLimits,
    private readonly url: string,
    private readonly head: boolean,
    private readonly resolve: (r: ExchangeResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  /** Aborts the request wherever it is; the response promise (or stream) fails with `reason`. */
  abort(reason: Error): void {
    this.reason ??= reason;
    if (this.abortRequest) this.abortRequest(reason);
    else this.fail(reason);
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.reason) abort(this.reason);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.headers = flattenHeaders(undiciUtil.parseHeaders(rawHeaders));
    this.resumeRequest = resume;
    const { maxBytes, truncateBody, skipBody } = this.limits;
    const encoding = this.headers['content-encoding'];
    if (this.head || statusCode === 204 || statusCode === 304 || skipBody(statusCode, this.headers)) {
      this.mode = 'skip';
      return true;
    }
    const declared = Number(this.headers['content-length']);
    // Without an encoding the declared length is the decoded length: refuse before downloading.
    if (!truncateBody && encoding === undefined && Number.isFinite(declared) && declared > maxBytes) {
      this.abort(new OutboundError('too_large', this.url, { limit: maxBytes }));
      return false;
    }
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      this.mode = 'stream';
      this.stream = new Readable({
        read: () => this.resumeRequest?.(),
        destroy: (err, callback) => {
          // The reader stopped early (cap reached, decode error): the rest is not wanted.
          if (!this.finished) this.abortRequest?.(err ?? new Error('body discarded'));
          callback(err);
        },
      });
      this.settle();
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.mode === 'skip') {
      // A short discarded body is drained so its connection can be reused; a long one is not worth it.
      this.total += chunk.length;
      if (this.total <= MAX_DRAINED_BYTES) return true;
      this.settle();
      this.abortRequest?.(new Error('body discarded'));
      return false;
    }
    if (this.mode === 'stream') return this.stream!.push(chunk);
    const { maxBytes, truncateBody } = this.limits;
    if (this.total + chunk.length > maxBytes) {
      if (!truncateBody) {
        this.abort(new OutboundError('too_large', this.url, { limit: maxBytes }));
        return false;
      }
      this.chunks.push(chunk.subarray(0, maxBytes - this.total));
      this.total = maxBytes;
      // Enough is kept; the rest of the answer is not read (its connection is closed).
      this.settle();
      this.abortRequest?.(new Error('body truncated'));
      return false;
    }
    this.total += chunk.length;
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.finished = true;
    if (this.mode === 'stream') this.stream!.push(null);
    else this.settle();
  }

  onError(err: Error): void {
    this.finished = true;
    const reason = this.reason ?? err;
    if (this.stream && !this.stream.destroyed) this.stream.destroy(reason);
    this.fail(reason);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const { status, headers } = this;
    if (this.mode === 'stream') this.resolve({ status, headers, stream: this.stream });
    else this.resolve({ status, headers, body: this.mode === 'skip' ? Buffer.alloc(0) : Buffer.concat(this.chunks, this.total) });
  }

  private fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}

function flattenHeaders(headers: RawHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

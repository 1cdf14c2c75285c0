import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { metrics } from '../metrics.js';
import { retryAfterMs } from '../outbound/http-cache.js';

/** A model request that failed for good, with a message a user can act on. */
export class ModelError extends Error {
  /** The HTTP status the model server answered, when it answered. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** When to give up on one piece of model work: its deadline (epoch ms) and the work's abort signal. */
export interface ModelCall {
  readonly deadline: number;
  readonly signal: AbortSignal;
}

/** Attempts of one request at most: the first and three retries on 429/5xx. */
export const MODEL_ATTEMPTS = 4;
const BACKOFF_MS = [1000, 2000, 4000];
/**
 * When the work's deadline comes before the model's own timeout, the work's timer ends the request
 * there and names the work's time limit; the request's own timer, this much later, is only a
 * backstop. Set at the deadline itself, the two timers raced, and a request that lost the race was
 * reported as the model server's slowness.
 */
const DEADLINE_BACKSTOP_MS = 1000;

/**
 * Runs `send` (one request with the time it may take) and retries it on 429 and 5xx, waiting what
 * the server's `Retry-After` asks (else a short backoff), never past the caller's deadline. The SDK's
 * own retries are off (`maxRetries: 0`) so that this is the one place the rule lives.
 */
export async function withRetries<T>(call: ModelCall, timeoutMs: number, send: (timeoutMs: number) => Promise<T>, clock: () => number = Date.now): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const remaining = call.deadline - clock();
    if (call.signal.aborted) throw new ModelError('the model request was stopped: the work was stopped');
    if (remaining <= 0) throw new ModelError("no time was left for the model request before the work's deadline");
    const limit = remaining < timeoutMs ? remaining + DEADLINE_BACKSTOP_MS : timeoutMs;
    try {
      const answer = await send(limit);
      metrics.modelRequest('ok');
      return answer;
    } catch (err) {
      const wait = retryWait(err, attempt, clock());
      if (wait === undefined || call.signal.aborted) {
        metrics.modelRequest('failed');
        throw describe(err, limit, call.signal);
      }
      if (clock() + wait >= call.deadline) {
        metrics.modelRequest('failed');
        throw new ModelError(`${describe(err, limit, call.signal).message}; waiting ${Math.ceil(wait / 1000)} s to retry would pass the work's deadline`);
      }
      metrics.modelRequest('retried');
      await sleep(wait, call.signal);
    }
  }
}

/** How long to wait before retrying after `err`, or undefined when it is not to be retried. */
function retryWait(err: unknown, attempt: number, now: number): number | undefined {
  if (!(err instanceof APIError) || err instanceof APIUserAbortError || attempt >= MODEL_ATTEMPTS) return undefined;
  const status: unknown = err.status;
  if (status !== 429 && !(typeof status === 'number' && status >= 500)) return undefined;
  const headers = err.headers as Headers | undefined;
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  return retryAfterMs(headers?.get('retry-after') ?? undefined, now) ?? BACKOFF_MS[attempt - 1] ?? 4000;
}

/** A ModelError saying what went wrong with the model server, in words a user can act on. */
export function describe(err: unknown, timeoutMs: number, signal: AbortSignal): ModelError {
  if (err instanceof ModelError) return err;
  if (err instanceof APIConnectionTimeoutError) return new ModelError(`the model server did not answer within ${Math.round(timeoutMs / 1000)} s`);
  if (err instanceof APIUserAbortError || signal.aborted) return new ModelError('the model request was stopped: the work was stopped or ran out of time');
  if (err instanceof APIError && err.status !== undefined) {
    return new ModelError(`the model server answered HTTP ${err.status}: ${err.message}`, err.status as number);
  }
  // Connection errors carry the outbound client's reason (e.g. an address the guard refused) as their cause.
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return new ModelError(`the model server could not be reached${cause || (err instanceof Error ? `: ${err.message}` : '')}`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

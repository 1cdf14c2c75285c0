import { HostBackoffError } from '../../outbound/polite.js';
import { OutboundError } from '../../outbound/http.js';

/** A source answered with a status that is not a success. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`${url} answered HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/**
 * The kind of a source's failure, without the details that vary from one execution to the next
 * (times, byte counts): two failures of one kind are "the same failure" for noise control.
 */
export function failureKey(err: unknown): string {
  if (err instanceof HttpStatusError) return `http_${err.status}`;
  if (err instanceof HostBackoffError) return `retry_after:${err.host}`;
  if (err instanceof OutboundError) return err.details.reason && err.code !== 'aborted' ? `${err.code}:${err.details.reason}` : err.code;
  return err instanceof Error ? err.message : String(err);
}

/** Why an outbound request failed; stable strings that callers may switch on. */
export type OutboundErrorCode =
  | 'address_refused'
  | 'scheme_refused'
  | 'invalid_url'
  | 'timeout'
  | 'too_large'
  | 'too_many_redirects'
  | 'connect_failed'
  | 'dns_failed'
  | 'http_error'
  | 'aborted';

/** Facts that go into an error's message; kept so the message can be rebuilt for another URL. */
export interface OutboundErrorDetails {
  /** The IP address that was refused. */
  address?: string;
  /** Human name of the address's range, e.g. `loopback`. */
  range?: string;
  hostname?: string;
  scheme?: string;
  /** The limit that was hit: milliseconds, bytes or redirects, depending on the code. */
  limit?: number;
  /** A short technical reason, e.g. `ECONNREFUSED`. */
  reason?: string;
  cause?: unknown;
}

/** The one error type of `outbound/`: a code to switch on, the URL concerned and a message a user can act on. */
export class OutboundError extends Error {
  readonly code: OutboundErrorCode;
  readonly url: string;
  readonly details: Readonly<OutboundErrorDetails>;

  constructor(code: OutboundErrorCode, url: string, details: OutboundErrorDetails = {}) {
    super(describe(code, url, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OutboundError';
    this.code = code;
    this.url = url;
    this.details = details;
  }

  /** The same failure, reported for `url`; errors raised at connect time do not know the URL yet. */
  withUrl(url: string): OutboundError {
    return this.url === url ? this : new OutboundError(this.code, url, this.details);
  }
}

function describe(code: OutboundErrorCode, url: string, d: OutboundErrorDetails): string {
  const target = url === '' ? (d.hostname ?? 'the requested host') : url;
  switch (code) {
    case 'address_refused':
      return (
        `refused to connect to ${d.address ?? '?'} (${d.range ?? 'not allowed'}) for ${target}: ` +
        'the address is not allowed by the outbound policy; add it to VIGIL_ALLOW_NETWORKS to allow it'
      );
    case 'scheme_refused':
      return `refused to fetch ${target}: only http: and https: URLs are allowed, not ${d.scheme ?? 'this scheme'}`;
    case 'invalid_url':
      return `invalid URL ${JSON.stringify(target)}: ${d.reason ?? 'it could not be parsed'}; give an absolute http(s) URL`;
    case 'timeout':
      return `request to ${target} timed out after ${d.limit ?? '?'} ms: the server did not answer in time`;
    case 'too_large':
      return `response from ${target} is larger than the limit of ${d.limit ?? '?'} bytes (after decompression); it was discarded`;
    case 'too_many_redirects':
      return `request to ${target} was redirected more than ${d.limit ?? '?'} times; stopped to avoid a redirect loop`;
    case 'connect_failed':
      return `could not connect to ${target} (${d.reason ?? 'network error'}): check that the server is up and reachable`;
    case 'dns_failed':
      return `could not resolve ${d.hostname ?? 'the host'} for ${target} (${d.reason ?? 'no address'}): check the host name`;
    case 'http_error':
      return `bad HTTP response from ${target}: ${d.reason ?? 'the response could not be read'}`;
    case 'aborted':
      return `request to ${target} was abandoned: ${d.reason ?? 'the work it was for stopped'}`;
  }
}

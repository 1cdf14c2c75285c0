import { errors as undiciErrors, type Agent } from 'undici';
import { LRUCache } from 'lru-cache';
import { readBody } from './body.js';
import { createGuardedAgent, type Resolver } from './connect.js';
import { OutboundError } from './errors.js';
import { exchange, type Abortable, type ExchangeLimits, type ExchangeResponse } from './exchange.js';
import { checkUrlAddress, checkUrlScheme, createAddressPolicy, type AddressPolicy } from './guard.js';

export { OutboundError } from './errors.js';
export type { OutboundErrorCode } from './errors.js';

/** One outbound request's options; unset limits fall back to the client's. */
export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  maxBytes?: number;
  followRedirects?: boolean;
  maxRedirects?: number;
  /** Keep the first maxBytes of a longer body instead of failing (for answers only their status matters). */
  truncateBody?: boolean;
  /** Abandons the request (and its connection) when the work it serves stops or times out. */
  signal?: AbortSignal;
}

/** A complete response; non-2xx statuses are returned, not thrown. */
export interface OutboundResponse {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  /** Lower-case names; repeated headers joined with ", "; content-encoding/-length dropped once decoded. */
  headers: Record<string, string>;
  /** The decoded body, at most maxBytes long. */
  body: Buffer;
  /** Each URL redirected to, in order; the last one equals `url`. */
  redirects: string[];
}

/** The one HTTP client through which everything leaves the process (DESIGN invariant 7). */
export interface OutboundClient {
  request(url: string, init?: OutboundRequest): Promise<OutboundResponse>;
  close(): Promise<void>;
}

/** Settings of an outbound client. */
export interface OutboundOptions {
  /** VIGIL_ALLOW_NETWORKS entries: CIDRs, IPs or host names that may be reached although not public. */
  allowNetworks: readonly string[];
  userAgent: string;
  /** One deadline for a whole request: connect, redirects and body; default 15000. */
  timeoutMs?: number;
  /** Cap on the decoded body; default 5 MiB. */
  maxBytes?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Name resolution; defaults to the system resolver. Tests inject one to map names to loopback. */
  resolve?: Resolver;
}

interface Settings {
  policy: AddressPolicy;
  agent: Agent;
  userAgent: string;
  /** Hosts whose literal-address check passed (names always pass; they are judged at connect time). */
  literals: LRUCache<string, true>;
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

interface Limits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  followRedirects: boolean;
  truncateBody: boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Set by the client so that decoding and the size cap stay consistent; callers cannot override them.
const RESERVED_HEADERS = new Set(['user-agent', 'accept-encoding', 'host', 'content-length', 'transfer-encoding', 'connection']);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** Creates a client with its own connection pool, address guard, deadlines and size caps. */
export function createOutboundClient(options: OutboundOptions): OutboundClient {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const policy = createAddressPolicy(options.allowNetworks);
  const agent = createGuardedAgent(policy, { connectTimeoutMs: timeoutMs, resolve: options.resolve });
  const settings: Settings = { policy, agent, userAgent: options.userAgent, literals: new LRUCache({ max: 1000 }) };
  return {
    request: (url, init = {}) =>
      send(settings, url, init, {
        timeoutMs: init.timeoutMs ?? timeoutMs,
        maxBytes: init.maxBytes ?? options.maxBytes ?? 5 * 1024 * 1024,
        maxRedirects: init.maxRedirects ?? options.maxRedirects ?? 5,
        followRedirects: init.followRedirects ?? true,
        truncateBody: init.truncateBody ?? false,
      }),
    close: () => agent.close(),
  };
}

async function send(s: Settings, rawUrl: string, init: OutboundRequest, limits: Limits): Promise<OutboundResponse> {
  // One deadline for the whole request and the caller's signal both abort the exchange under way;
  // a timer and a flag, not an AbortController per request (webhooks send thousands a second).
  let running: Abortable | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    running?.abort(new Error(`deadline of ${limits.timeoutMs} ms passed`));
  }, limits.timeoutMs);
  const callerStopped = () => running?.abort(init.signal?.reason instanceof Error ? init.signal.reason : new Error('the caller stopped'));
  init.signal?.addEventListener('abort', callerStopped, { once: true });
  let current = rawUrl;
  try {
    const method = (init.method ?? 'GET').toUpperCase();
    const hop: Hop = { url: parseUrl(rawUrl), method, headers: requestHeaders(s.userAgent, init.headers), body: init.body };
    const redirects: string[] = [];
    const exchangeLimits: ExchangeLimits = {
      timeoutMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
      truncateBody: limits.truncateBody,
      skipBody: (status, headers) => limits.followRedirects && REDIRECT_STATUSES.has(status) && headers.location !== undefined,
    };
    for (;;) {
      current = hop.url.href;
      checkUrlScheme(hop.url);
      checkLiteral(s, hop.url);
      if (init.signal?.aborted || timedOut) throw new Error('stopped before the request was sent');
      const sent = exchange(s.agent, hop, exchangeLimits);
      running = sent.control;
      const res = await sent.response;
      const location = res.headers.location;
      if (!exchangeLimits.skipBody(res.status, res.headers) || location === undefined) {
        return await complete(res, hop.url.href, limits, redirects);
      }
      if (redirects.length >= limits.maxRedirects) {
        throw new OutboundError('too_many_redirects', rawUrl, { limit: limits.maxRedirects });
      }
      followRedirect(hop, res.status, resolveLocation(location, hop.url));
      redirects.push(hop.url.href);
    }
  } catch (err) {
    if (init.signal?.aborted && !timedOut) {
      throw new OutboundError('aborted', current, { reason: String((init.signal.reason as Error | undefined)?.message ?? 'the caller stopped'), cause: err });
    }
    throw toOutboundError(err, current, timedOut, limits.timeoutMs);
  } finally {
    clearTimeout(timer);
    init.signal?.removeEventListener('abort', callerStopped);
  }
}

/** Address-literal verdicts by host: the policy is fixed, so each literal is parsed and judged once. */
function checkLiteral(s: Settings, url: URL): void {
  const known = s.literals.get(url.hostname);
  if (known === true) return;
  checkUrlAddress(s.policy, url);
  s.literals.set(url.hostname, true);
}

async function complete(
  res: ExchangeResponse,
  url: string,
  { maxBytes, truncateBody }: Pick<Limits, 'maxBytes' | 'truncateBody'>,
  redirects: string[],
): Promise<OutboundResponse> {
  const { headers } = res;
  if (res.stream === undefined) return { url, status: res.status, headers, body: res.body ?? Buffer.alloc(0), redirects };
  const { body, decoded } = await readBody(res.stream, headers['content-encoding'], maxBytes, url, truncateBody);
  if (decoded) {
    delete headers['content-encoding'];
    delete headers['content-length'];
  }
  return { url, status: res.status, headers, body, redirects };
}

/** Rewrites `hop` in place for the next request, as browsers and fetch do. */
function followRedirect(hop: Hop, status: number, next: URL): void {
  const toGet = (status === 303 && hop.method !== 'HEAD') || ((status === 301 || status === 302) && hop.method === 'POST');
  if (toGet) {
    hop.method = 'GET';
    hop.body = undefined;
    for (const name of BODY_HEADERS) delete hop.headers[name];
  }
  // Credentials meant for one origin must not be handed to another (e.g. an API key to a redirect target).
  if (next.origin !== hop.url.origin) {
    for (const name of CREDENTIAL_HEADERS) delete hop.headers[name];
  }
  hop.url = next;
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch (err) {
    throw new OutboundError('invalid_url', raw, { reason: 'it is not an absolute URL', cause: err });
  }
}

function resolveLocation(location: string, base: URL): URL {
  try {
    return new URL(location, base);
  } catch (err) {
    throw new OutboundError('http_error', base.href, { reason: `invalid redirect Location ${JSON.stringify(location)}`, cause: err });
  }
}

function requestHeaders(userAgent: string, given: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given ?? {})) {
    const lower = name.toLowerCase();
    if (!RESERVED_HEADERS.has(lower)) headers[lower] = value;
  }
  headers['user-agent'] = userAgent;
  headers['accept-encoding'] = 'gzip, deflate, br';
  return headers;
}

/** Maps whatever a request threw to an OutboundError about `url`; programming errors pass through. */
function toOutboundError(err: unknown, url: string, timedOut: boolean, timeoutMs: number): unknown {
  if (timedOut) return new OutboundError('timeout', url, { limit: timeoutMs, cause: err });
  const own = findOutboundError(err);
  if (own !== undefined) return own.withUrl(own.url === '' ? url : own.url);
  if (err instanceof undiciErrors.InvalidArgumentError || err instanceof TypeError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new OutboundError('timeout', url, { limit: timeoutMs, cause: err });
  }
  return new OutboundError('connect_failed', url, { reason: networkReason(err), cause: err });
}

/** The most telling part of a network error: the errno (ECONNREFUSED) if any, else undici's message and code. */
function networkReason(err: unknown): string {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    if (typeof code === 'string' && /^(ERR_TLS|CERT_|DEPTH_|UNABLE_|SELF_)/.test(code)) return `${code}: ${e.message}`;
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? `${message}, ${code}` : message;
}

function findOutboundError(err: unknown): OutboundError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof OutboundError) return e;
  }
  return undefined;
}

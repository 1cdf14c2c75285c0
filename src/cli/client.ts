import type { ClientConfig } from '../config.js';

/** Exit codes scripts can test (README, "The command line"). */
export const EXIT = { ok: 0, apiError: 1, usage: 2, unreachable: 3 } as const;

/** A failure that ends a CLI command with a message on stderr and one of the documented exit codes. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A query string's values; arrays repeat the parameter, undefined ones are left out. */
export type Query = Record<string, string | number | boolean | string[] | undefined>;

/** A small client for a running Vigil: JSON in and out, the key in `x-api-key`, failures as CliFailures. */
export interface ApiClient {
  request<T = unknown>(method: string, path: string, options?: { query?: Query; body?: unknown }): Promise<T>;
}

/** Requests may take this long before the server counts as unreachable. */
const TIMEOUT_MS = 30_000;

function withQuery(base: string, path: string, query: Query = {}): string {
  const url = new URL(base + path);
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
  }
  return url.toString();
}

/** The message of the error envelope (`{type:"error", error:{message}}`), or the status line when there is none. */
function envelopeMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const message = body.error?.message ?? body.message;
    if (typeof message === 'string' && message) return message;
  } catch {
    // Not JSON (a proxy's page, say): the status says enough.
  }
  return `HTTP ${status}`;
}

/** A client for the server the configuration names. */
export function createApiClient(config: ClientConfig, fetchImpl: typeof fetch = fetch): ApiClient {
  return {
    async request(method, path, options = {}) {
      const url = withQuery(config.url, path, options.query);
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method,
          headers: {
            'x-api-key': config.key,
            accept: 'application/json',
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (err) {
        const reason = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new CliFailure(`cannot reach ${config.url}: ${reason?.code ?? reason?.message ?? (err as Error).message}`, EXIT.unreachable);
      }
      const text = await response.text().catch((err: unknown) => {
        throw new CliFailure(`the connection to ${config.url} broke: ${(err as Error).message}`, EXIT.unreachable);
      });
      if (!response.ok) {
        throw new CliFailure(`${response.status}: ${envelopeMessage(response.status, text)}`, EXIT.apiError, response.status);
      }
      try {
        return (text ? JSON.parse(text) : null) as never;
      } catch {
        throw new CliFailure(`${config.url} answered ${response.status} with something other than JSON: is it a Vigil?`, EXIT.apiError, response.status);
      }
    },
  };
}

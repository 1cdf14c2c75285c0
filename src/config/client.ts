import { ConfigError } from './config-error.js';
import { DEFAULT_PORT } from './variables.js';

/** Where the CLI's client commands send requests (`vigil monitors …`), and with which key. */
export interface ClientConfig {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  readonly key: string;
}

/** The CLI client's defaults: a local server on the default port. */
export const CLIENT_DEFAULTS = { url: `http://127.0.0.1:${DEFAULT_PORT}` } as const;

/** Reads `--url`/`--key`, falling back to `VIGIL_URL`/`VIGIL_KEY`; a missing key or a bad URL is a ConfigError. */
export function loadClientConfig(flags: { url?: string; key?: string }, env: Record<string, string | undefined> = process.env): ClientConfig {
  const pick = (flag: string | undefined, name: string) => (flag ?? env[name])?.trim() || undefined;
  const raw = pick(flags.url, 'VIGIL_URL') ?? CLIENT_DEFAULTS.url;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`--url (VIGIL_URL) must be an http:// or https:// URL such as ${CLIENT_DEFAULTS.url}; got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--url (VIGIL_URL) must be an http:// or https:// URL such as ${CLIENT_DEFAULTS.url}; got "${raw}"`);
  }
  const key = pick(flags.key, 'VIGIL_KEY');
  if (!key) throw new ConfigError('--key (VIGIL_KEY) is required: an API key of the account (`vigil keys create` prints one)');
  return Object.freeze({ url: url.toString().replace(/\/+$/, ''), key });
}

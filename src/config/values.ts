import { isIP } from 'node:net';
import { parseDuration } from '../domain/duration.js';
import { createAddressPolicy } from '../outbound/guard.js';
import type { LlmConfig } from '../research/model.js';
import type { SearchConfig } from '../research/search.js';
import { ConfigError } from './config-error.js';
import type { Variables } from './variables.js';

// What JSON Schema cannot say about a variable: durations as numbers, addresses, URLs, host names,
// and rules between variables. Each reads a value variables.ts has already checked for form.

/** A duration variable in seconds (its form and non-zero value already checked). */
export const seconds = (value: string): number => parseDuration(value)!.seconds;

/** A duration variable where zero turns the feature off, in milliseconds. */
export const millis = (value: string): number => (value === '0' ? 0 : Math.round(parseDuration(value)!.seconds * 1000));

/** A lease of 1 s to 10 min: shorter ones cannot be renewed reliably, longer ones delay recovery. */
export function leaseMs(value: string): number {
  const ms = millis(value);
  if (ms < 1000 || ms > 600_000) throw new ConfigError(`VIGIL_LEASE_DURATION must be from 1s to 10m; got "${value}"`);
  return ms;
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/** Where to listen: an IP address or a host name (checked for form only; resolving it is the server's start). */
export function host(value: string): string {
  if (isIP(value) !== 0 || HOST_NAME.test(value)) return value;
  throw new ConfigError(`VIGIL_HOST must be an IP address or a host name such as 127.0.0.1, :: or localhost; got "${value}"`);
}

/** A Standard Webhooks secret: `whsec_` and base64, as the `standard` key mode decodes it (never echoed). */
export function webhookSecret(value: string | undefined): string | undefined {
  if (value === undefined || /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(value)) return value;
  throw new ConfigError('VIGIL_WEBHOOK_SECRET must be whsec_ followed by at least 16 base64 characters (e.g. whsec_ and 24 random bytes in base64)');
}

/** The allow list, each entry checked now by the guard's own parser, so a bad one stops the start before anything opens. */
export function allowNetworks(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    createAddressPolicy(entries);
  } catch (err) {
    // The guard's message already names VIGIL_ALLOW_NETWORKS and the entry.
    throw new ConfigError((err as Error).message);
  }
  return entries;
}

/** `api`, `worker` or both (the form already checked). */
export function roles(value: string): { api: boolean; worker: boolean } {
  const names = value.split(',').map((s) => s.trim());
  return { api: names.includes('api'), worker: names.includes('worker') };
}

/** The model server: a model must be named with its URL. */
export function llmConfig(v: Variables): LlmConfig {
  const baseUrl = httpUrl(v.VIGIL_LLM_BASE_URL, 'VIGIL_LLM_BASE_URL');
  const model = v.VIGIL_LLM_MODEL;
  if (baseUrl && !model) throw new ConfigError('VIGIL_LLM_MODEL must name the model to use (e.g. llama3.1:8b) when VIGIL_LLM_BASE_URL is set');
  return {
    baseUrl,
    model,
    apiKey: v.VIGIL_LLM_API_KEY,
    embeddingModel: v.VIGIL_LLM_EMBEDDING_MODEL,
    timeoutMs: seconds(v.VIGIL_LLM_TIMEOUT) * 1000,
    concurrency: v.VIGIL_LLM_CONCURRENCY,
    priceInput: finitePrice(v.VIGIL_LLM_PRICE_INPUT, 'VIGIL_LLM_PRICE_INPUT'),
    priceOutput: finitePrice(v.VIGIL_LLM_PRICE_OUTPUT, 'VIGIL_LLM_PRICE_OUTPUT'),
  };
}

/** ajv reads "Infinity" as a number beyond every bound it checks: a price must be finite. */
function finitePrice(value: number | undefined, name: string): number | undefined {
  if (value === undefined || Number.isFinite(value)) return value;
  throw new ConfigError(`${name} must be a non-negative number of USD per million tokens; got "${value}"`);
}

/** The search endpoint; its kind, unless named, follows from its path. */
export function searchConfig(v: Variables): SearchConfig {
  const url = httpUrl(v.VIGIL_SEARCH_URL, 'VIGIL_SEARCH_URL');
  const kind = v.VIGIL_SEARCH_KIND ?? (url && /\/v1\/search\/?$/.test(new URL(url).pathname) ? 'parallel' : 'searxng');
  return { url, kind: kind as SearchConfig['kind'], apiKey: v.VIGIL_SEARCH_API_KEY };
}

function httpUrl(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    /* reported below */
  }
  throw new ConfigError(`${name} must be an absolute http(s) URL such as http://127.0.0.1:11434/v1; got "${value}"`);
}

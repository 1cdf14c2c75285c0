import { isIP } from 'node:net';
import { parseDuration } from './domain/duration.js';
import { createAddressPolicy } from './outbound/guard.js';
import { DEFAULT_PARSE_LIMITS } from './research/parse-limits.js';
import type { ParseSettings } from './research/isolate/parse-pool.js';
import type { LlmConfig } from './research/model.js';
import type { SearchConfig } from './research/search.js';

/** The validated, frozen configuration every part of Vigil receives; `loadConfig` is its only maker. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** `sqlite:<path>` (or `sqlite::memory:`) or `postgres://…`. */
  readonly databaseUrl: string;
  /** A key created idempotently for the default account at start. */
  readonly apiKey: string | undefined;
  /** CIDRs or host names that outbound requests may reach although private. */
  readonly allowNetworks: readonly string[];
  /** Shortest monitor frequency accepted, in seconds (Parallel's 1h…30d is always accepted). */
  readonly minFrequencySeconds: number;
  /** The OpenAI-compatible model server of the `base` processor and judges (src/research/model.ts); none without VIGIL_LLM_BASE_URL. */
  readonly llm: LlmConfig;
  /** The web search endpoint for queries that name no URL (src/research/search.ts); none without VIGIL_SEARCH_URL. */
  readonly search: SearchConfig;
  readonly webhookSecret: string | undefined;
  /** Executions kept per monitor; older ones and their events are pruned. */
  readonly retainExecutions: number;
  /** How long one execution (or task run) may run before it is stopped and fails. */
  readonly executionTimeoutSeconds: number;
  /** How long a lease on running work lasts; it is renewed every quarter of that while the process lives. */
  readonly leaseMs: number;
  /** Executions (and, apart, task runs) run at once by one process: the global in-flight cap. */
  readonly workerConcurrency: number;
  /** Per-account shares, counted over every process, so one account's backlog waits behind its own work. */
  readonly accountLimits: {
    readonly executionsInFlight: number;
    readonly taskRunsInFlight: number;
    /** Queued task runs an account may have; a create beyond it is a 429. */
    readonly taskRunsQueued: number;
  };
  /** How often background loops look for due work when nothing wakes them. */
  readonly pollIntervalMs: number;
  /** Monitor-creating POSTs allowed per account per minute (api.md §1.4). */
  readonly monitorCreatesPerMinute: number;
  /** Task-run-creating POSTs allowed per account per minute (api.md §1.4). */
  readonly taskCreatesPerMinute: number;
  /** FindAll-run-creating POSTs allowed per account per hour (api.md §1.4). */
  readonly findAllCreatesPerHour: number;
  /** How long one lease of a FindAll run's work may run before the run ends with termination_reason `timeout`. */
  readonly findAllTimeoutSeconds: number;
  /** Webhook delivery: first retry delay (doubling after), how long to retry, when to disable a failing endpoint, request timeout. */
  readonly webhooks: {
    readonly retryDelayMs: number;
    readonly retryWindowMs: number;
    readonly disableAfterMs: number;
    readonly timeoutMs: number;
    /** Requests in flight for one account at once (of the dispatcher's 32 in all), so one account's backlog leaves room to the others. */
    readonly accountConcurrency: number;
  };
  /** Research fetching (src/outbound/polite.ts): per-host limits, retries, reuse and the response cache. */
  readonly fetch: {
    readonly hostConcurrency: number;
    readonly hostSpacingMs: number;
    readonly attempts: number;
    readonly retryDelayMs: number;
    readonly reuseWindowMs: number;
    readonly cacheBytes: number;
  };
  /** Parse workers (src/research/isolate/parse-pool.ts): threads, the time and memory budget of one body, and the body limits. */
  readonly parse: Readonly<ParseSettings>;
  /** Whether this process runs the API, the background workers, or both. */
  readonly roles: { readonly api: boolean; readonly worker: boolean };
  readonly logLevel: string;
}




export type { LlmConfig, SearchConfig };

/** Defaults of every setting, one place (DESIGN.md, configuration contract). */
export const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  databaseUrl: 'sqlite:./data/vigil.db',
  minFrequency: '5m',
  retainExecutions: 300,
  executionTimeout: '2m',
  lease: '12s',
  // Executions mostly wait on the network: many run at once, bounded by the per-host limits.
  workerConcurrency: 64,
  accountExecutionsInFlight: 32,
  accountTaskRunsInFlight: 16,
  accountTaskRunsQueued: 1000,
  pollInterval: '1s',
  monitorCreatesPerMinute: 300,
  taskCreatesPerMinute: 2000,
  findAllCreatesPerHour: 300,
  findAllTimeout: '30m',
  webhookRetryDelay: '5s',
  webhookRetryWindow: '48h',
  webhookDisableAfter: '5d',
  webhookTimeout: '15s',
  webhookAccountConcurrency: 16,
  fetchHostConcurrency: 2,
  fetchHostSpacing: '250ms',
  fetchAttempts: 3,
  fetchRetryDelay: '1s',
  fetchReuseWindow: '60s',
  fetchCacheMb: 64,
  parseThreads: 2,
  parseTimeout: '10s',
  parseMemoryMb: 256,
  logLevel: 'info',
  llmTimeout: '60s',
  llmConcurrency: 4,
} as const;

/** A configuration problem, naming the variable and the rule it breaks. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** The process's environment, for the command line to pass on (this file is its only reader). */
export function processEnv(): Env {
  return process.env;
}

/** Reads and validates `VIGIL_*` variables; the only reader of the environment. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const config: Config = {
    port: integer(text('VIGIL_PORT'), 'VIGIL_PORT', DEFAULTS.port, 0, 65_535),
    host: host(text('VIGIL_HOST') ?? DEFAULTS.host),
    databaseUrl: databaseUrl(text('VIGIL_DATABASE_URL') ?? DEFAULTS.databaseUrl),
    apiKey: text('VIGIL_API_KEY'),
    allowNetworks: allowNetworks(text('VIGIL_ALLOW_NETWORKS')),
    minFrequencySeconds: seconds(text('VIGIL_MIN_FREQUENCY') ?? DEFAULTS.minFrequency, 'VIGIL_MIN_FREQUENCY'),
    llm: llmConfig(text),
    search: searchConfig(text),
    webhookSecret: webhookSecret(text('VIGIL_WEBHOOK_SECRET')),
    retainExecutions: integer(text('VIGIL_RETAIN_EXECUTIONS'), 'VIGIL_RETAIN_EXECUTIONS', DEFAULTS.retainExecutions, 1, 1_000_000),
    executionTimeoutSeconds: seconds(text('VIGIL_EXECUTION_TIMEOUT') ?? DEFAULTS.executionTimeout, 'VIGIL_EXECUTION_TIMEOUT'),
    leaseMs: leaseMs(text('VIGIL_LEASE_DURATION') ?? DEFAULTS.lease),
    workerConcurrency: integer(text('VIGIL_WORKER_CONCURRENCY'), 'VIGIL_WORKER_CONCURRENCY', DEFAULTS.workerConcurrency, 1, 4096),
    accountLimits: {
      executionsInFlight: integer(
        text('VIGIL_ACCOUNT_EXECUTIONS_IN_FLIGHT'), 'VIGIL_ACCOUNT_EXECUTIONS_IN_FLIGHT', DEFAULTS.accountExecutionsInFlight, 1, 100_000,
      ),
      taskRunsInFlight: integer(
        text('VIGIL_ACCOUNT_TASK_RUNS_IN_FLIGHT'), 'VIGIL_ACCOUNT_TASK_RUNS_IN_FLIGHT', DEFAULTS.accountTaskRunsInFlight, 1, 100_000,
      ),
      taskRunsQueued: integer(
        text('VIGIL_ACCOUNT_TASK_RUNS_QUEUED'), 'VIGIL_ACCOUNT_TASK_RUNS_QUEUED', DEFAULTS.accountTaskRunsQueued, 1, 10_000_000,
      ),
    },
    pollIntervalMs: seconds(text('VIGIL_POLL_INTERVAL') ?? DEFAULTS.pollInterval, 'VIGIL_POLL_INTERVAL') * 1000,
    monitorCreatesPerMinute: integer(
      text('VIGIL_MONITOR_CREATES_PER_MINUTE'), 'VIGIL_MONITOR_CREATES_PER_MINUTE', DEFAULTS.monitorCreatesPerMinute, 1, 1_000_000,
    ),
    taskCreatesPerMinute: integer(
      text('VIGIL_TASK_CREATES_PER_MINUTE'), 'VIGIL_TASK_CREATES_PER_MINUTE', DEFAULTS.taskCreatesPerMinute, 1, 1_000_000,
    ),
    findAllCreatesPerHour: integer(
      text('VIGIL_FINDALL_CREATES_PER_HOUR'), 'VIGIL_FINDALL_CREATES_PER_HOUR', DEFAULTS.findAllCreatesPerHour, 1, 1_000_000,
    ),
    findAllTimeoutSeconds: seconds(text('VIGIL_FINDALL_TIMEOUT') ?? DEFAULTS.findAllTimeout, 'VIGIL_FINDALL_TIMEOUT'),
    webhooks: {
      retryDelayMs: seconds(text('VIGIL_WEBHOOK_RETRY_DELAY') ?? DEFAULTS.webhookRetryDelay, 'VIGIL_WEBHOOK_RETRY_DELAY') * 1000,
      retryWindowMs: seconds(text('VIGIL_WEBHOOK_RETRY_WINDOW') ?? DEFAULTS.webhookRetryWindow, 'VIGIL_WEBHOOK_RETRY_WINDOW') * 1000,
      disableAfterMs: seconds(text('VIGIL_WEBHOOK_DISABLE_AFTER') ?? DEFAULTS.webhookDisableAfter, 'VIGIL_WEBHOOK_DISABLE_AFTER') * 1000,
      timeoutMs: seconds(text('VIGIL_WEBHOOK_TIMEOUT') ?? DEFAULTS.webhookTimeout, 'VIGIL_WEBHOOK_TIMEOUT') * 1000,
      accountConcurrency: integer(
        text('VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY'), 'VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY', DEFAULTS.webhookAccountConcurrency, 1, 32,
      ),
    },
    fetch: {
      hostConcurrency: integer(text('VIGIL_FETCH_HOST_CONCURRENCY'), 'VIGIL_FETCH_HOST_CONCURRENCY', DEFAULTS.fetchHostConcurrency, 1, 256),
      hostSpacingMs: millis(text('VIGIL_FETCH_HOST_SPACING') ?? DEFAULTS.fetchHostSpacing, 'VIGIL_FETCH_HOST_SPACING'),
      attempts: integer(text('VIGIL_FETCH_ATTEMPTS'), 'VIGIL_FETCH_ATTEMPTS', DEFAULTS.fetchAttempts, 1, 10),
      retryDelayMs: millis(text('VIGIL_FETCH_RETRY_DELAY') ?? DEFAULTS.fetchRetryDelay, 'VIGIL_FETCH_RETRY_DELAY'),
      reuseWindowMs: millis(text('VIGIL_FETCH_REUSE_WINDOW') ?? DEFAULTS.fetchReuseWindow, 'VIGIL_FETCH_REUSE_WINDOW'),
      cacheBytes: integer(text('VIGIL_FETCH_CACHE_MB'), 'VIGIL_FETCH_CACHE_MB', DEFAULTS.fetchCacheMb, 0, 1_000_000) * 1024 * 1024,
    },
    parse: {
      threads: integer(text('VIGIL_PARSE_THREADS'), 'VIGIL_PARSE_THREADS', DEFAULTS.parseThreads, 1, 64),
      timeoutMs: seconds(text('VIGIL_PARSE_TIMEOUT') ?? DEFAULTS.parseTimeout, 'VIGIL_PARSE_TIMEOUT') * 1000,
      memoryMb: integer(text('VIGIL_PARSE_MEMORY_MB'), 'VIGIL_PARSE_MEMORY_MB', DEFAULTS.parseMemoryMb, 64, 65_536),
      maxDepth: DEFAULT_PARSE_LIMITS.maxDepth,
      maxNodes: DEFAULT_PARSE_LIMITS.maxNodes,
      maxItems: integer(text('VIGIL_PARSE_MAX_ITEMS'), 'VIGIL_PARSE_MAX_ITEMS', DEFAULT_PARSE_LIMITS.maxItems, 1, 1_000_000),
    },
    roles: roles(text('VIGIL_ROLES')),
    logLevel: logLevel(text('VIGIL_LOG_LEVEL') ?? DEFAULTS.logLevel),
    ...overrides,
  };
  return Object.freeze(config);
}

function llmConfig(text: (name: string) => string | undefined): LlmConfig {
  const baseUrl = httpUrl(text('VIGIL_LLM_BASE_URL'), 'VIGIL_LLM_BASE_URL');
  const model = text('VIGIL_LLM_MODEL');
  if (baseUrl && !model) throw new ConfigError('VIGIL_LLM_MODEL must name the model to use (e.g. llama3.1:8b) when VIGIL_LLM_BASE_URL is set');
  return {
    baseUrl, model,
    apiKey: text('VIGIL_LLM_API_KEY'),
    embeddingModel: text('VIGIL_LLM_EMBEDDING_MODEL'),
    timeoutMs: seconds(text('VIGIL_LLM_TIMEOUT') ?? DEFAULTS.llmTimeout, 'VIGIL_LLM_TIMEOUT') * 1000,
    concurrency: integer(text('VIGIL_LLM_CONCURRENCY'), 'VIGIL_LLM_CONCURRENCY', DEFAULTS.llmConcurrency, 1, 1024),
    priceInput: price(text('VIGIL_LLM_PRICE_INPUT'), 'VIGIL_LLM_PRICE_INPUT'),
    priceOutput: price(text('VIGIL_LLM_PRICE_OUTPUT'), 'VIGIL_LLM_PRICE_OUTPUT'),
  };
}

function searchConfig(text: (name: string) => string | undefined): SearchConfig {
  const url = httpUrl(text('VIGIL_SEARCH_URL'), 'VIGIL_SEARCH_URL');
  const kind = text('VIGIL_SEARCH_KIND') ?? (url && /\/v1\/search\/?$/.test(new URL(url).pathname) ? 'parallel' : 'searxng');
  if (kind !== 'searxng' && kind !== 'parallel') throw new ConfigError(`VIGIL_SEARCH_KIND must be searxng or parallel; got "${kind}"`);
  return { url, kind, apiKey: text('VIGIL_SEARCH_API_KEY') };
}

function httpUrl(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch { /* reported below */ }
  throw new ConfigError(`${name} must be an absolute http(s) URL such as http://127.0.0.1:11434/v1; got "${value}"`);
}

/** A price in USD per million tokens: a non-negative number. */
function price(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number of USD per million tokens; got "${value}"`);
  return n;
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${value}"`);
  }
  return n;
}

function seconds(value: string, name: string): number {
  const parsed = parseDuration(value);
  if (!parsed || parsed.seconds === 0) {
    throw new ConfigError(`${name} must be a duration such as 500ms, 30s, 5m, 1h or 1d; got "${value}"`);
  }
  return parsed.seconds;
}

/** A duration in milliseconds where zero is allowed (it turns the feature off). */
function millis(value: string, name: string): number {
  const parsed = value === '0' ? { seconds: 0 } : parseDuration(value);
  if (!parsed) throw new ConfigError(`${name} must be 0 or a duration such as 250ms, 30s or 5m; got "${value}"`);
  return Math.round(parsed.seconds * 1000);
}

/** A lease of 1 s to 10 min: shorter ones cannot be renewed reliably, longer ones delay recovery. */
function leaseMs(value: string): number {
  const ms = millis(value, 'VIGIL_LEASE_DURATION');
  if (ms < 1000 || ms > 600_000) throw new ConfigError(`VIGIL_LEASE_DURATION must be from 1s to 10m; got "${value}"`);
  return ms;
}

function databaseUrl(value: string): string {
  if (value.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(value)) return value;
  throw new ConfigError(`VIGIL_DATABASE_URL must start with sqlite: or postgres://; got "${value}"`);
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/** Where to listen: an IP address or a host name (checked for form only; resolving it is the server's start). */
function host(value: string): string {
  if (isIP(value) !== 0 || HOST_NAME.test(value)) return value;
  throw new ConfigError(`VIGIL_HOST must be an IP address or a host name such as 127.0.0.1, :: or localhost; got "${value}"`);
}

/** A Standard Webhooks secret: `whsec_` and base64, as the `standard` key mode decodes it. */
function webhookSecret(value: string | undefined): string | undefined {
  if (value === undefined || /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(value)) return value;
  throw new ConfigError('VIGIL_WEBHOOK_SECRET must be whsec_ followed by at least 16 base64 characters (e.g. whsec_ and 24 random bytes in base64)');
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(value: string): string {
  if (LOG_LEVELS.includes(value)) return value;
  throw new ConfigError(`VIGIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${value}"`);
}

/** The allow list, each entry checked now by the guard's own parser, so a bad one stops the start before anything opens. */
function allowNetworks(value: string | undefined): string[] {
  const entries = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  try {
    createAddressPolicy(entries);
  } catch (err) {
    // The guard's message already names VIGIL_ALLOW_NETWORKS and the entry.
    throw new ConfigError((err as Error).message);
  }
  return entries;
}

function roles(value: string | undefined): Config['roles'] {
  const names = (value ?? 'api,worker').split(',').map((s) => s.trim());
  const unknown = names.filter((n) => n !== 'api' && n !== 'worker');
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError(`VIGIL_ROLES must be api, worker or api,worker; got "${value}"`);
  }
  return { api: names.includes('api'), worker: names.includes('worker') };
}

/** Where the CLI's client commands send requests (`vigil monitors …`), and with which key. */
export interface ClientConfig {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  readonly key: string;
}

/** The CLI client's defaults: a local server on the default port. */
export const CLIENT_DEFAULTS = { url: `http://127.0.0.1:${DEFAULTS.port}` } as const;

/** Reads `--url`/`--key`, falling back to `VIGIL_URL`/`VIGIL_KEY`; a missing key or a bad URL is a ConfigError. */
export function loadClientConfig(flags: { url?: string; key?: string }, env: Env = process.env): ClientConfig {
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

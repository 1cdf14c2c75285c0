import { DEFAULT_PARSE_LIMITS } from './research/parse-limits.js';
import type { ParseSettings } from './research/isolate/parse-pool.js';
import type { LlmConfig } from './research/model.js';
import type { SearchConfig } from './research/search.js';
import { allowNetworks, host, leaseMs, llmConfig, millis, roles, searchConfig, seconds, webhookSecret } from './config/values.js';
import { readVariables } from './config/variables.js';

export { ConfigError } from './config/config-error.js';
export { CLIENT_DEFAULTS, loadClientConfig, type ClientConfig } from './config/client.js';
export { VARIABLES } from './config/variables.js';

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

type Env = Record<string, string | undefined>;

/** The process's environment, for the command line to pass on (src/config/ is its only reader). */
export function processEnv(): Env {
  return process.env;
}

/**
 * Reads and validates the `VIGIL_*` variables (their defaults and rules: src/config/variables.ts); the
 * only reader of the environment. A bad value is a ConfigError naming the variable and the rule.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const v = readVariables(env);
  const config: Config = {
    port: v.VIGIL_PORT,
    host: host(v.VIGIL_HOST),
    databaseUrl: v.VIGIL_DATABASE_URL,
    apiKey: v.VIGIL_API_KEY,
    allowNetworks: allowNetworks(v.VIGIL_ALLOW_NETWORKS),
    minFrequencySeconds: seconds(v.VIGIL_MIN_FREQUENCY),
    llm: llmConfig(v),
    search: searchConfig(v),
    webhookSecret: webhookSecret(v.VIGIL_WEBHOOK_SECRET),
    retainExecutions: v.VIGIL_RETAIN_EXECUTIONS,
    executionTimeoutSeconds: seconds(v.VIGIL_EXECUTION_TIMEOUT),
    leaseMs: leaseMs(v.VIGIL_LEASE_DURATION),
    workerConcurrency: v.VIGIL_WORKER_CONCURRENCY,
    accountLimits: {
      executionsInFlight: v.VIGIL_ACCOUNT_EXECUTIONS_IN_FLIGHT,
      taskRunsInFlight: v.VIGIL_ACCOUNT_TASK_RUNS_IN_FLIGHT,
      taskRunsQueued: v.VIGIL_ACCOUNT_TASK_RUNS_QUEUED,
    },
    pollIntervalMs: seconds(v.VIGIL_POLL_INTERVAL) * 1000,
    monitorCreatesPerMinute: v.VIGIL_MONITOR_CREATES_PER_MINUTE,
    taskCreatesPerMinute: v.VIGIL_TASK_CREATES_PER_MINUTE,
    findAllCreatesPerHour: v.VIGIL_FINDALL_CREATES_PER_HOUR,
    findAllTimeoutSeconds: seconds(v.VIGIL_FINDALL_TIMEOUT),
    webhooks: {
      retryDelayMs: seconds(v.VIGIL_WEBHOOK_RETRY_DELAY) * 1000,
      retryWindowMs: seconds(v.VIGIL_WEBHOOK_RETRY_WINDOW) * 1000,
      disableAfterMs: seconds(v.VIGIL_WEBHOOK_DISABLE_AFTER) * 1000,
      timeoutMs: seconds(v.VIGIL_WEBHOOK_TIMEOUT) * 1000,
      accountConcurrency: v.VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY,
    },
    fetch: {
      hostConcurrency: v.VIGIL_FETCH_HOST_CONCURRENCY,
      hostSpacingMs: millis(v.VIGIL_FETCH_HOST_SPACING),
      attempts: v.VIGIL_FETCH_ATTEMPTS,
      retryDelayMs: millis(v.VIGIL_FETCH_RETRY_DELAY),
      reuseWindowMs: millis(v.VIGIL_FETCH_REUSE_WINDOW),
      cacheBytes: v.VIGIL_FETCH_CACHE_MB * 1024 * 1024,
    },
    parse: {
      threads: v.VIGIL_PARSE_THREADS,
      timeoutMs: seconds(v.VIGIL_PARSE_TIMEOUT) * 1000,
      memoryMb: v.VIGIL_PARSE_MEMORY_MB,
      maxDepth: DEFAULT_PARSE_LIMITS.maxDepth,
      maxNodes: DEFAULT_PARSE_LIMITS.maxNodes,
      maxItems: v.VIGIL_PARSE_MAX_ITEMS,
    },
    roles: roles(v.VIGIL_ROLES),
    logLevel: v.VIGIL_LOG_LEVEL,
    ...overrides,
  };
  return Object.freeze(config);
}

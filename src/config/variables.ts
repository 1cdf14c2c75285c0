import envSchema from 'env-schema';
import { Type, type Static, type TSchema } from 'typebox';
import { DEFAULT_PARSE_LIMITS } from '../research/parse-limits.js';
import { ConfigError } from './config-error.js';

// Every VIGIL_* variable the server reads, with its default and its rule, in one place (the README's
// configuration table). `description` is the rule as the error states it: "<name> must <rule>; got …".
// Values are validated by env-schema (ajv: strings coerced to numbers, defaults filled in); what JSON
// Schema cannot say (addresses, URLs, host names, the lease's range) is checked in values.ts.

const integer = (fallback: number | undefined, minimum: number, maximum: number) =>
  Type.Integer({ minimum, maximum, default: fallback, description: `be an integer from ${minimum} to ${maximum}` });
/** A duration of at least 1 ms: `<n><ms|s|m|h|d|w>`, not zero. */
const duration = (fallback: string) =>
  Type.String({ pattern: '^(?!0+(?:ms|[smhdw])$)[0-9]{1,9}(?:ms|[smhdw])$', default: fallback, description: 'be a duration such as 500ms, 30s, 5m, 1h or 1d' });
/** A duration where zero turns the feature off. */
const durationOrZero = (fallback: string) =>
  Type.String({ pattern: '^(?:0|[0-9]{1,9}(?:ms|[smhdw]))$', default: fallback, description: 'be 0 or a duration such as 250ms, 30s or 5m' });
const text = () => Type.Optional(Type.String());
const oneOf = (words: string[], fallback?: string, description = `be one of ${words.join(', ')}`) =>
  Type.String({ pattern: `^(?:${words.join('|')})$`, default: fallback, description });
const price = () => Type.Optional(Type.Number({ minimum: 0, description: 'be a non-negative number of USD per million tokens' }));

/** Where the API listens by default, and where the CLI looks for it. */
export const DEFAULT_PORT = 8080;

/** The schema of the environment: every variable, its type, bounds and default. */
export const VARIABLES = Type.Object({
  VIGIL_PORT: integer(DEFAULT_PORT, 0, 65_535),
  VIGIL_HOST: Type.String({ default: '127.0.0.1' }),
  VIGIL_DATABASE_URL: Type.String({
    pattern: '^(?:sqlite:|postgres(?:ql)?://)',
    default: 'sqlite:./data/vigil.db',
    description: 'start with sqlite: or postgres://',
  }),
  VIGIL_API_KEY: text(),
  VIGIL_ALLOW_NETWORKS: text(),
  VIGIL_MIN_FREQUENCY: duration('5m'),
  VIGIL_LLM_BASE_URL: text(),
  VIGIL_LLM_API_KEY: text(),
  VIGIL_LLM_MODEL: text(),
  VIGIL_LLM_EMBEDDING_MODEL: text(),
  VIGIL_LLM_TIMEOUT: duration('60s'),
  VIGIL_LLM_CONCURRENCY: integer(4, 1, 1024),
  VIGIL_LLM_PRICE_INPUT: price(),
  VIGIL_LLM_PRICE_OUTPUT: price(),
  VIGIL_SEARCH_URL: text(),
  VIGIL_SEARCH_KIND: Type.Optional(oneOf(['searxng', 'parallel'], undefined, 'be searxng or parallel')),
  VIGIL_SEARCH_API_KEY: text(),
  VIGIL_WEBHOOK_SECRET: text(),
  VIGIL_RETAIN_EXECUTIONS: integer(300, 1, 1_000_000),
  VIGIL_EXECUTION_TIMEOUT: duration('2m'),
  VIGIL_LEASE_DURATION: durationOrZero('12s'),
  // Executions mostly wait on the network: many run at once, bounded by the per-host limits.
  VIGIL_WORKER_CONCURRENCY: integer(64, 1, 4096),
  VIGIL_ACCOUNT_EXECUTIONS_IN_FLIGHT: integer(32, 1, 100_000),
  VIGIL_ACCOUNT_TASK_RUNS_IN_FLIGHT: integer(16, 1, 100_000),
  VIGIL_ACCOUNT_TASK_RUNS_QUEUED: integer(1000, 1, 10_000_000),
  VIGIL_POLL_INTERVAL: duration('1s'),
  VIGIL_MONITOR_CREATES_PER_MINUTE: integer(300, 1, 1_000_000),
  VIGIL_TASK_CREATES_PER_MINUTE: integer(2000, 1, 1_000_000),
  VIGIL_FINDALL_CREATES_PER_HOUR: integer(300, 1, 1_000_000),
  VIGIL_FINDALL_TIMEOUT: duration('30m'),
  VIGIL_WEBHOOK_RETRY_DELAY: duration('5s'),
  VIGIL_WEBHOOK_RETRY_WINDOW: duration('48h'),
  VIGIL_WEBHOOK_DISABLE_AFTER: duration('5d'),
  VIGIL_WEBHOOK_TIMEOUT: duration('15s'),
  VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY: integer(16, 1, 32),
  VIGIL_FETCH_HOST_CONCURRENCY: integer(2, 1, 256),
  VIGIL_FETCH_HOST_SPACING: durationOrZero('250ms'),
  VIGIL_FETCH_ATTEMPTS: integer(3, 1, 10),
  VIGIL_FETCH_RETRY_DELAY: durationOrZero('1s'),
  VIGIL_FETCH_REUSE_WINDOW: durationOrZero('60s'),
  VIGIL_FETCH_CACHE_MB: integer(64, 0, 1_000_000),
  VIGIL_PARSE_THREADS: integer(2, 1, 64),
  VIGIL_PARSE_TIMEOUT: duration('10s'),
  VIGIL_PARSE_MEMORY_MB: integer(256, 64, 65_536),
  VIGIL_PARSE_MAX_ITEMS: integer(DEFAULT_PARSE_LIMITS.maxItems, 1, 1_000_000),
  VIGIL_ROLES: Type.String({
    pattern: '^\\s*(?:api|worker)\\s*(?:,\\s*(?:api|worker)\\s*)*$',
    default: 'api,worker',
    description: 'be api, worker or api,worker',
  }),
  VIGIL_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
});

/** The environment once validated: numbers are numbers, and every variable with a default has it. */
export type Variables = Static<typeof VARIABLES>;

/**
 * Validates the `VIGIL_*` variables of `env` (trimmed; empty ones count as unset). A bad value is a
 * ConfigError naming the first bad variable, its rule and the value.
 */
export function readVariables(env: Record<string, string | undefined>): Variables {
  const given: Record<string, string> = {};
  for (const name of Object.keys(VARIABLES.properties)) {
    const value = env[name]?.trim();
    if (value) given[name] = value;
  }
  try {
    return envSchema<Variables>({ schema: VARIABLES, data: given, env: false });
  } catch (err) {
    const first = (err as { errors?: { instancePath: string }[] }).errors?.[0];
    const name = first?.instancePath.slice(1);
    const rule = name === undefined ? undefined : (VARIABLES.properties as Record<string, TSchema & { description?: string }>)[name]?.description;
    if (name === undefined || rule === undefined) throw err;
    throw new ConfigError(`${name} must ${rule}; got "${given[name]}"`);
  }
}

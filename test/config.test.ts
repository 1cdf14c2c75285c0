// The configuration contract (README "Configuration"): every variable, its default, and the message of a
// bad value, which names the variable and the rule. The messages are those of the hand-written reader
// that env-schema replaced; this file passes against both.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, VARIABLES } from '../src/config.js';

const refuses = (env: Record<string, string>, message: string) =>
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => err instanceof ConfigError && err.message === message,
    `${JSON.stringify(env)} → ${message}`,
  );

describe('configuration', () => {
  it("has the README table's defaults", () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.databaseUrl, 'sqlite:./data/vigil.db');
    assert.deepEqual([c.apiKey, c.webhookSecret, c.llm.baseUrl, c.search.url], [undefined, undefined, undefined, undefined]);
    assert.deepEqual(c.allowNetworks, []);
    assert.equal(c.minFrequencySeconds, 300);
    assert.deepEqual([c.llm.timeoutMs, c.llm.concurrency, c.search.kind], [60_000, 4, 'searxng']);
    assert.deepEqual(c.webhooks, {
      retryDelayMs: 5_000,
      retryWindowMs: 48 * 3600_000,
      disableAfterMs: 5 * 86_400_000,
      timeoutMs: 15_000,
      accountConcurrency: 16,
    });
    assert.deepEqual([c.taskCreatesPerMinute, c.findAllCreatesPerHour, c.findAllTimeoutSeconds, c.monitorCreatesPerMinute], [2000, 300, 1800, 300]);
    assert.deepEqual([c.retainExecutions, c.executionTimeoutSeconds, c.leaseMs, c.workerConcurrency, c.pollIntervalMs], [300, 120, 12_000, 64, 1000]);
    assert.deepEqual(c.accountLimits, { executionsInFlight: 32, taskRunsInFlight: 16, taskRunsQueued: 1000 });
    assert.deepEqual(c.fetch, { hostConcurrency: 2, hostSpacingMs: 250, attempts: 3, retryDelayMs: 1000, reuseWindowMs: 60_000, cacheBytes: 64 * 1024 * 1024 });
    assert.deepEqual([c.parse.threads, c.parse.timeoutMs, c.parse.memoryMb, c.parse.maxItems], [2, 10_000, 256, 5000]);
    assert.deepEqual(c.roles, { api: true, worker: true });
    assert.equal(c.logLevel, 'info');
  });

  it('reads every variable the README lists, and only those', () => {
    const table = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
      .split('## Configuration')[1]
      .split('\n## ')[0];
    const listed = new Set([...table.matchAll(/`(VIGIL_[A-Z_]+)`/g)].map((m) => m[1]));
    listed.delete('VIGIL_URL'); // the CLI client's, not read by serve
    listed.delete('VIGIL_KEY');
    assert.deepEqual([...listed].sort(), Object.keys(VARIABLES.properties).sort());
    for (const name of listed) {
      if (FREE_TEXT.has(name)) continue;
      // A value that breaks every rule is refused naming the variable: the variable is read and checked.
      assert.throws(
        () => loadConfig({ [name]: '%bad%' }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(name),
        name,
      );
    }
  });

  it('reads values trimmed, an empty one as unset, and numbers as written', () => {
    const c = loadConfig({ VIGIL_PORT: ' 9090 ', VIGIL_HOST: '', VIGIL_ROLES: 'worker , api', VIGIL_FETCH_HOST_SPACING: '0', VIGIL_LLM_PRICE_INPUT: '0.15' });
    assert.deepEqual([c.port, c.host, c.roles, c.fetch.hostSpacingMs, c.llm.priceInput], [9090, '127.0.0.1', { api: true, worker: true }, 0, 0.15]);
    assert.equal(loadConfig({ VIGIL_ROLES: 'worker' }).roles.api, false);
  });

  it('names the variable, the rule and the value of a bad one', () => {
    refuses({ VIGIL_PORT: 'x' }, 'VIGIL_PORT must be an integer from 0 to 65535; got "x"');
    refuses({ VIGIL_PORT: '1.5' }, 'VIGIL_PORT must be an integer from 0 to 65535; got "1.5"');
    refuses({ VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY: '33' }, 'VIGIL_WEBHOOK_ACCOUNT_CONCURRENCY must be an integer from 1 to 32; got "33"');
    refuses({ VIGIL_PARSE_MEMORY_MB: '8' }, 'VIGIL_PARSE_MEMORY_MB must be an integer from 64 to 65536; got "8"');
    refuses({ VIGIL_MIN_FREQUENCY: '0s' }, 'VIGIL_MIN_FREQUENCY must be a duration such as 500ms, 30s, 5m, 1h or 1d; got "0s"');
    refuses({ VIGIL_EXECUTION_TIMEOUT: '2 minutes' }, 'VIGIL_EXECUTION_TIMEOUT must be a duration such as 500ms, 30s, 5m, 1h or 1d; got "2 minutes"');
    refuses({ VIGIL_FETCH_REUSE_WINDOW: '-1s' }, 'VIGIL_FETCH_REUSE_WINDOW must be 0 or a duration such as 250ms, 30s or 5m; got "-1s"');
    refuses({ VIGIL_LEASE_DURATION: '500ms' }, 'VIGIL_LEASE_DURATION must be from 1s to 10m; got "500ms"');
    refuses({ VIGIL_LEASE_DURATION: 'long' }, 'VIGIL_LEASE_DURATION must be 0 or a duration such as 250ms, 30s or 5m; got "long"');
    refuses({ VIGIL_DATABASE_URL: 'mysql://x' }, 'VIGIL_DATABASE_URL must start with sqlite: or postgres://; got "mysql://x"');
    refuses({ VIGIL_HOST: 'not a host' }, 'VIGIL_HOST must be an IP address or a host name such as 127.0.0.1, :: or localhost; got "not a host"');
    refuses({ VIGIL_LOG_LEVEL: 'loud' }, 'VIGIL_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"');
    refuses({ VIGIL_ROLES: 'api,,worker' }, 'VIGIL_ROLES must be api, worker or api,worker; got "api,,worker"');
    refuses({ VIGIL_SEARCH_KIND: 'google' }, 'VIGIL_SEARCH_KIND must be searxng or parallel; got "google"');
    refuses({ VIGIL_LLM_PRICE_INPUT: 'Infinity' }, 'VIGIL_LLM_PRICE_INPUT must be a non-negative number of USD per million tokens; got "Infinity"');
    refuses(
      { VIGIL_LLM_BASE_URL: 'http://127.0.0.1:11434/v1' },
      'VIGIL_LLM_MODEL must name the model to use (e.g. llama3.1:8b) when VIGIL_LLM_BASE_URL is set',
    );
    refuses(
      { VIGIL_WEBHOOK_SECRET: 'whsec_short' },
      'VIGIL_WEBHOOK_SECRET must be whsec_ followed by at least 16 base64 characters (e.g. whsec_ and 24 random bytes in base64)',
    );
  });
});

/** Variables any text is good for (keys, model names): nothing to refuse. */
const FREE_TEXT = new Set(['VIGIL_API_KEY', 'VIGIL_LLM_API_KEY', 'VIGIL_LLM_MODEL', 'VIGIL_LLM_EMBEDDING_MODEL', 'VIGIL_SEARCH_API_KEY']);

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { TestVigil } from './helpers.js';
import { send, startApiOnlyVigil, storeDigest, type Answer } from './fuzz-helpers.js';

/**
 * Property-based fuzzing of every route's path, query and body (issue 11 item 6), on SQLite and, with
 * VIGIL_TEST_DATABASE_URL, PostgreSQL. Whatever is sent: never a 5xx; a 4xx always carries the error
 * envelope (api.md §1.3) and leaves every table exactly as it was. The routes come from the app's
 * own OpenAPI document, so a new route is fuzzed without being listed here.
 * Replay a failure with VIGIL_FUZZ_SEED=<seed printed in the failure>; VIGIL_FUZZ_RUNS sets runs per route.
 */
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.VIGIL_FUZZ_RUNS ?? 25);

let vigil: TestVigil;
let app: FastifyInstance;
const source = 'http://127.0.0.1:9/feed.xml';
/** Real ids per path parameter, so that requests also reach existing resources. */
const realIds: Record<string, string[]> = {};

/** A valid body per route: mutated field by field, it reaches the rules behind the schema. */
const TEMPLATES: Record<string, unknown> = {
  'POST /v1/monitors': {
    type: 'event_stream',
    frequency: '1d',
    processor: 'lite',
    metadata: { team: 'a' },
    webhook: { url: 'http://127.0.0.1:9/hook', event_types: ['monitor.event.detected'] },
    settings: {
      query: `News from ${source}`,
      sources: [source],
      include_backfill: false,
      match: { any: ['price'], all: [], none: ['rumour'], regex: 'pro|plus' },
      advanced_settings: { location: 'us', source_policy: { include_domains: ['example.test'], exclude_domains: [], after_date: '2024-01-31' } },
    },
  },
  'POST /v1/monitors/{monitor_id}/update': {
    type: 'event_stream',
    frequency: '1w',
    metadata: { k: 'v' },
    webhook: { url: 'http://127.0.0.1:9/h' },
    settings: { query: `Other news ${source}`, match: { any: ['x'] }, advanced_settings: null },
  },
  'POST /v1alpha/monitors': {
    query: `News from ${source}`,
    frequency: '1d',
    cadence: 'daily',
    webhook: { url: 'http://127.0.0.1:9/h' },
    metadata: { a: 'b' },
    output_schema: { type: 'json', json_schema: { type: 'object', properties: { t: { type: 'string' } } } },
    include_backfill: true,
    source_policy: { after_date: '2024-01-01' },
  },
  'POST /v1alpha/monitors/{monitor_id}': { query: `Q ${source}`, cadence: 'weekly', frequency: null, metadata: { a: 'c' }, source_policy: null },
  'POST /v1/tasks/runs': {
    input: { company: 'Acme', url: source },
    processor: 'lite',
    metadata: { n: 1, ok: true },
    task_spec: {
      output_schema: {
        type: 'json',
        json_schema: { type: 'object', additionalProperties: false, required: ['price'], properties: { price: { type: 'string', 'x-regex': '\\$(\\d+)' } } },
      },
    },
    source_policy: { include_domains: ['example.test'] },
    webhook: { url: 'http://127.0.0.1:9/h', event_types: ['task_run.status'] },
    mcp_servers: [{ type: 'url', url: 'https://mcp.test', name: 'm' }],
    enable_events: true,
  },
  'POST /v1/webhooks/secret/rotate': { grace_period: '1h' },
  'POST /v1/webhooks/settings': { key_mode: 'raw' },
  'POST /v1/webhooks/deliveries/redeliver': { status: ['failed', 'delivered'], since: '2024-01-01T00:00:00Z', until: '2030-01-01T00:00:00Z' },
  'POST /v1/webhooks/endpoints/enable': { url: 'https://receiver.test/hook' },
  // No real key ids are fuzzed: revoking the fuzzer's own key would turn every later request into a 401.
  'POST /v1/keys': { name: 'ci' },
};

/** Strings that have upset parsers, validators or SQL somewhere. */
const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'null',
  'true',
  'True',
  '1',
  '0',
  '-1',
  '1.5',
  '1e400',
  '-0',
  'NaN',
  'Infinity',
  '99999999999999999999',
  '9007199254740993',
  '[]',
  '{}',
  '%',
  '%ff',
  '../..',
  '\ud800',
  '\uffff',
  '\u202e',
  "'; drop table monitors; --",
  'x'.repeat(3000),
  '999999999w',
  '2020-13-45',
  '1h',
  '30d',
  'monitor_x',
  ',,,',
  'active,cancelled',
  'javascript:alert(1)',
];
const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
);
const base64url = (value: string) => Buffer.from(value).toString('base64url');
/** Cursors: well-formed with wrong values, arbitrary JSON, or not base64 at all. */
const cursor = fc.oneof(
  fc.record({ c: fc.oneof(fc.double(), fc.integer(), text), i: text }).map((v) => base64url(JSON.stringify(v))),
  fc.record({ m: text, s: fc.oneof(fc.double(), fc.bigInt().map(String), fc.integer()) }).map((v) => base64url(JSON.stringify(v))),
  fc.constantFrom('{"c":1e400,"i":"a"}', '{"s":12345678901234567890,"m":"m"}', '{"c":1,"i":"\\u0000"}').map(base64url),
  fc.jsonValue().map((v) => base64url(JSON.stringify(v) ?? 'null')),
  text,
);
/** Any JSON, nested a little or (rarely) absurdly deep. */
const json: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: text },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 2000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown) },
);

/** Every path to a value in a JSON document, root first. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k]));
  }
  return out;
}

type Mutation = { at: number; op: 'replace' | 'delete' | 'add'; key: string; value: unknown };
function mutate(template: unknown, mutations: Mutation[]): unknown {
  let doc = structuredClone(template);
  for (const m of mutations) {
    const paths = pathsOf(doc);
    const path = paths[m.at % paths.length];
    if (path.length === 0) {
      if (m.op === 'replace') doc = m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], doc);
    const last = path[path.length - 1];
    if (m.op === 'replace') parent[last] = m.value;
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last])) parent[last][m.key] = m.value;
  }
  return doc;
}
const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom<Mutation['op']>('replace', 'replace', 'delete', 'add'),
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'type', 'url', ''), fc.string()),
  value: json,
});

/** The body of a request: a mutated template, any JSON, raw text, or nothing, with a content type. */
function bodyFor(route: string): fc.Arbitrary<{ body?: string; type?: string }> {
  const template = TEMPLATES[route];
  const payloads: fc.Arbitrary<string | undefined>[] = [
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string(),
    fc.constant(undefined),
    fc.constantFrom('{', '{"a":', '[1,]', '\u0000', 'null', '""', `[${'{},'.repeat(30_000)}{}]`),
  ];
  if (template !== undefined) {
    const mutated = fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => JSON.stringify(mutate(template, ms)) ?? 'null');
    payloads.unshift(mutated, mutated, mutated);
  }
  return fc.record({
    body: fc.oneof(...payloads),
    type: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded') },
    ),
  });
}

/** Percent-encodes a fuzzed value for a URL, keeping a few raw escapes that are themselves the test. */
function encode(value: string): string {
  if (/^%(ff|00|zz)?$/.test(value)) return value;
  try {
    return encodeURIComponent(value);
  } catch {
    return Array.from(value)
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          return '%ED%A0%80';
        }
      })
      .join('');
  }
}

interface Route {
  method: string;
  template: string;
  params: string[];
  query: string[];
}

function routesOf(spec: any): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(operations)) {
      const parameters: { in: string; name: string }[] = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase(),
        template,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
      });
    }
  }
  return routes;
}

/** A whole request for a route: path parameters, query and body, all fuzzed. */
function requestFor(route: Route) {
  const key = `${route.method} ${route.template}`;
  // A real run's result and event stream wait for the run to end, which never comes without a worker;
  // a real monitor's live event stream stays open until its timeout.
  const waits = route.template.startsWith('/v1/tasks/runs/{run_id}/') || route.template.endsWith('/events/stream');
  const param = (name: string) =>
    fc.oneof(...(!waits && realIds[name]?.length ? [{ weight: 2, arbitrary: fc.constantFrom(...realIds[name]) }] : []), { weight: 3, arbitrary: text });
  const queryValue = (name: string) => {
    if (name === 'cursor') return cursor;
    if (name === 'include_completions') return fc.oneof(fc.constantFrom('true', 'False', '1', '0', 'yes'), text);
    if (name === 'limit' || name === 'timeout') return fc.oneof(fc.integer({ min: -5, max: 20_000 }).map(String), text);
    return text;
  };
  return fc
    .record({
      params: fc.tuple<string[]>(...route.params.map(param)),
      query: fc.tuple<(string | undefined)[]>(...route.query.map((n) => fc.option(queryValue(n), { nil: undefined }))),
      extra: fc.option(fc.tuple(text, text), { nil: undefined }),
      body: route.method === 'GET' || route.method === 'DELETE' ? fc.constant({}) : bodyFor(key),
    })
    .map(({ params, query, extra, body }) => {
      let url = route.template;
      route.params.forEach((name, i) => {
        url = url.replace(`{${name}}`, encode(params[i]));
      });
      const pairs = route.query.map((name, i) => (query[i] === undefined ? undefined : `${name}=${encode(query[i])}`)).filter(Boolean);
      if (extra) pairs.push(`${encode(extra[0])}=${encode(extra[1])}`);
      return { method: route.method, url: pairs.length ? `${url}?${pairs.join('&')}` : url, ...body };
    });
}

/** The store's digest as of the last check; a refused request leaves it valid, so it is reused. */
let known: Awaited<ReturnType<typeof storeDigest>> | undefined;
/** Statuses seen, printed at the end: a fuzzer that only ever reaches one 422 tests little. */
const statuses = new Map<number, number>();

/** Sends one fuzzed request and checks the invariant: no 5xx; a 4xx is the envelope and writes nothing. */
async function check(request: { method: string; url: string; body?: string; type?: string }): Promise<void> {
  const db = vigil.vigil.store.db;
  const before = known ?? (await storeDigest(db));
  known = undefined;
  const headers: Record<string, string> = request.type ? { 'content-type': request.type } : {};
  const answer: Answer = await send(app, vigil.apiKey, request.method, request.url, request.body, headers);
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  const what = `${request.method} ${request.url.slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  assert.ok(answer.status < 500, `5xx: ${what}`);
  if (answer.status < 400) return;
  assert.equal(answer.json?.type, 'error', `not the envelope: ${what}`);
  assert.equal(typeof answer.json.error?.ref_id, 'string', what);
  assert.equal(typeof answer.json.error?.message, 'string', what);
  const afterwards = await storeDigest(db);
  assert.deepEqual(afterwards.counts, before.counts, `row counts changed: ${what}`);
  assert.equal(afterwards.digest, before.digest, `a row changed: ${what}`);
  known = afterwards;
}

before(async () => {
  vigil = await startApiOnlyVigil();
  app = vigil.vigil.app as FastifyInstance;
  const post = (url: string, body?: unknown) => send(app, vigil.apiKey, 'POST', url, body);
  const monitor = (await post('/v1/monitors', TEMPLATES['POST /v1/monitors'])).json;
  const legacy = (await post('/v1alpha/monitors', TEMPLATES['POST /v1alpha/monitors'])).json;
  const run = (await post('/v1/tasks/runs', TEMPLATES['POST /v1/tasks/runs'])).json;
  await send(app, vigil.apiKey, 'POST', `/v1alpha/monitors/${legacy.monitor_id}/simulate_event`);
  const deliveries = (await send(app, vigil.apiKey, 'GET', '/v1/webhooks/deliveries')).json.deliveries;
  Object.assign(realIds, {
    monitor_id: [monitor.monitor_id, legacy.monitor_id],
    run_id: [run.run_id],
    delivery_id: deliveries.map((d: any) => d.delivery_id),
  });
  assert.ok(realIds.monitor_id.every(Boolean) && realIds.run_id[0] && realIds.delivery_id.length > 0, 'set-up resources exist');
});
after(async () => {
  console.log(`fuzzed statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  await vigil.stop();
});

describe(`fuzzing every route (seed ${SEED}, ${RUNS} runs per route; replay with VIGIL_FUZZ_SEED=${SEED})`, () => {
  it('covers every route of the OpenAPI document', () => {
    assert.ok(routesOf(app.swagger()).length >= 30);
  });

  it('answers any request to any route without a 5xx, and refuses with the envelope and no write', async () => {
    for (const route of routesOf(app.swagger())) {
      await fc.assert(fc.asyncProperty(requestFor(route), check), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    }
  });

  it('answers unknown paths and methods with the envelope, never a 5xx', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
    const path = fc
      .array(fc.oneof(text, fc.constantFrom('v1', 'v1beta', 'v1alpha', 'monitors', 'tasks', 'findall', 'monitor', 'webhooks')), { minLength: 1, maxLength: 5 })
      .map((segments) => `/${segments.map(encode).join('/')}`);
    await fc.assert(
      fc.asyncProperty(method, path, (m, p) => check({ method: m, url: p })),
      { seed: SEED, numRuns: RUNS * 4, endOnFailure: true },
    );
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TestVigil } from './helpers.js';

/**
 * The legacy OpenAPI document, copied into the repository (see test/fixtures/README.md for its
 * source) so that a fresh clone runs its tests with nothing beside it.
 */
const SPEC = join(import.meta.dirname, 'fixtures', 'parallel-legacy.json');
const BASE = 'https://vigil.test/parallel-legacy.json';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function contract(): Ajv {
  if (ajv) return ajv;
  if (!existsSync(SPEC)) {
    throw new Error(`the legacy OpenAPI spec is missing at ${SPEC}; the v1alpha tests validate every response against it`);
  }
  const spec = JSON.parse(readFileSync(SPEC, 'utf8'));
  // OpenAPI 3.1 schemas are JSON Schema 2020-12 plus annotations (discriminator, examples) ajv need not know.
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: BASE, components: { schemas: spec.components.schemas } });
  return ajv;
}

/** Asserts that a value matches a component schema of the legacy spec (`Name`, or `Name[]` for an array of them). */
export function assertLegacyShape(component: string, value: unknown): void {
  const validator = contract();
  let validate = compiled.get(component);
  if (!validate) {
    const ref = { $ref: `${BASE}#/components/schemas/${component.replace(/\[\]$/, '')}` };
    validate = validator.compile(component.endsWith('[]') ? { type: 'array', items: ref } : ref);
    compiled.set(component, validate);
  }
  if (!validate(value)) assert.fail(`not a ${component}: ${validator.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
}

/** The component a successful v1alpha response is, by method and path (api.md §4.1). */
function successShape(method: string, path: string): string | undefined {
  const route = path.split('?')[0];
  if (/\/(events|event_groups\/[^/]+)$/.test(route)) return 'MonitorEventList';
  if (route.endsWith('/simulate_event')) return undefined;
  if (route === '/v1alpha/monitors/list') return 'V0PaginatedMonitorResponse';
  if (route === '/v1alpha/monitors') return method === 'GET' ? 'V0MonitorResponse[]' : 'V0MonitorResponse';
  return 'V0MonitorResponse';
}

/** A v1alpha response: status, headers and parsed body. */
export interface LegacyResponse {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * A raw v1alpha client (no SDK covers these paths): every response it returns has been checked
 * against the legacy spec, errors against `ErrorResponse`.
 */
export function legacyClient(vigil: TestVigil, key: string | null = vigil.apiKey) {
  return async function request(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; contentType?: string } = {},
  ): Promise<LegacyResponse> {
    const headers: Record<string, string> = key === null ? {} : { 'x-api-key': key };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${vigil.url}${path}`, { method, headers, body });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (response.status >= 400) assertLegacyShape('ErrorResponse', parsed);
    else {
      const shape = successShape(method, path);
      if (shape) assertLegacyShape(shape, parsed);
      else assert.equal(text, '', `${method} ${path} answers ${response.status} with no body`);
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

/** Asserts an error response's status and message. */
export function assertError(response: LegacyResponse, status: number, message: RegExp): void {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  assert.equal(response.body.type, 'error');
  assert.match(response.body.error.message, message);
}

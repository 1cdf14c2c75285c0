import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { normaliseQueryValue } from './query.js';

/**
 * Two validators: JSON bodies are checked as sent (a `frequency: ["1h"]` or `metadata: {k: 1}` is a
 * 422, not quietly coerced; and coercion would unwrap a one-element `mcp_servers` array while trying
 * its `null` branch), while path and query values, which are always text, are coerced to the
 * schema's types (api.md §1.2). Both strip unknown fields and fill defaults.
 */
const common = { removeAdditional: true, useDefaults: true, allErrors: true } as const;
const bodyAjv = addFormats.default(new Ajv({ ...common, coerceTypes: false }));
const textAjv = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }));

/** Sets the app's validator compiler: strict JSON bodies, coerced and NUL-free path and query values. */
export function installValidators(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart === 'body') return bodyAjv.compile(schema);
    return textValidator(textAjv.compile(schema), schema);
  });
}

type Issue = { instancePath: string; keyword: string; message: string; params: Record<string, unknown> };

/**
 * Path and query values: NUL characters are refused before anything reaches SQL (PostgreSQL
 * cannot compare them), and booleans may be spelled `true/false/True/False/1/0` as hosted APIs
 * accept, before Ajv coerces the rest.
 */
function textValidator(inner: ValidateFunction, schema: FastifySchema): ValidateFunction {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const booleans = Object.keys(properties).filter((name) => properties[name]?.type === 'boolean');
  const numbers = Object.keys(properties).filter((name) => properties[name]?.type === 'integer' || properties[name]?.type === 'number');
  const wrapper = ((data: unknown, context?: unknown) => {
    if (data && typeof data === 'object') {
      const values = data as Record<string, unknown>;
      const issues = textIssues(values, numbers);
      if (issues.length > 0) {
        wrapper.errors = issues as never;
        return false;
      }
      for (const name of booleans) values[name] = normaliseQueryValue(values[name]);
    }
    const ok = (inner as (d: unknown, c?: unknown) => boolean)(data, context);
    wrapper.errors = inner.errors;
    return ok;
  }) as ValidateFunction;
  // Fastify passes the parent only to Ajv functions (known by schemaEnv), so that Ajv may replace a coerced root.
  Object.assign(wrapper, { schemaEnv: inner.schemaEnv, schema: inner.schema });
  return wrapper;
}

const NO_ISSUES: readonly Issue[] = [];

/**
 * NUL characters in any value, then numbers that are not finite (Ajv coerces "1e400" to Infinity
 * and then lets it through `maximum`; SQL would not). No issue objects or arrays are made when all
 * is well: every request's path and query pass here.
 */
function textIssues(values: Record<string, unknown>, numbers: string[]): readonly Issue[] {
  let issues: Issue[] | undefined;
  for (const name of Object.keys(values)) {
    if (hasNul(values[name])) {
      (issues ??= []).push({ instancePath: `/${name}`, keyword: 'nul_character', message: 'must not contain NUL characters', params: {} });
    }
  }
  for (const name of numbers) {
    const value = values[name];
    if (typeof value === 'string' && !Number.isFinite(Number(value))) {
      (issues ??= []).push({ instancePath: `/${name}`, keyword: 'type', message: 'must be a finite number', params: {} });
    }
  }
  return issues ?? NO_ISSUES;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  return Array.isArray(value) && value.some((v) => typeof v === 'string' && v.includes('\u0000'));
}

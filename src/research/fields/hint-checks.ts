// The rules of Vigil's hint keys (x-selector, x-attribute, x-jsonpath, x-regex) in an output
// schema: reading them, compiling a regex hint, and checking them when a task is created. Applying
// them to a page is hints.ts, in the parse workers.
import type { CheerioAPI } from 'cheerio';
import { JSONPath } from 'jsonpath-plus';
import { itemsOf, propertiesOf, resolveSchema, type FieldSchema } from '../coerce.js';
import { compileUserRegex, type UserRegex } from '../regex-safety.js';
import { cheerioOnDemand } from '../cheerio-on-demand.js';

/** Vigil's extension keys a property may carry to say where its value is. */
export interface Hints {
  selector?: string;
  attribute?: string;
  jsonpath?: string;
  regex?: string;
}

/** The hints a property's schema carries (non-string values are ignored; validateHints reports them). */
export function hintsOf(schema: FieldSchema): Hints | null {
  const pick = (key: string) => (typeof schema[key] === 'string' && schema[key] !== '' ? schema[key] : undefined);
  const hints = { selector: pick('x-selector'), attribute: pick('x-attribute'), jsonpath: pick('x-jsonpath'), regex: pick('x-regex') };
  return hints.selector || hints.jsonpath || hints.regex ? hints : null;
}

/**
 * Compiles an `x-regex` for the linear-time engine (RE2): a bare pattern, or `/pattern/flags` with
 * flags from `imsu`; throws naming the rule on a bad pattern or one that needs backtracking.
 */
export function compileRegex(source: string): UserRegex {
  const literal = /^\/(.+)\/([imsu]*)$/s.exec(source);
  const [pattern, flags] = literal ? [literal[1], literal[2]] : [source, ''];
  return compileUserRegex(pattern, { ignoreCase: flags.includes('i'), multiline: flags.includes('m'), dotAll: flags.includes('s') });
}

/** Problems with the hints in an output schema (bad selector, regex or JSONPath), each naming the property; empty when fine. */
export function validateHints(jsonSchema: Record<string, unknown>, path = ''): string[] {
  const problems: string[] = [];
  for (const [name, raw] of propertiesOf(jsonSchema)) {
    const at = path ? `${path}.${name}` : name;
    const { kind, schema } = resolveSchema(raw);
    for (const key of ['x-selector', 'x-attribute', 'x-jsonpath', 'x-regex']) {
      if (key in schema && typeof schema[key] !== 'string') problems.push(`${at}: ${key} must be a string`);
    }
    const hints = hintsOf(schema);
    if (hints) problems.push(...hintProblems(at, hints));
    if (typeof schema['x-attribute'] === 'string' && typeof schema['x-selector'] !== 'string') {
      problems.push(`${at}: x-attribute needs an x-selector naming the element to read it from`);
    }
    if (kind === 'object') problems.push(...validateHints(schema, at));
    if (kind === 'array') problems.push(...validateHints(resolveSchema(itemsOf(schema)).schema, `${at}[]`));
  }
  return problems;
}

function hintProblems(at: string, hints: Hints): string[] {
  const problems: string[] = [];
  if (hints.selector) {
    try {
      load$()(hints.selector);
    } catch (err) {
      problems.push(`${at}: x-selector is not a valid CSS selector (${(err as Error).message})`);
    }
  }
  if (hints.regex) {
    try {
      compileRegex(hints.regex);
    } catch (err) {
      problems.push(`${at}: x-regex ${(err as Error).message}`);
    }
  }
  if (hints.jsonpath) {
    // Script expressions ([?(…)], [(…)]) are refused when evaluated (eval: false), which only happens on a matching page.
    const steps = JSONPath.toPathArray(hints.jsonpath);
    if (steps[0] !== '$' || steps.some((step) => /^\??\(/.test(step))) {
      problems.push(`${at}: x-jsonpath is not a supported JSONPath (it must start with $ and may not use script expressions such as [?(...)])`);
    }
  }
  return problems;
}

let empty: CheerioAPI | undefined;
/** An empty document, to let cheerio parse a selector (it throws on a bad one even with nothing to match). */
function load$(): CheerioAPI {
  return (empty ??= cheerioOnDemand().load('<p></p>'));
}

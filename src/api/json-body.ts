import type { FastifyInstance } from 'fastify';
import { validationError, type Problem } from '../errors.js';

/**
 * Limits on the shape of a JSON request body, checked by scanning the text before `JSON.parse`
 * builds anything: a 1 MB body of `[{},{},…]` would otherwise become ~300,000 objects (hundreds of
 * MB, seconds of stalled event loop), and a 100,000-deep one would overflow the validators' stacks.
 */
export const BODY_LIMITS = {
  /** Bytes of a request body (Fastify's bodyLimit). */
  bytes: 1024 * 1024,
  /** Nesting of arrays and objects; a task's output schema at its documented 5 levels needs about 20. */
  depth: 64,
  /**
   * Values (objects, arrays, strings, numbers, literals) in one body. A FindAll create body with the
   * documented 10,000-entry `exclude_list` holds about 30,000 (api.md §6.2).
   */
  values: 40_000,
} as const;

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c;
const OPEN_OBJECT = 0x7b,
  CLOSE_OBJECT = 0x7d,
  OPEN_ARRAY = 0x5b,
  CLOSE_ARRAY = 0x5d;
const OBJECT = 1,
  ARRAY = 2;
/** At most this many path segments are named in a problem (a 64-deep path helps nobody). */
const SHOWN_SEGMENTS = 8;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** Characters that continue a number or literal token (`-1.5e+3`, `true`, `null`). */
const isTokenChar = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2e || c === 0x2b || c === 0x2d;

/**
 * Scans JSON text for what the body limits refuse (too deep, too many values), for NUL characters
 * (PostgreSQL cannot store them) and for `__proto__` keys (prototype poisoning), without building
 * it. Invalid JSON is left to `JSON.parse`; the first problem found is returned.
 */
export function scanJson(text: string, limits: { depth: number; values: number } = BODY_LIMITS): Problem | undefined {
  const kind = new Uint8Array(limits.depth + 2);
  const index = new Int32Array(limits.depth + 2);
  const keyStart = new Int32Array(limits.depth + 2).fill(-1);
  const keyEnd = new Int32Array(limits.depth + 2);
  const where = (depth: number) => pathOf(text, depth, kind, index, keyStart, keyEnd);
  let depth = 0;
  let values = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let nul = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === BACKSLASH) {
          if (text.startsWith('u0000', j + 1)) nul = true;
          j += 2;
        } else if (d === QUOTE) break;
        else j++;
      }
      let k = j + 1;
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      const isKey = kind[depth] === OBJECT && text.charCodeAt(k) === COLON;
      if (isKey) {
        keyStart[depth] = i;
        keyEnd[depth] = j + 1;
        if (keyText(text, i, j + 1) === '__proto__') return { loc: ['body', ...where(depth)], msg: 'is not an allowed key', type: 'forbidden_key' };
      } else values++;
      if (nul) return { loc: ['body', ...where(depth)], msg: 'must not contain NUL characters (\\u0000)', type: 'nul_character' };
      i = j;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      values++;
      if (depth + 1 > limits.depth) {
        return { loc: ['body', ...where(depth)], msg: `nests deeper than ${limits.depth} levels of arrays and objects`, type: 'nesting' };
      }
      depth++;
      kind[depth] = c === OPEN_OBJECT ? OBJECT : ARRAY;
      index[depth] = 0;
      keyStart[depth] = -1;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
    } else if (c === COMMA) {
      if (kind[depth] === ARRAY) index[depth]++;
    } else if (isTokenChar(c)) {
      values++;
      while (i + 1 < n && isTokenChar(text.charCodeAt(i + 1))) i++;
    }
    if (values > limits.values) {
      return { loc: ['body'], msg: `has more than ${limits.values} values (arrays, objects, strings, numbers)`, type: 'too_many_values' };
    }
  }
  return undefined;
}

function keyText(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  if (!raw.includes('\\')) return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw;
  }
}

/** The path to the current position, as error locations name it (`settings.sources.3`). */
function pathOf(text: string, depth: number, kind: Uint8Array, index: Int32Array, keyStart: Int32Array, keyEnd: Int32Array): (string | number)[] {
  const path: (string | number)[] = [];
  for (let d = 1; d <= depth && path.length < SHOWN_SEGMENTS; d++) {
    if (kind[d] === ARRAY) path.push(index[d]);
    else if (keyStart[d] >= 0) path.push(keyText(text, keyStart[d], keyEnd[d]));
  }
  if (depth > SHOWN_SEGMENTS) path.push('…');
  return path;
}

/**
 * Installs the one JSON body parser: scans first (limits, NUL, `__proto__`), then parses.
 * The SDK sends cancel and trigger with no body and no content type; other clients send an
 * empty body with `content-type: application/json`. Both mean "no body", not a parse error.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    const problem = scanJson(text);
    if (problem) {
      done(validationError([problem]), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Object.assign(new Error(`body is not valid JSON: ${(err as Error).message}`), { statusCode: 400, code: 'invalid_json' }), undefined);
    }
  });
}

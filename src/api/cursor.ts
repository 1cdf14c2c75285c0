import { validationError } from '../errors.js';

/** An opaque cursor: base64url of a small JSON object. */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Cursors this server makes are short; a longer one was not made here. */
const MAX_CURSOR_CHARS = 512;
/** The ids and keys a cursor carries: what `ID` mints, and nothing that could upset SQL (NUL, huge text). */
const CURSOR_TEXT = /^[A-Za-z0-9_.:-]{1,128}$/;

/** A cursor field's value is what `encodeCursor` writes: a non-negative safe integer, or id-like text. */
function fits(value: unknown, type: 'string' | 'number'): boolean {
  if (type === 'number') return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  return typeof value === 'string' && CURSOR_TEXT.test(value);
}

/**
 * Decodes a cursor made by `encodeCursor`, checking each field's type and range before any of it
 * reaches SQL; anything else (malformed, edited, or made for another list) is a 422 naming the cursor.
 */
export function decodeCursor<T extends Record<string, 'string' | 'number'>>(
  cursor: string, shape: T,
): { [K in keyof T]: T[K] extends 'string' ? string : number } {
  const bad = () => validationError([{ loc: ['query', 'cursor'], msg: 'is not a cursor this list returned', type: 'cursor' }], 'INVALID_CURSOR');
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]*={0,2}$/.test(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad();
  for (const [key, type] of Object.entries(shape)) {
    if (!fits((value as Record<string, unknown>)[key], type)) throw bad();
  }
  return value as never;
}

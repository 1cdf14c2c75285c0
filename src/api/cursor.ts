import { validationError } from '../errors.js';

/** An opaque cursor: base64url of a small JSON object. */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor`, checking each field's type; anything else (malformed,
 * edited, or made for another list) is a 422 naming the cursor.
 */
export function decodeCursor<T extends Record<string, 'string' | 'number'>>(
  cursor: string, shape: T,
): { [K in keyof T]: T[K] extends 'string' ? string : number } {
  const bad = () => validationError([{ loc: ['query', 'cursor'], msg: 'is not a cursor this list returned', type: 'cursor' }], 'INVALID_CURSOR');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof value !== 'object' || value === null) throw bad();
  for (const [key, type] of Object.entries(shape)) {
    if (typeof (value as Record<string, unknown>)[key] !== type) throw bad();
  }
  return value as never;
}

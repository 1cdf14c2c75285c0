/** One property's JSON schema, as the client sent it. */
export type FieldSchema = Record<string, unknown>;
/** A value of a scalar property. */
export type Scalar = string | number | boolean;
/** The JSON Schema types a property can ask for. */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';

const KINDS: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array']);
const EXCERPT_LIMIT = 300;

/** The kind of value a property wants and the schema that says so (first non-null branch of a `type` list, `anyOf` or `oneOf`). */
export function resolveSchema(schema: FieldSchema): { kind: FieldKind; schema: FieldSchema } {
  const branches = (schema.anyOf ?? schema.oneOf) as FieldSchema[] | undefined;
  if (Array.isArray(branches)) {
    const branch = branches.find((b) => b && typeof b === 'object' && b.type !== 'null');
    if (branch) return resolveSchema({ ...schema, anyOf: undefined, oneOf: undefined, ...branch });
  }
  const declared: unknown = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (typeof declared === 'string' && KINDS.has(declared)) return { kind: declared as FieldKind, schema };
  if (schema.properties && typeof schema.properties === 'object') return { kind: 'object', schema };
  if (schema.items && typeof schema.items === 'object') return { kind: 'array', schema };
  if (Array.isArray(schema.enum) && typeof schema.enum[0] === 'number') return { kind: 'number', schema };
  return { kind: 'string', schema };
}

/** Properties of an object schema, in the order the client wrote them. */
export function propertiesOf(schema: FieldSchema): [string, FieldSchema][] {
  const props = schema.properties;
  if (!props || typeof props !== 'object') return [];
  return Object.entries(props as Record<string, unknown>).filter((entry): entry is [string, FieldSchema] => Boolean(entry[1]) && typeof entry[1] === 'object');
}

/** The schema of an array's items (a string schema when the array says nothing). */
export function itemsOf(schema: FieldSchema): FieldSchema {
  const items = schema.items;
  return items && typeof items === 'object' && !Array.isArray(items) ? (items as FieldSchema) : { type: 'string' };
}

/** Whitespace runs collapsed to one space, trimmed. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A citation excerpt: collapsed and cut to at most 300 characters. */
export function excerpt(text: string): string {
  const flat = collapse(text);
  return flat.length <= EXCERPT_LIMIT ? flat : `${flat.slice(0, EXCERPT_LIMIT - 1)}…`;
}

// Thousands separators only in groups of three, so "1,299.00" is one number and "3,4" is two.
const NUMBER = /(?:(?<![\p{L}\p{N}])[-−])?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<!\d)\.\d+/gu;
// "$50M", "1.2k", "3 billion". A lone lower-case m/b/t could be a unit ("5m" metres), so it makes the number ambiguous.
const MAGNITUDE = /^\s?(thousand|million|billion|trillion|bn|mn)\b|^([kKMBT])(?![\p{L}])|^([mbt])(?![\p{L}])/u;
const SCALE: Record<string, number> = {
  thousand: 1e3,
  k: 1e3,
  million: 1e6,
  mn: 1e6,
  m: 1e6,
  billion: 1e9,
  bn: 1e9,
  b: 1e9,
  trillion: 1e12,
  t: 1e12,
};

/** The one number written in a text ("$1,299.00/mo" → 1299, "$50M" → 50000000); null when there is none, or several. */
export function parseNumber(text: string): number | null {
  const found = [...text.matchAll(NUMBER)];
  if (found.length !== 1) return null;
  const match = found[0];
  const value = Number(match[0].replace(/,/g, '').replace('−', '-'));
  const suffix = MAGNITUDE.exec(text.slice(match.index + match[0].length));
  if (suffix?.[3]) return null;
  const scale = suffix ? SCALE[(suffix[1] ?? suffix[2]).toLowerCase()] : 1;
  // Scaling in decimal steps keeps 1.2k at 1200 rather than 1199.9999999999998.
  const scaled = scale === 1 ? value : Number((value * scale).toPrecision(15));
  return Number.isFinite(scaled) ? scaled : null;
}

const TRUE_WORDS: ReadonlySet<string> = new Set([
  'true',
  'yes',
  'y',
  '1',
  'on',
  '✓',
  '✔',
  'included',
  'available',
  'in stock',
  'instock',
  'supported',
  'enabled',
]);
const FALSE_WORDS: ReadonlySet<string> = new Set([
  'false',
  'no',
  'n',
  '0',
  'off',
  '✗',
  '✘',
  '×',
  'not included',
  'unavailable',
  'out of stock',
  'outofstock',
  'soldout',
  'sold out',
  'unsupported',
  'disabled',
]);

/** A yes/no written in a text (also schema.org availability URLs); null when it is neither. */
export function parseBoolean(text: string): boolean | null {
  const word = collapse(text)
    .toLowerCase()
    .replace(/^https?:\/\/schema\.org\//, '')
    .replace(/[.!]$/, '');
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return null;
}

/** A found value as the schema's scalar type, or null when it cannot be (then the value is not used). */
export function coerceScalar(value: unknown, kind: FieldKind, schema: FieldSchema): Scalar | null {
  const coerced = coerceRaw(value, kind);
  if (coerced === null || !Array.isArray(schema.enum)) return coerced;
  // An enum value is matched case-insensitively and answered with the schema's own spelling.
  const wanted = String(coerced).toLowerCase();
  const hit: unknown = schema.enum.find((option) => String(option).toLowerCase() === wanted);
  return hit === undefined || hit === null ? null : (hit as Scalar);
}

function coerceRaw(value: unknown, kind: FieldKind): Scalar | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return coerceRaw(nameOf(value), kind);
  switch (kind) {
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? parseNumber(value) : null;
      return n === null || (kind === 'integer' && !Number.isInteger(n)) ? null : n;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : typeof value === 'string' ? parseBoolean(value) : null;
    default: {
      const text = collapse(`${value as string | number | boolean}`);
      return text === '' ? null : text;
    }
  }
}

/**
 * The scalar an object stands for in structured data: its `@value`, `name` or `value`. A list of
 * objects (several authors) stands for their names joined; a list of scalars for its first one.
 */
function nameOf(value: object): unknown {
  if (Array.isArray(value)) {
    if (!value.every((v) => v !== null && typeof v === 'object')) return value.find((v) => v !== null && typeof v !== 'object') ?? null;
    const parts = value.map((v: object) => nameOf(v)).filter((v) => typeof v === 'string' || typeof v === 'number');
    return parts.length > 0 ? parts.join(', ') : null;
  }
  const record = value as Record<string, unknown>;
  for (const key of ['@value', 'name', 'value']) {
    const v = record[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  }
  return null;
}

/**
 * The SQL texts of every statement built by `prepared` (prepared.ts): their shape never changes, so
 * on PostgreSQL the main pool names them and the server parses each once per connection (dialect.ts).
 */
const shapes = new Set<string>();

/** Records a statement's SQL text as one of fixed shape. */
export function addFixedShape(sql: string): void {
  shapes.add(sql);
}

/** Whether this SQL text is one of `prepared`'s fixed shapes. */
export function isFixedShape(sql: string): boolean {
  return shapes.has(sql);
}

/** The fixed shapes compiled so far, in the order first compiled. */
export function fixedShapes(): string[] {
  return [...shapes];
}

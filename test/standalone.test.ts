import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|js|cjs|mjs)$/.test(entry.name) ? [path] : [];
  });
}

test('code, tests and benchmarks read nothing from beside the repository (a fresh clone runs alone)', () => {
  // The folder beside the repository, spelled as a relative path or as joined path segments.
  const outside = /\.\.\/shared\b|['"]\.\.['"]\s*,\s*(['"]\.\.['"]\s*,\s*)?['"]shared['"]/;
  const offenders = ['src', 'test', 'bench', 'bin']
    .flatMap((dir) => sources(join(ROOT, dir)))
    .filter((file) => outside.test(readFileSync(file, 'utf8')))
    .map((file) => relative(ROOT, file));
  assert.deepEqual(offenders, []);
});

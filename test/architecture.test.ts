import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import ts from 'typescript';

// The layer order and its reasons are written at the top of .dependency-cruiser.cjs.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rules = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as IConfiguration;

/**
 * Store functions api/ may import: reads, by their verb. Anything else a store module exports
 * (insert, save, update, claim, mark, redeliver, …) is a write and goes through commands/.
 */
const STORE_READ = /^(find|list|count|read|recent)[A-Z]/;
/** Query-builder methods that write: api/ must not reach the database around the repositories. */
const WRITE_BUILDERS = new Set(['insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto', 'transaction']);

/** The rule violations of a cruise of `baseDir`'s src/ with the project's rules. */
async function violations(baseDir: string): Promise<{ result: ICruiseResult; found: string[] }> {
  const { forbidden, options } = rules;
  const run = await cruise(['src'], { ...options, baseDir, validate: true, ruleSet: { forbidden } });
  const result = run.output as ICruiseResult;
  const found = result.summary.violations.map(
    (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (circle: ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`,
  );
  return { result, found };
}

/** The modules `entry` loads at run time (type-only imports erased), itself included. */
function loadedFrom(result: ICruiseResult, entry: string): string[] {
  const bySource = new Map(result.modules.map((m) => [m.source, m]));
  const seen = new Set([entry]);
  const queue = [entry];
  for (let source = queue.shift(); source !== undefined; source = queue.shift()) {
    for (const dependency of bySource.get(source)?.dependencies ?? []) {
      const erased = dependency.dependencyTypes.some((t) => t === 'type-only' || t === 'type-import');
      if (erased || seen.has(dependency.resolved)) continue;
      seen.add(dependency.resolved);
      queue.push(dependency.resolved);
    }
  }
  return [...seen];
}

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')).map((e) => join(e.parentPath, e.name));
}

/** Every write from store/ that a file under `baseDir`/src/api imports or calls, as `file: name`. */
async function apiStoreWrites(baseDir: string): Promise<string[]> {
  const store = join(baseDir, 'src', 'store');
  const found: string[] = [];
  for (const file of await tsFiles(join(baseDir, 'src', 'api'))) {
    const source = ts.createSourceFile(file, await readFile(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const where = relative(baseDir, file);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && WRITE_BUILDERS.has(node.name.text)) found.push(`${where}: .${node.name.text}()`);
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      if (['kysely', 'pg', 'better-sqlite3'].includes(specifier.text) && !typeOnly(statement)) {
        found.push(`${where}: the database driver ${specifier.text}`);
      }
      if (!resolve(dirname(file), specifier.text).startsWith(store + '/')) continue;
      found.push(...importedWrites(statement).map((name) => `${where}: ${name} from ${specifier.text}`));
    }
  }
  return found;
}

function typeOnly(statement: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  return ts.isImportDeclaration(statement) ? statement.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword : statement.isTypeOnly;
}

/** The value names an import (or re-export) takes from a store module that are not reads. */
function importedWrites(statement: ts.ImportDeclaration | ts.ExportDeclaration): string[] {
  if (typeOnly(statement)) return [];
  const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : statement.exportClause;
  if (ts.isImportDeclaration(statement) && statement.importClause?.name) return ['a default import'];
  if (!bindings) return ts.isImportDeclaration(statement) && !statement.importClause ? [] : ['everything (export *)'];
  if (ts.isNamespaceImport(bindings) || ts.isNamespaceExport(bindings)) return ['a namespace import'];
  return bindings.elements.filter((e) => !e.isTypeOnly && !STORE_READ.test((e.propertyName ?? e.name).text)).map((e) => (e.propertyName ?? e.name).text);
}

describe('architecture', () => {
  it('src/ has no import circle, no arrow up the tiers or between peers, and every module sits in a tier', async () => {
    const { result, found } = await violations(ROOT);
    assert.deepEqual(found, [], 'see the tiers at the top of .dependency-cruiser.cjs');
    const tiers = (rules.forbidden ?? []).flatMap((r) => [r.from.path, 'to' in r ? r.to.path : undefined]).filter((p): p is string => typeof p === 'string');
    const outside = result.modules.map((m) => m.source).filter((s) => s.startsWith('src/') && !tiers.some((p) => new RegExp(p).test(s)));
    assert.deepEqual(outside, [], 'a module in no tier is checked by no rule: add its room to a tier');
  });

  it('the server process does not load the page parsers, which only the parse workers use (tens of MB of idle memory)', async () => {
    const { result } = await violations(ROOT);
    const parsers = /(^|\/)node_modules\/(cheerio|linkedom|@mozilla\/readability)\//;
    const reached = loadedFrom(result, 'src/server.ts').filter((source) => parsers.test(source));
    assert.deepEqual(reached, [], 'import them in research/ modules the parse worker loads (parse-jobs.ts), or require them on first use');
  });

  it('api/ imports no write from store/ and builds no write query of its own', async () => {
    assert.deepEqual(await apiStoreWrites(ROOT), [], 'api/ calls a command (commands/) for every write');
  });

  it('the rules catch a circle, an upward arrow, a sideways arrow and an api/ write (a deliberately bad tree)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-arch-'));
    try {
      const files: Record<string, string> = {
        'src/domain/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'src/domain/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
        'src/store/rows.ts': "import { api } from '../api/routes.js';\nexport const insertRow = () => api;\nexport const findRow = () => 1;\n",
        'src/research/read.ts': "import { send } from '../delivery/send.js';\nexport const read = () => send;\n",
        'src/delivery/send.ts': 'export const send = 1;\n',
        'src/research/items/feed.ts': "import { field } from '../fields/field.js';\nexport const feed = () => field;\n",
        'src/research/fields/field.ts': 'export const field = 1;\n',
        'src/api/routes.ts':
          "import { findRow, insertRow } from '../store/rows.js';\n" + 'export const api = (db: any) => [findRow, insertRow, db.updateTable];\n',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const { found } = await violations(dir);
      const names = new Set(found.map((f) => f.split(':')[0]));
      for (const rule of ['no-circular', 'no-upward-from-ways-out', 'no-sideways-from-srcresearch', 'research-items-reads-below'])
        assert.ok(names.has(rule), `${rule} in ${found.join('; ')}`);
      assert.deepEqual(await apiStoreWrites(dir), ['src/api/routes.ts: .updateTable()', 'src/api/routes.ts: insertRow from ../store/rows.js']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

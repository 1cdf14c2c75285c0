// Lint for src/, test/ and bench/: typescript-eslint's strict, type-aware rules, and the size limits
// the design sets for src/ (a file ≤ 300 lines, a function ≤ 60; blank lines and comments not counted).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** node:test's functions return promises the runner itself awaits. */
const nodeTest = { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] };

export default tseslint.config(
  { ignores: ['node_modules/', 'data/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [nodeTest] }],
      // Numbers and booleans read as they should in a message; objects and nullish values still fail.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => reply.end()` is the house shorthand for a callback whose result nobody reads.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // With noUncheckedIndexedAccess off, an index lookup is typed as always present: this rule would
      // call `list[i] ?? fallback` and checks of parsed, untrusted JSON unnecessary when they are not.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // The same setting makes `!` the mark of a lookup known to hit (a Map filled just before, a regex
      // that matched); a throw in each place would add noise, not safety.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // The repositories' row mappers coerce every numeric column on purpose: what a driver returns
      // (SQLite, pg's NUMERIC or an aggregate) need not be the number the table types promise.
      '@typescript-eslint/no-unnecessary-type-conversion': 'off',
      // Fastify plugins and the store's interface methods are async by contract, awaited or not.
      '@typescript-eslint/require-await': 'off',
      // Parts are objects built by closures, never classes using `this`: a method taken off one is safe.
      '@typescript-eslint/unbound-method': 'off',
      // Rethrowing what was caught, or an AbortSignal's reason, keeps what the caller will compare.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // domhandler's node types are string enums that cheerio code compares with their values ('tag').
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // The row mappers' `parse<T>(json)` takes T from the field it fills: one place states the type.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      // Headers and fuzzed documents are records keyed by name: removing a named key is the point.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // A leading underscore names what a signature or a destructuring must hold but the body leaves.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: {
      // Tests read wire JSON as `any` on purpose: the assertions are what check its shape.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // The dashboard's browser scripts, served as they are (no build step, no types).
    files: ['src/api/ui/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', 'bin/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // A migration is the fixed record of one schema step, never edited once shipped; it takes
    // `Kysely<any>` as Kysely advises, since it must not depend on today's table types.
    files: ['src/store/migrations/*.ts'],
    rules: { 'max-lines-per-function': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);

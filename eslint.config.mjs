// ESLint (typescript-eslint) for the library's TypeScript and the project's own JavaScript: tests,
// benchmarks, scripts, examples. Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist.*/**',
      'node_modules/**',
      'native/build/**',
      'bench/results/**',
      '.readme-run-*/**',
      'test/fixtures/types/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // Unused names are errors, except a leading underscore (a parameter kept for its position).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // import.meta is refused by the CommonJS type-check only (scripts/build.mjs rewrites it), so
      // @ts-expect-error would fail the ESM check: a described @ts-ignore is the honest tool there.
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': 'allow-with-description' }],
      // Walking up a chain (logger -> parent) starts from `this`.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['logger', 'c'] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);

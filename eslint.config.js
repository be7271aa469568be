// ESLint for `npm run lint`: typescript-eslint's type-checked recommended rules on every TypeScript file, the
// rules of hooks on the Ink screens and their hooks, and ESLint's recommended rules on the few JavaScript files.
// The dependency rule (which folder may import which) is dependency-cruiser's job: .dependency-cruiser.cjs.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'build/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks a value left unused on purpose (a parameter an interface requires, a key
      // taken out of an object by destructuring); anything else unused is an error.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A promise may be rejected with what a `catch` caught, passed on unchanged (as `throw error` there
      // would); rejecting with anything else that is not an Error stays an error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // The screens and their hooks (use-back.ts), and the tests that render them.
    files: ['installer/screens/**', '**/*.tsx'],
    extends: [reactHooks.configs.flat.recommended],
    rules: { 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // Tests match tables and indented messages as they are printed: runs of spaces in those patterns are
    // columns, easier to check against the output written out than counted as ` {4}`.
    files: ['test/**'],
    rules: { 'no-regex-spaces': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
);

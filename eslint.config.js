// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // The status page runs in a browser (scripts/bundle-page.mjs bundles it).
    files: ['src/page/browser/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The planner and the model are pure: no processes, no files, no clock (DESIGN.md).
    files: ['src/plan/**/*.ts', 'src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['child_process', 'node:child_process', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'execa'],
        },
      ],
    },
  },
);

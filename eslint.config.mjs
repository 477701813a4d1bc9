/*
 * ESLint flat config, in the shape the official sf plugins use:
 *   [...salesforce-typescript, ...sf-plugin recommended, { the project's own rules }].
 *
 * Why FlatCompat: the newest eslint-config-salesforce-typescript (4.0.1) and eslint-plugin-sf-plugin
 * (1.20.33) on the npm registry still ship only legacy (eslintrc) configs, for ESLint 8. FlatCompat from
 * @eslint/eslintrc turns those into flat config objects on ESLint 8.57, which reads eslint.config.mjs.
 * When flat-config releases of both packages are published, replace the two compat.extends() calls by
 * `...tsconfigs, ...plugin.configs.recommended` and drop @eslint/eslintrc and @eslint/js.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlatCompat } from '@eslint/eslintrc';
import js from '@eslint/js';

const compat = new FlatCompat({
  baseDirectory: path.dirname(fileURLToPath(import.meta.url)),
  // eslint-config-salesforce extends eslint:recommended
  recommendedConfig: js.configs.recommended,
});

/** Only TypeScript is linted (the configs are type-aware); the few .js/.cjs files are not in a tsconfig. */
const typescriptOnly = (configs) => configs.map((config) => ({ files: ['**/*.ts'], ...config }));

export default [
  { ignores: ['lib/**', 'node_modules/**', 'tmp/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...typescriptOnly(compat.extends('eslint-config-salesforce-typescript')),
  ...typescriptOnly(compat.extends('plugin:sf-plugin/recommended')),
  {
    files: ['**/*.ts'],
    rules: {
      // no license header in every file: the license is in LICENSE
      header: 'off',
    },
  },
  {
    // Every command extends JwtCommand (src/cli/command.ts): SfCommand plus the rules all commands share, with no
    // flags of its own, so SfCommand's base flags (--json, --flags-dir) are inherited as they are.
    // test/unit/cli/commands.test.ts checks exactly that, in place of these two rules, which only accept a
    // class named SfCommand as the parent.
    files: ['src/commands/**/*.ts'],
    rules: {
      'sf-plugin/only-extend-SfCommand': 'off',
      'sf-plugin/spread-base-flags': 'off',
    },
  },
  {
    // the emulator and the scripts are type-checked with the tests (test/tsconfig.json)
    files: ['test/**/*.ts', 'emulator/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: './test/tsconfig.json',
        sourceType: 'module',
      },
    },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: './test/tsconfig.json',
        sourceType: 'module',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-unused-expressions': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/ban-ts-comment': 'off',
      'class-methods-use-this': 'off',
      'no-await-in-loop': 'off',
      // Salesforce's OAuth bodies use snake_case wire names (access_token, error_description).
      camelcase: 'off',
    },
  },
];

module.exports = {
  extends: '../.eslintrc.cjs',
  parserOptions: {
    project: './test/tsconfig.json',
    sourceType: 'module',
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
};

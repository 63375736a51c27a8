// ESLint (flat config): typescript-eslint's type-checked rules on every folder
// with code. The layering (floors, the git and KMS chokepoints, no cycles) is
// checked by dependency-cruiser, see .dependency-cruiser.cjs. Blocks apply by
// folder glob, so a new file is covered by the block of the folder it lands in.
// Every rule turned off says why on its line.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeTest = ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'];

// The glyphs of the levels (✖ ⚠ ℹ ✔), written as they are or as \u escapes in a regular expression.
const glyph = '/[\u2716\u26a0\u2139\u2714]|\\\\u\\{?0*(2716|26a0|2139|2714)/i';
const glyphSelectors = [`Literal[value=${glyph}]`, `Literal[regex.pattern=${glyph}]`, `TemplateElement[value.cooked=${glyph}]`];
const glyphMessage =
  'a glyph belongs to the glyph table (src/figures.ts): give the text a level ({ level, text }, or a level helper in messages.ts) instead';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.nodeBuiltin,
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The real risks of this code: a promise nobody awaits or handles, an error lost on the way, `any` from JSON.parse.
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises that the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: nodeTest }] },
      ],
      // `return promise` inside try would skip that try's catch and finally when the promise rejects.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'all', caughtErrorsIgnorePattern: '^_' },
      ],
      // off: an async function without await is how this code meets Promise-returning interfaces (commands, caches, KMS providers).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Severity is data (DESIGN 7): a message is { level, text } and only the output layer's
    // figures table writes the glyphs, so none is in a text or a regex that strips one again.
    files: ['src/**'],
    ignores: ['src/figures.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...glyphSelectors.map((selector) => ({ selector, message: glyphMessage }))],
    },
  },
  {
    // Git's vocabulary lives in src/git (DESIGN 7): a call that hands git an argv (runner.text(['rev-parse', …])) is refused
    // elsewhere. One block with the glyph rule, since a later block's no-restricted-syntax replaces an earlier one's.
    files: ['src/**'],
    ignores: ['src/git/**', 'src/figures.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...glyphSelectors.map((selector) => ({ selector, message: glyphMessage })),
        {
          selector: 'CallExpression[callee.property.name=/^(maybe|text|bytes|lines|spawn|run|raw)$/][arguments.0.type="ArrayExpression"]',
          message: 'a raw git argv outside src/git: add a named verb to src/git/repo.ts (or notes.ts) and call that',
        },
      ],
    },
  },
  {
    // Tests: the same promise and error rules; `any` is allowed where a test reads JSON or builds malformed input on purpose.
    files: ['test/**'],
    rules: {
      // off: tests build malformed records and configurations on purpose, and `any` is the honest type for them.
      '@typescript-eslint/no-explicit-any': 'off',
      // off (the five no-unsafe-*): tests read the CLI's JSON output and assert on it; a wrong shape fails the assertion.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // off: tests match ANSI escape sequences (\x1b) on purpose, to assert there are none.
      'no-control-regex': 'off',
    },
  },
  {
    // Plain JavaScript (scripts, benchmarks, configuration files): no type annotations, so untyped values are `any` by construction.
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    rules: {
      // off (the five no-unsafe-* and restrict-template-expressions): every untyped parameter of a plain .mjs file is `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  { files: ['**/*.cjs'], languageOptions: { globals: globals.node, sourceType: 'commonjs' } },
);

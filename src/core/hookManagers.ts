/**
 * Files through which a hook manager decides which hooks git runs. Each one
 * present in a commit's tree is always signed (DESIGN 3.2): an unsigned change
 * that drops kmssig from it must fail like an edit of `.husky/`. Decided from
 * the tree alone, never from a clone's local git config.
 */
export const HOOK_MANAGER_FILES: readonly string[] = [
  // lefthook
  'lefthook.yml',
  '.lefthook.yml',
  'lefthook.yaml',
  '.lefthook.yaml',
  'lefthook.json',
  '.lefthook.json',
  'lefthook.jsonc',
  '.lefthook.jsonc',
  'lefthook.toml',
  '.lefthook.toml',
  '.config/lefthook.yml',
  '.config/lefthook.yaml',
  // simple-git-hooks (its package.json key is handled by whoever reads package.json)
  '.simple-git-hooks.cjs',
  '.simple-git-hooks.js',
  '.simple-git-hooks.mjs',
  '.simple-git-hooks.json',
  'simple-git-hooks.cjs',
  'simple-git-hooks.js',
  'simple-git-hooks.mjs',
  'simple-git-hooks.json',
  // the pre-commit framework
  '.pre-commit-config.yaml',
  '.pre-commit-config.yml',
];

/** The package.json key through which simple-git-hooks is configured. */
export const SIMPLE_GIT_HOOKS_KEY = 'simple-git-hooks';

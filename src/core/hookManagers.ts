/**
 * Files through which a hook manager decides which hooks git runs. Each one
 * present in a commit's tree is always signed (DESIGN 3.2): an unsigned change
 * that drops kmssig from it must fail like an edit of `.husky/`. Decided from
 * the tree alone, never from a clone's local git config.
 */
export const HOOK_MANAGER_FILES: readonly string[] = [
  // lefthook 2.x: its configuration and the local override files it merges over it (lefthook-local.*
  // can skip any job, kmssig's too), at the root or in .config/ (checked with lefthook 2.2.1)
  'lefthook.yml',
  '.lefthook.yml',
  '.config/lefthook.yml',
  'lefthook.yaml',
  '.lefthook.yaml',
  '.config/lefthook.yaml',
  'lefthook.json',
  '.lefthook.json',
  '.config/lefthook.json',
  'lefthook.jsonc',
  '.lefthook.jsonc',
  '.config/lefthook.jsonc',
  'lefthook.toml',
  '.lefthook.toml',
  '.config/lefthook.toml',
  'lefthook-local.yml',
  '.lefthook-local.yml',
  '.config/lefthook-local.yml',
  'lefthook-local.yaml',
  '.lefthook-local.yaml',
  '.config/lefthook-local.yaml',
  'lefthook-local.json',
  '.lefthook-local.json',
  '.config/lefthook-local.json',
  'lefthook-local.jsonc',
  '.lefthook-local.jsonc',
  '.config/lefthook-local.jsonc',
  'lefthook-local.toml',
  '.lefthook-local.toml',
  '.config/lefthook-local.toml',
  // simple-git-hooks, in the order it looks (its package.json key is handled by whoever reads package.json)
  '.simple-git-hooks.cjs',
  '.simple-git-hooks.js',
  '.simple-git-hooks.mjs',
  'simple-git-hooks.cjs',
  'simple-git-hooks.js',
  'simple-git-hooks.mjs',
  '.simple-git-hooks.json',
  'simple-git-hooks.json',
  // the pre-commit framework (it reads .pre-commit-config.yaml; -c can name another file)
  '.pre-commit-config.yaml',
  '.pre-commit-config.yml',
];

/** The package.json key through which simple-git-hooks is configured. */
export const SIMPLE_GIT_HOOKS_KEY = 'simple-git-hooks';

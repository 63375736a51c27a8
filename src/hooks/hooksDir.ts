import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Repo } from '../git/repo.js';

export interface HooksLocation {
  /** The folder kmssig edits hook files in. */
  dir: string;
  kind: 'husky' | 'hooksPath' | 'git' | 'globalChain';
  /** Husky's folder exists, but husky is not active in this clone (core.hooksPath unset). */
  huskyInactive?: boolean;
  /** kind globalChain: the folder of the global or system core.hooksPath, run after kmssig, never written to. */
  chainTo?: string;
  /** kind globalChain: where core.hooksPath comes from ('global', 'system', ...). */
  scope?: string;
}

/** The folder kmssig owns when the user's global core.hooksPath must not be written to. */
export const chainDir = (repo: Repo) => join(repo.commonDir, 'kmssig-hooks');

const inside = (dir: string, root: string) => {
  const rel = relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** Every core.hooksPath value git sees, with its scope, in git's order (system, global, local, ...). */
async function hooksPaths(repo: Repo): Promise<{ scope: string; dir: string }[]> {
  return (await repo.configPathScopes('core.hooksPath')).map(({ scope, value }) => ({
    scope,
    dir: isAbsolute(value) ? value : resolve(repo.root, value),
  }));
}

/**
 * Where hooks go: husky v9 runs `.husky/<hook>` through core.hooksPath =
 * .husky/_ (never edit `_`); another core.hooksPath inside the repository is
 * honoured as is; one from the user's global or system config that points
 * outside the repository is never written to: this repository then gets its
 * own folder that runs kmssig and chains to it; otherwise the repository's
 * hooks folder (shared by all worktrees).
 */
export async function locateHooks(repo: Repo): Promise<HooksLocation> {
  const paths = await hooksPaths(repo);
  const effective = paths.at(-1);
  const huskyDir = join(repo.root, '.husky');
  const ours = chainDir(repo);
  if (effective) {
    const outer = paths.filter((p) => p.scope !== 'local' && p.scope !== 'worktree').at(-1);
    if (effective.dir === ours) return { dir: ours, kind: 'globalChain', chainTo: outer?.dir, scope: outer?.scope };
    if (effective.dir === join(huskyDir, '_')) return { dir: huskyDir, kind: 'husky' };
    const repoLevel = effective.scope === 'local' || effective.scope === 'worktree';
    if (!repoLevel && !inside(effective.dir, repo.root) && !inside(effective.dir, repo.commonDir))
      return { dir: ours, kind: 'globalChain', chainTo: effective.dir, scope: effective.scope };
    return { dir: effective.dir, kind: 'hooksPath' };
  }
  if (existsSync(join(huskyDir, '_')) || existsSync(join(repo.root, '.husky', 'pre-commit'))) {
    return { dir: huskyDir, kind: 'husky', huskyInactive: true };
  }
  return { dir: await repo.gitPath('hooks'), kind: 'git' };
}

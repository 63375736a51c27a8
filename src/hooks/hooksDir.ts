import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Repo } from '../git/repo.js';
import { guardDir, type GuardPlan } from './guard.js';

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
  /** The hook files in `dir` are committed (husky's .husky/, a hooks folder in the work tree): a pull can change them. */
  committed?: boolean;
}

/** The folder kmssig owns when the user's global core.hooksPath must not be written to. */
export const chainDir = guardDir;

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
  const ours = guardDir(repo);
  // kmssig's own guard is in front of the hooks it guards: what matters is the folder behind it.
  const paths = (await hooksPaths(repo)).filter((p) => p.dir !== ours);
  const effective = paths.at(-1);
  const huskyDir = join(repo.root, '.husky');
  if (effective) {
    if (effective.dir === join(huskyDir, '_')) return { dir: huskyDir, kind: 'husky', committed: true };
    const repoLevel = effective.scope === 'local' || effective.scope === 'worktree';
    if (!repoLevel && !inside(effective.dir, repo.root) && !inside(effective.dir, repo.commonDir))
      return { dir: ours, kind: 'globalChain', chainTo: effective.dir, scope: effective.scope };
    return { dir: effective.dir, kind: 'hooksPath', committed: !inside(effective.dir, repo.commonDir) && inside(effective.dir, repo.root) };
  }
  if (existsSync(join(huskyDir, '_')) || existsSync(join(repo.root, '.husky', 'pre-commit'))) {
    return { dir: huskyDir, kind: 'husky', huskyInactive: true, committed: true };
  }
  // Not `git rev-parse --git-path hooks`: with the guard in place that names the guard's folder.
  return { dir: join(repo.commonDir, 'hooks'), kind: 'git' };
}

/**
 * Whether, and where, the guard goes in front of these hooks: wherever git
 * would otherwise run a file that a pull can change (a committed hook file) or
 * that reads a committed configuration at run time (the managers' shims), and
 * in front of a global folder kmssig never writes to. A plain hooks folder in
 * the git directory is its own guard.
 */
export function guardPlan(location: HooksLocation, managers: readonly string[], repo: Repo): GuardPlan | undefined {
  if (location.kind === 'globalChain') return { next: location.chainTo!, scope: 'local' };
  if (location.kind === 'husky') return { next: '.husky/_', scope: 'worktree' };
  if (location.kind === 'hooksPath') return location.committed ? { next: location.dir, scope: 'worktree' } : undefined;
  // The pre-commit framework refuses to install with any core.hooksPath set, and rewrites its shims only on
  // `pre-commit install`, never on a pull: its shims in the git directory carry kmssig's block instead.
  const guarded = managers.filter((m) => m !== 'pre-commit');
  if (guarded.length === 0) return undefined;
  return { next: join(repo.commonDir, 'hooks'), scope: guarded.includes('lefthook') ? 'local' : 'worktree' };
}

import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Repo } from '../git/repo.js';

export interface HooksLocation {
  /** The folder kmssig edits hook files in. */
  dir: string;
  kind: 'husky' | 'hooksPath' | 'git';
  /** Husky's folder exists, but husky is not active in this clone (core.hooksPath unset). */
  huskyInactive?: boolean;
}

/**
 * Where hooks go: husky v9 runs `.husky/<hook>` through core.hooksPath =
 * .husky/_ (never edit `_`); another core.hooksPath is honoured as is;
 * otherwise the repository's hooks folder (shared by all worktrees).
 */
export async function locateHooks(repo: Repo): Promise<HooksLocation> {
  const hooksPath = await repo.configGet('core.hooksPath');
  const huskyDir = join(repo.root, '.husky');
  if (hooksPath) {
    const dir = isAbsolute(hooksPath) ? hooksPath : resolve(repo.root, hooksPath);
    if (dir === join(huskyDir, '_')) return { dir: huskyDir, kind: 'husky' };
    return { dir, kind: 'hooksPath' };
  }
  if (existsSync(join(huskyDir, '_')) || existsSync(join(repo.root, '.husky', 'pre-commit'))) {
    return { dir: huskyDir, kind: 'husky', huskyInactive: true };
  }
  const gitHooks = (await repo.git.text(['rev-parse', '--git-path', 'hooks'])).trim();
  return { dir: isAbsolute(gitHooks) ? gitHooks : resolve(repo.root, gitHooks), kind: 'git' };
}

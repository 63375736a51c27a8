import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { guardDir } from './guard.js';
import { launcherPath } from './launcher.js';
import { runsKmssig } from './managers/commands.js';
import { detectManagers } from './managers/detect.js';
import { simpleGitHooksRuns } from './managers/simpleGitHooks.js';
import { hasMarked } from './managers/textBlocks.js';

export interface HookReport {
  hook: string;
  /** The file git runs for it (relative to the repository root when inside it). */
  file: string;
  via: 'missing' | 'not executable' | 'kmssig block' | 'husky' | 'lefthook' | 'simple-git-hooks' | 'pre-commit' | 'other';
  reaches: boolean;
  note: string;
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Which hook file git will run for each hook (core.hooksPath as git resolves
 * it, else the hooks folder), who wrote it, and whether it reaches kmssig: the
 * first thing to look at when "the hooks did nothing".
 */
export async function inspectHooks(repo: Repo, hooks: string[]): Promise<HookReport[]> {
  const hooksPath = await repo.configGetPath('core.hooksPath');
  const dir = hooksPath ? resolve(repo.root, hooksPath) : await repo.gitPath('hooks');
  const managers = detectManagers(repo.root);
  const managerText = (name: string) => {
    const m = managers.find((x) => x.manager === name);
    return m ? { file: m.file, text: read(join(repo.root, m.file)) ?? '' } : undefined;
  };
  const reports: HookReport[] = [];
  for (const hook of hooks) {
    const path = join(dir, hook);
    const file = relative(repo.root, path).startsWith('..') ? path : relative(repo.root, path);
    const text = read(path);
    const row = (via: HookReport['via'], reaches: boolean, note = '') => reports.push({ hook, file, via, reaches, note });
    if (text === undefined) row('missing', false, 'git runs no hook');
    else if (!executable(path)) row('not executable', false, 'git skips it');
    else if (text.includes('# >>> kmssig >>>')) row('kmssig block', true);
    else if (/\.husky\/_\/?$/.test(dir) || /\. "\$\(dirname "\$0"\)\/h"/.test(text)) {
      const own = read(join(repo.root, '.husky', hook)) ?? '';
      row('husky', own.includes('# >>> kmssig >>>'), own ? `.husky/${hook}` : `.husky/${hook} is missing`);
    } else if (text.includes('call_lefthook')) {
      const cfg = managerText('lefthook');
      row('lefthook', !!cfg && runsKmssig(cfg.text, hook), cfg ? cfg.file : 'no lefthook configuration found');
    } else if (text.includes('SKIP_SIMPLE_GIT_HOOKS')) {
      const cfg = managerText('simple-git-hooks');
      row(
        'simple-git-hooks',
        runsKmssig(text, hook),
        cfg && !simpleGitHooksRuns(cfg.text, hook, cfg.file === 'package.json') ? `${cfg.file} does not list kmssig` : '',
      );
    } else if (text.includes('pre_commit') || text.includes('pre-commit.com') || text.includes('hook-impl')) {
      const cfg = managerText('pre-commit');
      const listed = !!cfg && hasMarked(cfg.text) && runsKmssig(cfg.text, hook);
      row('pre-commit', listed, cfg ? cfg.file : 'no .pre-commit-config.yaml found');
    } else row('other', runsKmssig(text, hook));
  }
  return withGuard(repo, dir, reports);
}

/**
 * A hook reached only through a file or configuration that is committed (husky's
 * .husky/, a manager's configuration, a hooks folder in the work tree) is not
 * guarded: a pull can remove kmssig's entry in the very operation it should be
 * verified for (DESIGN 3.4, item 6). And every path needs the launcher.
 */
function withGuard(repo: Repo, dir: string, reports: HookReport[]): HookReport[] {
  const guarded = dir === guardDir(repo);
  const launcher = existsSync(launcherPath(repo));
  const committedDir = !dir.startsWith(repo.commonDir + '/') && dir.startsWith(repo.root + '/');
  return reports.map((r) => {
    if (!r.reaches) return r;
    if (!launcher) return { ...r, reaches: false, note: messages.doctorNoLauncher(launcherPath(repo)) };
    const throughCommitted = r.via !== 'kmssig block' || committedDir;
    if (!guarded && throughCommitted) return { ...r, reaches: false, note: messages.doctorNoGuard(r.note) };
    return r;
  });
}

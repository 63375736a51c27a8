import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { detectManagers, type DetectedManager, type ManagerName } from './detect.js';
import { planLefthook, snippetLefthook } from './lefthook.js';
import { planPreCommit, snippetPreCommit } from './preCommit.js';
import { runTool, toolCommand } from './runTool.js';
import { planSimpleGitHooks, removeSimpleGitHooks, snippetSimpleGitHooks } from './simpleGitHooks.js';
import { hasMarked, removeMarked } from './textBlocks.js';

export interface ManagerChange extends DetectedManager {
  change: 'added' | 'unchanged' | 'removed' | 'not-removable' | 'unsafe';
  hooks: string[];
  /** change unsafe: why, and the exact lines to add by hand. */
  why?: string;
  snippet?: string;
  /** The manager's own install: what ran (or is to be run) and how it went. */
  install?: { command: string; ran: boolean; ok: boolean; output?: string };
  /** What the manager cannot hand kmssig, said once at install. */
  limit?: string;
}

const INSTALL: Record<ManagerName, (hooks: string[], guarded?: boolean) => string[]> = {
  // With the guard's folder as local core.hooksPath lefthook refuses to install unless forced (into .git/hooks, see managerEnv).
  lefthook: (_hooks, guarded) => ['lefthook', 'install', ...(guarded ? ['--force'] : [])],
  'simple-git-hooks': () => ['simple-git-hooks'],
  'pre-commit': (hooks) => ['pre-commit', 'install', ...['pre-commit', ...hooks].flatMap((h) => ['-t', h])],
};

const PRE_COMMIT_LIMIT =
  "the pre-commit framework reads git's list of pushed refs itself and hands a pre-push hook only the first ref with new commits: push a release tag or a second branch in a git push of its own so that it is signed";

/** The pre-commit framework's version, for the stage names it understands; 3.0 when it cannot be run. */
export async function preCommitVersion(root: string, env: NodeJS.ProcessEnv): Promise<[number, number]> {
  const r = await runTool(root, toolCommand(root, 'pre-commit'), ['--version'], env);
  const m = /(\d+)\.(\d+)/.exec(r.code === 0 ? r.output : '');
  return m ? [Number(m[1]), Number(m[2])] : [3, 0];
}

async function plan(root: string, d: DetectedManager, hooks: string[], env: NodeJS.ProcessEnv) {
  const text = await readFile(join(root, d.file), 'utf8');
  if (d.manager === 'lefthook') {
    const p = /\.ya?ml$/.test(d.file) ? planLefthook(text, hooks) : { unsafe: 'kmssig edits only YAML lefthook configurations' };
    return { text, plan: p, snippet: snippetLefthook(hooks) };
  }
  if (d.manager === 'simple-git-hooks') {
    const p = /\.json$/.test(d.file)
      ? planSimpleGitHooks(text, hooks, d.file === 'package.json')
      : { unsafe: 'it is JavaScript, which kmssig does not edit' };
    return { text, plan: p, snippet: snippetSimpleGitHooks(hooks) };
  }
  const version = await preCommitVersion(root, env);
  return { text, plan: planPreCommit(text, hooks, version), snippet: snippetPreCommit(hooks, version) };
}

const shownTool = (root: string, command: string) => (isAbsolute(command) ? relative(root, command) : command);

/**
 * The environment of a manager's own install while kmssig's guard is (or will
 * be) core.hooksPath: git's command-line config (GIT_CONFIG_COUNT, which wins
 * over every file) points core.hooksPath at the repository's hooks folder, so
 * lefthook and pre-commit write their shims there, behind the guard. pre-commit
 * refuses any core.hooksPath, so it gets an empty one (measured with both tools).
 */
export function managerEnv(env: NodeJS.ProcessEnv, manager: ManagerName, hooksDir: string): NodeJS.ProcessEnv {
  if (manager === 'simple-git-hooks') return env; // it reads only the local value, which the guard leaves alone
  return {
    ...env,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'core.hooksPath',
    GIT_CONFIG_VALUE_0: manager === 'pre-commit' ? '' : hooksDir,
  };
}

/**
 * Adds kmssig to each hook manager's own configuration, then runs the
 * manager's install (or says to run it). An unsafe file is left untouched
 * and reported with the snippet to add by hand. `hooksDir`: the repository's
 * hooks folder, where the managers' shims go behind kmssig's guard.
 */
export async function installManagers(
  root: string,
  hooks: string[],
  env: NodeJS.ProcessEnv,
  guard: { hooksDir: string; active: boolean },
): Promise<ManagerChange[]> {
  const planned = [];
  for (const d of detectManagers(root)) planned.push({ d, ...(await plan(root, d, hooks, env)) });
  const unsafe = planned.filter((p) => 'unsafe' in p.plan);
  // One unsafe file: nothing is changed anywhere, so the user's fix and a second install give one consistent result.
  if (unsafe.length > 0)
    return unsafe.map((p) => ({ ...p.d, change: 'unsafe', hooks, why: (p.plan as { unsafe: string }).unsafe, snippet: p.snippet }));
  const changes: ManagerChange[] = [];
  for (const { d, text, plan: p } of planned) {
    const after = (p as { text: string }).text;
    if (after !== text) await writeFile(join(root, d.file), after);
    const [name, ...args] = INSTALL[d.manager](hooks, guard.active);
    const command = toolCommand(root, name!);
    const r = await runTool(root, command, args, managerEnv(env, d.manager, guard.hooksDir));
    changes.push({
      ...d,
      change: after === text ? 'unchanged' : 'added',
      hooks,
      // Which file ran, when it is the work tree's own (node_modules/.bin): the user sees what install executed.
      install: { command: [shownTool(root, command), ...args].join(' '), ran: r.code !== 127, ok: r.code === 0, output: r.output.trim() },
      limit: d.manager === 'pre-commit' && hooks.includes('pre-push') ? PRE_COMMIT_LIMIT : undefined,
    });
  }
  return changes;
}

/** Removes exactly the lines install added to each manager's configuration; the manager's hooks follow on its next install. */
export async function uninstallManagers(root: string, hooks: string[], env: NodeJS.ProcessEnv): Promise<ManagerChange[]> {
  const changes: ManagerChange[] = [];
  for (const d of detectManagers(root)) {
    const text = await readFile(join(root, d.file), 'utf8');
    const after = d.manager === 'simple-git-hooks' ? removeSimpleGitHooks(text, hooks) : hasMarked(text) ? removeMarked(text) : text;
    if (after === undefined) {
      changes.push({ ...d, change: 'not-removable', hooks });
      continue;
    }
    if (after === text) {
      changes.push({ ...d, change: 'unchanged', hooks });
      continue;
    }
    await writeFile(join(root, d.file), after);
    // pre-commit's hook files stay: with kmssig gone from its configuration they run nothing of kmssig's.
    if (d.manager === 'pre-commit') {
      changes.push({ ...d, change: 'removed', hooks });
      continue;
    }
    const [command, ...args] = INSTALL[d.manager]([]);
    const r = await runTool(root, toolCommand(root, command!), args, env);
    changes.push({
      ...d,
      change: 'removed',
      hooks,
      install: { command: [command, ...args].join(' '), ran: r.code !== 127, ok: r.code === 0 },
    });
  }
  return changes;
}

import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { HookName } from '../core/hookNames.js';
import { render } from '../figures.js';
import { messages } from '../messages.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import type { Repo } from '../git/repo.js';
import { BEGIN_CREATED, END, SHEBANG } from './hookBlock.js';
import { GIT_HOOK_NAMES } from './gitHookNames.js';
import { launcherPath, writeLauncher } from './launcher.js';

/**
 * kmssig's guard (DESIGN 3.4, item 6): a hooks folder inside the git
 * directory, set as core.hooksPath, that git runs first for kmssig's hooks.
 * Each guard runs the kmssig fixed at install, then hands the hook on to the
 * folder git would have run otherwise (husky's .husky/_, the managers' shims
 * in .git/hooks, a committed hooks folder, a global one); every other hook
 * found there gets a forwarder. A pull writes only the work tree, so it
 * cannot change this folder in the operation it is verified for.
 */
export const guardDir = (repo: Repo) => join(repo.commonDir, 'kmssig-hooks');

/**
 * Where core.hooksPath is set. `worktree` (config.worktree, which wins over the
 * repository's config) where a manager's own install rewrites the local value
 * (husky sets it on every npm ci) or writes its hooks into it (simple-git-hooks);
 * `local` for lefthook, which installs into any worktree-scoped folder but
 * refuses to touch a local one (docs/decisions.md, measured with each tool).
 */
export type GuardScope = 'local' | 'worktree';

export interface GuardPlan {
  /** The folder the guard hands each hook on to: absolute, or relative to the work tree's root (husky's `.husky/_`). */
  next: string;
  scope: GuardScope;
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const nextFile = (next: string, hook: string) => shQuote(`${next}/${hook}`);

/** The lines that run the kmssig fixed at install for a hook, saying so in one line when it is gone. */
function runLines(hook: HookName, launcher: string): string[] {
  const check = [
    `kmssig_bin=${shQuote(launcher)}`,
    'if [ ! -x "$kmssig_bin" ]; then',
    `  echo "${render(messages.shHookCannotRun(hook, '$kmssig_bin'))}" >&2`,
    '  exit 1',
    'fi',
  ];
  // KMSSIG_GUARDED: what runs after this (a manager's shim, the rest of the hook file) knows kmssig already ran.
  if (hook !== 'pre-push') return [...check, `KMSSIG_GUARD=1 "$kmssig_bin" hook ${hook} "$@" || exit $?`, 'export KMSSIG_GUARDED=1'];
  return [
    ...check,
    // git's list of pushed refs is read by kmssig, then handed on unchanged.
    'kmssig_in=$(mktemp "${TMPDIR:-/tmp}/kmssig-pre-push.XXXXXX") || exit 1',
    'cat >"$kmssig_in"',
    'kmssig_status=0',
    'KMSSIG_GUARD=1 "$kmssig_bin" hook pre-push "$@" <"$kmssig_in" || kmssig_status=$?',
    'exec <"$kmssig_in"',
    'rm -f "$kmssig_in"',
    '[ "$kmssig_status" -eq 0 ] || exit "$kmssig_status"',
    'export KMSSIG_GUARDED=1',
  ];
}

/** kmssig's block in a hook file inside the git directory (it is its own guard): the launcher by absolute path. */
export function localBlockBody(hook: HookName, launcher: string): string {
  return [`# kmssig ${hook}: runs the kmssig fixed at install; all logic is in 'kmssig hook'.`, ...runLines(hook, launcher), ''].join('\n');
}

/** The guard of a hook: kmssig first, then the next folder's hook with the same arguments (and standard input). */
export function guardScript(hook: HookName, launcher: string, next: string): string {
  // Only after a pass: the hooks of a tree that failed verification are that tree's, and do not run.
  // pre-push's ref lines go on through a pipe, as git hands them.
  const handOn =
    hook === 'pre-push' ? ['cat | KMSSIG_GUARDED=1 "$kmssig_next" "$@"', 'exit $?'] : ['KMSSIG_GUARDED=1 exec "$kmssig_next" "$@"'];
  const forward = [`kmssig_next=${nextFile(next, hook)}`, '[ -x "$kmssig_next" ] || exit 0', ...handOn];
  return [
    SHEBANG.trimEnd(),
    BEGIN_CREATED,
    `# kmssig's guard for ${hook}: git runs it first, then ${next}/${hook}; a pull cannot change this folder.`,
    ...runLines(hook, launcher),
    ...forward,
    END,
    '',
  ].join('\n');
}

/** A hook kmssig does not run, handed on to the next folder's hook of the same name. */
export function forwarderScript(hook: string, next: string): string {
  return [
    SHEBANG.trimEnd(),
    `# created by kmssig install: hands ${hook} on to ${next}/${hook}; kmssig uninstall removes this folder`,
    `kmssig_next=${nextFile(next, hook)}`,
    '[ -x "$kmssig_next" ] || exit 0',
    'exec "$kmssig_next" "$@"',
    '',
  ].join('\n');
}

export interface GuardChange {
  hook: string;
  file: string;
  change: 'created' | 'updated' | 'unchanged' | 'removed';
}

/**
 * Puts the guard in place: the launcher, a guard for each of `hooks`, a
 * forwarder for every other hook the next folder holds, and core.hooksPath in
 * the plan's scope. Idempotent; reports what changed.
 */
export async function installGuard(repo: Repo, plan: GuardPlan, hooks: readonly HookName[]): Promise<GuardChange[]> {
  await writeLauncher(repo);
  const dir = guardDir(repo);
  const launcher = launcherPath(repo);
  const wanted = new Map<string, string>();
  for (const hook of hooks) wanted.set(hook, guardScript(hook, launcher, plan.next));
  const nextDir = isAbsolute(plan.next) ? plan.next : resolve(repo.root, plan.next);
  const present = existsSync(nextDir) ? await readdir(nextDir) : [];
  for (const name of present) if (GIT_HOOK_NAMES.includes(name) && !wanted.has(name)) wanted.set(name, forwarderScript(name, plan.next));
  await mkdir(dir, { recursive: true });
  const changes: GuardChange[] = [];
  const shown = (file: string) => relative(repo.root, file) || file;
  for (const [hook, text] of wanted) {
    const file = join(dir, hook);
    const before = await readFile(file, 'utf8').catch(() => undefined);
    if (before === text) {
      changes.push({ hook, file: shown(file), change: 'unchanged' });
      continue;
    }
    await writeFileAtomic(file, text);
    await chmod(file, 0o755);
    changes.push({ hook, file: shown(file), change: before === undefined ? 'created' : 'updated' });
  }
  for (const name of await readdir(dir))
    if (!wanted.has(name)) {
      await rm(join(dir, name));
      changes.push({ hook: name, file: shown(join(dir, name)), change: 'removed' });
    }
  await setHooksPath(repo, dir, plan.scope);
  return changes;
}

async function setHooksPath(repo: Repo, dir: string, scope: GuardScope): Promise<void> {
  if (scope === 'worktree') {
    if ((await repo.configGetLocal('extensions.worktreeConfig')) !== 'true') {
      await repo.configSetLocal('extensions.worktreeConfig', 'true');
      // Uninstall turns it off again only when kmssig turned it on.
      await repo.configSetLocal('kmssig.guard.worktreeConfig', 'added');
    }
    if ((await repo.configGetWorktree('core.hooksPath')) !== dir) await repo.configSetWorktree('core.hooksPath', dir);
    // A local value of ours from an earlier install would outlive an uninstall of the worktree one.
    if ((await repo.configGetLocal('core.hooksPath')) === dir) await repo.configUnsetLocal('core.hooksPath');
  } else {
    if ((await repo.configGetLocal('core.hooksPath')) !== dir) await repo.configSetLocal('core.hooksPath', dir);
    if ((await repo.configGetLocal('extensions.worktreeConfig')) === 'true' && (await repo.configGetWorktree('core.hooksPath')) === dir)
      await repo.configUnsetWorktree('core.hooksPath');
  }
}

/** Whether git runs the guard now: the effective core.hooksPath is kmssig's folder. */
export async function guardActive(repo: Repo): Promise<boolean> {
  const effective = (await repo.configPathScopes('core.hooksPath')).at(-1)?.value;
  return effective !== undefined && resolve(repo.root, effective) === guardDir(repo);
}

/** Removes the guard and every setting install made for it; the hooks behind it run as before. */
export async function removeGuard(repo: Repo): Promise<GuardChange[]> {
  const dir = guardDir(repo);
  const changes: GuardChange[] = [];
  if (existsSync(dir))
    for (const name of await readdir(dir)) changes.push({ hook: name, file: relative(repo.root, join(dir, name)), change: 'removed' });
  await rm(dir, { recursive: true, force: true });
  if ((await repo.configGetLocal('core.hooksPath')) === dir) await repo.configUnsetLocal('core.hooksPath');
  if ((await repo.configGetLocal('extensions.worktreeConfig')) === 'true') {
    if ((await repo.configGetWorktree('core.hooksPath')) === dir) await repo.configUnsetWorktree('core.hooksPath');
    if ((await repo.configGetLocal('kmssig.guard.worktreeConfig')) === 'added') {
      await repo.configUnsetLocal('extensions.worktreeConfig');
      await repo.configUnsetLocal('kmssig.guard.worktreeConfig');
    }
  }
  return changes;
}

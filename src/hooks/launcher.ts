import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import { render } from '../figures.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';

/**
 * The kmssig a clone's hooks run, fixed at install (DESIGN 3.4, item 6): a
 * small sh file in the git directory, which no pull or checkout can write,
 * holding absolute paths to node and to this kmssig's bin. Hooks never find
 * kmssig through the working tree's node_modules/.bin or a PATH search.
 */
// Not in .git/kmssig/ with the caches: clearing the caches (rm -r .git/kmssig) must not leave the hooks without kmssig.
export const launcherPath = (repo: Repo) => join(repo.commonDir, 'kmssig-bin', 'kmssig');

/** This kmssig's bin (dist/bin.js; run from the TypeScript sources in tests, the built one beside them). */
export function kmssigBin(): string {
  const url = import.meta.url.endsWith('.ts') ? new URL('../../dist/bin.js', import.meta.url) : new URL('../bin.js', import.meta.url);
  return fileURLToPath(url);
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface LauncherTarget {
  node: string;
  bin: string;
  /** git by absolute path, for the one check the launcher makes. */
  git: string;
  /** The work tree that holds `bin`, when it is inside one: nothing under node_modules may then be tracked. */
  tree?: string;
}

/**
 * The launcher's text. When the kmssig it runs lives in a work tree's
 * node_modules, a tracked file there would replace it on the next pull (git
 * writes tracked files over ignored ones): the launcher then refuses to run
 * anything and says why.
 */
export function launcherText(target: LauncherTarget): string {
  const lines = [
    '#!/bin/sh',
    "# Written by kmssig install: the kmssig this clone's hooks run, fixed at install; kmssig install writes it again, kmssig uninstall removes it.",
    `kmssig_node=${shQuote(target.node)}`,
    `kmssig_cli=${shQuote(target.bin)}`,
    'if [ ! -x "$kmssig_node" ] || [ ! -f "$kmssig_cli" ]; then',
    `  echo "${render(messages.shLauncherGone('$kmssig_cli'))}" >&2`,
    '  exit 1',
    'fi',
  ];
  if (target.tree)
    lines.push(
      `if [ -n "$(${shQuote(target.git)} -C ${shQuote(target.tree)} ls-files -- ':(glob)**/node_modules/**' 2>/dev/null | head -n 1)" ]; then`,
      `  echo "${render(messages.shTracksNodeModules())}" >&2`,
      '  exit 1',
      'fi',
    );
  lines.push('exec "$kmssig_node" "$kmssig_cli" "$@"', '');
  return lines.join('\n');
}

/** git's own binary, by absolute path: the one in git's exec-path, else the one on PATH at install. */
export async function gitBinary(repo: Repo): Promise<string> {
  const inExecPath = join(await repo.execPath(), 'git');
  return existsSync(inExecPath) ? inExecPath : 'git';
}

/** Writes the launcher for the kmssig running now; idempotent. Returns whether it changed. */
export async function writeLauncher(repo: Repo): Promise<boolean> {
  const bin = kmssigBin();
  const inside = relative(repo.root, bin);
  const tree = !inside.startsWith('..') && !isAbsolute(inside) ? repo.root : undefined;
  const text = launcherText({ node: process.execPath, bin, git: await gitBinary(repo), tree });
  const path = launcherPath(repo);
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before === text) return false;
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
  await chmod(path, 0o755);
  return true;
}

export async function removeLauncher(repo: Repo): Promise<void> {
  await rm(dirname(launcherPath(repo)), { recursive: true, force: true });
}

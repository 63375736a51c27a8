import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KMSSIG_HOOKS, type HookName } from '../core/hookNames.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import { KmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { CHAINED_SUFFIX, chainedHook, findBlock, isShellHook, makeBlock, SHEBANG, withBlock, withoutBlock } from './hookBlock.js';
import { chainDir, locateHooks, type HooksLocation } from './hooksDir.js';
import { GIT_HOOK_NAMES } from './gitHookNames.js';

export { fetchAllNotes, removeNotesFetch, setupNotesFetch } from './notesFetch.js';

export const HOOKS: HookName[] = [...KMSSIG_HOOKS];

export interface HookChange {
  hook: string;
  file: string;
  change: 'created' | 'added' | 'updated' | 'unchanged' | 'removed' | 'restored' | 'absent' | 'chained';
}

const packageHooks = new URL('../../hooks/', import.meta.url);

/** The hook script kmssig ships for a hook (the body of its block). */
export async function hookBody(hook: string): Promise<string> {
  return readFile(new URL(hook, packageHooks), 'utf8');
}

async function readBytes(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
}

/** Adds kmssig's block to each hook file; idempotent, and never overwrites what was there. */
export async function installHooks(repo: Repo, hooks: HookName[] = HOOKS): Promise<{ location: HooksLocation; changes: HookChange[] }> {
  const location = await locateHooks(repo);
  if (location.kind === 'globalChain') return { location, changes: await installChain(repo, location, hooks) };
  await mkdir(location.dir, { recursive: true });
  const changes: HookChange[] = [];
  for (const hook of hooks) {
    const file = join(location.dir, hook);
    const shown = relative(repo.root, file) || file;
    const body = await hookBody(hook);
    const raw = await readBytes(file);
    const before = raw?.toString('utf8');
    // husky runs every .husky/<hook> with sh, whatever its first line says.
    if (raw && before !== undefined && !findBlock(before) && location.kind !== 'husky' && !isShellHook(before)) {
      if (existsSync(file + CHAINED_SUFFIX)) throw new KmssigError('CONFIG', messages.chainedExists(shown));
      await rename(file, file + CHAINED_SUFFIX);
      await writeFileAtomic(file, chainedHook(body, hook));
      await chmod(file, 0o755);
      changes.push({ hook, file: shown, change: 'chained' });
      continue;
    }
    const after = withBlock(before, body);
    if (after === before) {
      changes.push({ hook, file: shown, change: 'unchanged' });
      continue;
    }
    const mode = before === undefined ? 0o755 : (await stat(file)).mode & 0o7777;
    await writeFileAtomic(file, after);
    // A new file must be executable; an existing one keeps its mode (the atomic write made a new file), so uninstall leaves it exactly as it was.
    await chmod(file, mode);
    changes.push({ hook, file: shown, change: before === undefined ? 'created' : findBlock(before) ? 'updated' : 'added' });
  }
  return { location, changes };
}

/** Removes exactly what install added: each file is byte for byte what it was, and files install created are removed. */
export async function uninstallHooks(repo: Repo): Promise<HookChange[]> {
  const location = await locateHooks(repo);
  if (location.kind === 'globalChain') return uninstallChain(repo, location);
  const changes: HookChange[] = [];
  for (const hook of HOOKS) {
    const file = join(location.dir, hook);
    const shown = relative(repo.root, file) || file;
    const raw = await readBytes(file);
    if (raw === undefined) {
      changes.push({ hook, file: shown, change: 'absent' });
      continue;
    }
    const before = raw.toString('utf8');
    const found = findBlock(before);
    const after = withoutBlock(before);
    if (after === before) changes.push({ hook, file: shown, change: 'unchanged' });
    else if (after === undefined) {
      await rm(file);
      if (found?.kind === 'chained' && existsSync(file + CHAINED_SUFFIX)) {
        await rename(file + CHAINED_SUFFIX, file);
        changes.push({ hook, file: shown, change: 'restored' });
      } else changes.push({ hook, file: shown, change: 'removed' });
    } else {
      await writeFile(file, after);
      changes.push({ hook, file: shown, change: 'restored' });
    }
  }
  return changes;
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The lines that hand a hook on to the global folder's hook of the same name, when it has one. */
const toGlobal = (dir: string, hook: string) =>
  `kmssig_global=${shQuote(join(dir, hook))}\n[ ! -x "$kmssig_global" ] || exec "$kmssig_global" "$@"\n`;

/**
 * A global or system core.hooksPath is never written to (it serves every
 * repository of the user). This repository gets its own folder instead, set as
 * its local core.hooksPath: kmssig's hooks, each handing on to the global hook
 * of the same name, and a forwarder for every other hook the global folder has.
 */
async function installChain(repo: Repo, location: HooksLocation, hooks: HookName[]): Promise<HookChange[]> {
  const dir = location.dir;
  const global = location.chainTo!;
  const wanted = new Map<string, string>();
  for (const hook of hooks) wanted.set(hook, SHEBANG + makeBlock((await hookBody(hook)) + toGlobal(global, hook), 'created'));
  const globalHooks = existsSync(global) ? await readdir(global) : [];
  for (const name of globalHooks)
    if (GIT_HOOK_NAMES.includes(name) && !wanted.has(name))
      wanted.set(
        name,
        `${SHEBANG}# created by kmssig install: runs your global hook; kmssig uninstall removes this folder\n${toGlobal(global, name)}`,
      );
  await mkdir(dir, { recursive: true });
  const changes: HookChange[] = [];
  for (const [hook, text] of wanted) {
    const file = join(dir, hook);
    const shown = relative(repo.root, file) || file;
    const before = (await readBytes(file))?.toString('utf8');
    if (before === text) {
      changes.push({ hook, file: shown, change: 'unchanged' });
      continue;
    }
    await writeFileAtomic(file, text);
    await chmod(file, 0o755);
    changes.push({ hook, file: shown, change: before === undefined ? 'created' : 'updated' });
  }
  for (const name of await readdir(dir))
    if (!wanted.has(name)) {
      await rm(join(dir, name));
      changes.push({ hook: name, file: relative(repo.root, join(dir, name)), change: 'removed' });
    }
  if ((await repo.configGetLocal('core.hooksPath')) !== dir) await repo.configSetLocal('core.hooksPath', dir);
  return changes;
}

async function uninstallChain(repo: Repo, location: HooksLocation): Promise<HookChange[]> {
  const dir = chainDir(repo);
  const changes: HookChange[] = [];
  if (existsSync(dir))
    for (const name of await readdir(dir)) changes.push({ hook: name, file: relative(repo.root, join(dir, name)), change: 'removed' });
  await rm(dir, { recursive: true, force: true });
  if ((await repo.configGetLocal('core.hooksPath')) === location.dir) await repo.configUnsetLocal('core.hooksPath');
  return changes;
}

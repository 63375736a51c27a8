import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KMSSIG_HOOKS, type HookName } from '../core/hookNames.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import { KmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { CHAINED_SUFFIX, chainedHook, findBlock, isShellHook, withBlock, withoutBlock } from './hookBlock.js';
import { installGuard, localBlockBody, removeGuard } from './guard.js';
import { guardPlan, locateHooks, type HooksLocation } from './hooksDir.js';
import { launcherPath, removeLauncher, writeLauncher } from './launcher.js';

export { fetchAllNotes, removeNotesFetch, setupNotesFetch } from './notesFetch.js';

export const HOOKS: HookName[] = [...KMSSIG_HOOKS];

export interface HookChange {
  hook: string;
  file: string;
  change: 'created' | 'added' | 'updated' | 'unchanged' | 'removed' | 'restored' | 'absent' | 'chained';
}

const packageHooks = new URL('../../hooks/', import.meta.url);

/** The hook script kmssig ships for a hook (the body of its block), as a committed hook file holds it. */
export async function hookBody(hook: string): Promise<string> {
  return readFile(new URL(hook, packageHooks), 'utf8');
}

async function readBytes(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
}

/**
 * Adds kmssig's block to each hook file (idempotent, never overwriting what
 * was there) and, where a pull could change or bypass those files, the guard
 * in front of them (guard.ts).
 */
export async function installHooks(repo: Repo, hooks: HookName[] = HOOKS): Promise<{ location: HooksLocation; changes: HookChange[] }> {
  const location = await locateHooks(repo);
  const plan = guardPlan(location, [], repo);
  await writeLauncher(repo);
  if (location.kind === 'globalChain') return { location, changes: await installGuard(repo, plan!, hooks) };
  await mkdir(location.dir, { recursive: true });
  const changes: HookChange[] = [];
  for (const hook of hooks) {
    const file = join(location.dir, hook);
    const shown = relative(repo.root, file) || file;
    // A committed hook file (husky's) must work in every clone; one in the git directory names this clone's launcher.
    const body = location.committed ? await hookBody(hook) : localBlockBody(hook, launcherPath(repo));
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
  if (plan) changes.push(...(await installGuard(repo, plan, hooks)).filter((c) => c.change !== 'unchanged'));
  return { location, changes };
}

/** Removes exactly what install added: each file is byte for byte what it was, and files install created are removed. */
export async function uninstallHooks(repo: Repo): Promise<HookChange[]> {
  const location = await locateHooks(repo);
  const changes: HookChange[] = await removeGuard(repo);
  await removeLauncher(repo);
  if (location.kind === 'globalChain') return changes;
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

import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { HookName } from '../config/schema.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import { fetchNotes, NOTES_REF, remoteNotesRef } from '../git/notes.js';
import type { Repo } from '../git/repo.js';
import { withBlock, withoutBlock } from './hookBlock.js';
import { locateHooks, type HooksLocation } from './hooksDir.js';

export const HOOKS: HookName[] = ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'];

export interface HookChange {
  hook: string;
  file: string;
  change: 'created' | 'added' | 'updated' | 'unchanged' | 'removed' | 'restored' | 'absent';
}

const packageHooks = new URL('../../hooks/', import.meta.url);

async function readText(path: string | URL): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
}

/** Adds kmssig's block to each hook file; idempotent, and never overwrites what was there. */
export async function installHooks(repo: Repo, hooks: HookName[] = HOOKS): Promise<{ location: HooksLocation; changes: HookChange[] }> {
  const location = await locateHooks(repo);
  await mkdir(location.dir, { recursive: true });
  const changes: HookChange[] = [];
  for (const hook of hooks) {
    const file = join(location.dir, hook);
    const body = (await readText(new URL(hook, packageHooks)))!;
    const before = await readText(file);
    const after = withBlock(before, body);
    const shown = relative(repo.root, file) || file;
    if (after === before) {
      changes.push({ hook, file: shown, change: 'unchanged' });
      continue;
    }
    const mode = before === undefined ? 0o755 : (await stat(file)).mode & 0o7777;
    await writeFileAtomic(file, after);
    // A new file must be executable; an existing one keeps its mode (the atomic write made a new file), so uninstall leaves it exactly as it was.
    await chmod(file, mode);
    changes.push({
      hook,
      file: shown,
      change: before === undefined ? 'created' : before.includes('# >>> kmssig >>>') ? 'updated' : 'added',
    });
  }
  return { location, changes };
}

/** Removes exactly what install added: each file is byte for byte what it was, and files install created are removed. */
export async function uninstallHooks(repo: Repo): Promise<HookChange[]> {
  const location = await locateHooks(repo);
  const changes: HookChange[] = [];
  for (const hook of HOOKS) {
    const file = join(location.dir, hook);
    const shown = relative(repo.root, file) || file;
    const before = await readText(file);
    if (before === undefined) {
      changes.push({ hook, file: shown, change: 'absent' });
      continue;
    }
    const after = withoutBlock(before);
    if (after === before) changes.push({ hook, file: shown, change: 'unchanged' });
    else if (after === undefined) {
      await rm(file);
      changes.push({ hook, file: shown, change: 'removed' });
    } else {
      await writeFile(file, after);
      changes.push({ hook, file: shown, change: 'restored' });
    }
  }
  return changes;
}

const refspec = (remote: string) => `+${NOTES_REF}:${remoteNotesRef(remote)}`;

/** Makes every fetch/pull of each remote bring its notes into refs/notes/remotes/<remote>/kmssig. */
export async function setupNotesFetch(repo: Repo): Promise<{ remote: string; added: boolean }[]> {
  const result = [];
  for (const remote of await repo.remotes()) {
    const specs = await repo.configGetAll(`remote.${remote}.fetch`);
    const added = !specs.includes(refspec(remote));
    if (added) await repo.git.text(['config', '--add', `remote.${remote}.fetch`, refspec(remote)]);
    result.push({ remote, added });
  }
  return result;
}

export async function removeNotesFetch(repo: Repo): Promise<void> {
  for (const remote of await repo.remotes()) {
    const specs = await repo.configGetAll(`remote.${remote}.fetch`);
    if (specs.includes(refspec(remote))) {
      await repo.git.text(['config', '--fixed-value', '--unset', `remote.${remote}.fetch`, refspec(remote)]);
    }
  }
}

/** Fetches each remote's notes once, so the first checkout after install already verifies. */
export async function fetchAllNotes(repo: Repo): Promise<{ remote: string; error?: string }[]> {
  const results = [];
  for (const remote of await repo.remotes()) {
    try {
      await fetchNotes(repo, remote);
      results.push({ remote });
    } catch (error) {
      results.push({ remote, error: (error as Error).message });
    }
  }
  return results;
}

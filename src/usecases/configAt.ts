import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, type ConfigSource, type LoadedConfig } from '../config/loadConfig.js';
import type { Repo } from '../git/repo.js';

/**
 * The configuration that governs a commit is the one in that commit's tree,
 * read as git objects, whatever is checked out (DESIGN 3.4, rule 2).
 */
export function commitSource(repo: Repo, commit: string): ConfigSource {
  return { label: `commit ${commit.slice(0, 12)}`, read: (paths) => repo.readAt(commit, paths) };
}

/** The configuration on disk, for `--worktree`: read as data too. */
export function worktreeSource(root: string): ConfigSource {
  return {
    label: 'the working tree',
    async read(paths) {
      const texts = new Map<string, string>();
      for (const path of paths) {
        const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
        if (text !== undefined) texts.set(path, text);
      }
      return texts;
    },
  };
}

/** Loads each commit's configuration once per run; a commit's tree never changes. */
export function configLoader(
  repo: Repo,
  known?: { commit: string; loaded: LoadedConfig },
): (commit: string) => Promise<LoadedConfig | undefined> {
  const loaded = new Map<string, Promise<LoadedConfig | undefined>>(known ? [[known.commit, Promise.resolve(known.loaded)]] : []);
  return (commit) => {
    let found = loaded.get(commit);
    if (!found) loaded.set(commit, (found = loadConfig(commitSource(repo, commit))));
    return found;
  };
}

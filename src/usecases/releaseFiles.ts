import { lstat, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { sha512 } from '../core/digest.js';
import { pathProblem } from '../core/paths.js';
import { selectFiles, type Selection } from '../core/selectFiles.js';
import type { LoadedConfig } from '../config/loadConfig.js';
import { KmssigError } from '../errors.js';
import { hashFile } from '../fs/hashFile.js';
import { hashBlobs } from '../git/hashBlobs.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import type { DigestCache } from '../cache/digestCache.js';

/** Listed files: repository path -> SHA-512 hex, plus the blob ids when read from a tree. */
export interface ReleaseFiles {
  digests: Map<string, string>;
  blobs: Map<string, string>;
}

/** The selection of DESIGN 3.2: the globs, plus the config, its public keys and the versioned hook folder. */
export async function selectionFor(repo: Repo, loaded: LoadedConfig): Promise<Selection> {
  const prefixes = ['.husky/'];
  const hooksPath = await repo.configGet('core.hooksPath');
  if (hooksPath) {
    const rel = relative(repo.root, isAbsolute(hooksPath) ? hooksPath : join(repo.root, hooksPath)).split('\\').join('/');
    if (rel && !pathProblem(rel) && !rel.startsWith('.husky/')) prefixes.push(`${rel.replace(/\/$/, '')}/`);
  }
  const { files, exclude, verify } = loaded.config;
  return { files, exclude, always: [loaded.path, ...verify.publicKeys.map((p) => p.replace(/^\.\//, ''))], alwaysPrefixes: prefixes };
}

/** The listed files as they are in a commit's tree (not the working tree), hashed through git. */
export async function treeFiles(repo: Repo, commit: string, selection: Selection, cache?: DigestCache): Promise<ReleaseFiles> {
  const entries = await repo.listTree(commit);
  const listed = new Set(selectFiles(entries.map((e) => e.path), selection));
  repo.assertUtf8(listed);
  const blobs = new Map(entries.filter((e) => listed.has(e.path)).map((e) => [e.path, e.oid]));
  const known = cache ? await cache.lookup(blobs.values()) : new Map<string, string>();
  const missing = [...blobs.values()].filter((oid) => !known.has(oid));
  const hashed = await hashBlobs(repo.git, missing);
  if (cache && hashed.size > 0) await cache.store(hashed);
  const digests = new Map<string, string>();
  for (const [path, oid] of blobs) digests.set(path, known.get(oid) ?? hashed.get(oid)!);
  return { digests, blobs };
}

/**
 * The listed files on disk: the files git sees (tracked, and untracked but
 * not ignored). A symlink is hashed as its target text, as git stores it:
 * never followed, so it cannot reach outside the repository.
 */
export async function worktreeFiles(repo: Repo, selection: Selection): Promise<ReleaseFiles> {
  const listed = selectFiles(await repo.listWorktree(), selection);
  repo.assertUtf8(listed);
  const digests = new Map<string, string>();
  for (const path of listed) {
    const full = join(repo.root, path);
    const info = await lstat(full).catch(() => undefined);
    if (!info) continue; // deleted from disk: absent
    if (info.isSymbolicLink()) digests.set(path, sha512(await readlink(full, { encoding: 'buffer' })).toString('hex'));
    else if (info.isFile()) {
      const digest = await hashFile(full).catch((error: Error) => {
        throw new KmssigError('INPUT', messages.cannotRead(path, error.message), { cause: error });
      });
      digests.set(path, digest.toString('hex'));
    }
  }
  return { digests, blobs: new Map() };
}

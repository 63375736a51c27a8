import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sha512 } from '../core/digest.js';
import { HOOK_MANAGER_FILES } from '../core/hookManagers.js';
import { matchFiles, type Selection } from '../core/selectFiles.js';
import type { LoadedConfig } from '../config/loadConfig.js';
import { KmssigError } from '../errors.js';
import { HashFileError, hashFiles, type FileToHash } from '../fs/hashFiles.js';
import { isGitlink, type Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import type { DigestCache } from '../cache/digestCache.js';

/** Listed files: repository path -> SHA-512 hex, plus the blob ids when read from a tree. */
export interface ReleaseFiles {
  digests: Map<string, string>;
  blobs: Map<string, string>;
  /** Listed paths that are submodules (gitlinks, or nested repositories on disk): never hashed, never in a record. */
  submodules: string[];
  /** `files` patterns that matched nothing here (those in allowEmpty left out). */
  emptyPatterns: string[];
}

/**
 * The selection of DESIGN 3.2: the globs, plus the configuration, its public
 * keys, the committed hook folders and the hook managers' files. It follows
 * from the configuration (and so the commit's tree) alone, never from this
 * clone's git config, so every clone and CI compute the same set.
 */
export function selectionFor(loaded: LoadedConfig): Selection {
  const { files, exclude, verify, hooks } = loaded.config;
  const strip = (p: string) => p.replace(/^\.\//, '').replace(/\/+$/, '');
  const prefixes = ['.husky/', ...(hooks.dir && strip(hooks.dir) !== '.husky' ? [`${strip(hooks.dir)}/`] : [])];
  return {
    files,
    exclude,
    // allowEmpty picks no file: it only silences the error and warning of an empty pattern.
    allowEmpty: loaded.config.allowEmpty,
    always: [loaded.path, ...verify.publicKeys.map(strip), ...HOOK_MANAGER_FILES, ...(loaded.alsoSigned ?? [])],
    alwaysPrefixes: prefixes,
  };
}

/** The listed files as they are in a commit's tree (not the working tree), hashed through git. */
export async function treeFiles(repo: Repo, commit: string, selection: Selection, cache?: DigestCache): Promise<ReleaseFiles> {
  const entries = await repo.listTree(commit);
  const matched = matchFiles(
    entries.map((e) => e.path),
    selection,
  );
  const listed = new Set(matched.paths);
  repo.assertUtf8(listed);
  const picked = entries.filter((e) => listed.has(e.path));
  const submodules = picked.filter(isGitlink).map((e) => e.path);
  const blobs = new Map(picked.filter((e) => !isGitlink(e)).map((e) => [e.path, e.oid]));
  const known = cache ? await cache.lookup(blobs.values()) : new Map<string, string>();
  const missing = [...blobs.values()].filter((oid) => !known.has(oid));
  const hashed = await repo.hashBlobs(missing);
  if (cache && hashed.size > 0) await cache.store(hashed);
  const digests = new Map<string, string>();
  for (const [path, oid] of blobs) digests.set(path, known.get(oid) ?? hashed.get(oid)!);
  return { digests, blobs, submodules, emptyPatterns: matched.empty };
}

/**
 * The listed files on disk: the files git sees (tracked, and untracked but
 * not ignored). A symlink is hashed as its target text, as git stores it:
 * never followed, so it cannot reach outside the repository. A folder git
 * lists is a submodule or a nested repository. A large set of files is
 * hashed on every core (hashFiles).
 */
export async function worktreeFiles(repo: Repo, selection: Selection): Promise<ReleaseFiles> {
  const matched = matchFiles(await repo.listWorktree(), selection);
  const listed = matched.paths;
  repo.assertUtf8(listed);
  const submodules: string[] = [];
  // Synchronous metadata calls: for thousands of small files the promise
  // API costs more than the calls themselves.
  const found = listed.map((path): { path: string; digest?: string; file?: FileToHash } | undefined => {
    const full = join(repo.root, path);
    let info;
    try {
      info = lstatSync(full);
    } catch {
      return undefined; // deleted from disk: absent
    }
    if (info.isSymbolicLink()) return { path, digest: sha512(readlinkSync(full, { encoding: 'buffer' })).toString('hex') };
    if (info.isDirectory()) submodules.push(path);
    return info.isFile() ? { path, file: { path: full, size: info.size } } : undefined;
  });
  const files = found.flatMap((f) => (f?.file ? [f.file] : []));
  const hashed = await hashFiles(files).catch((error: unknown) => {
    const path = (error instanceof HashFileError && found.find((f) => f?.file?.path === error.file)?.path) || '?';
    throw new KmssigError('INPUT', messages.cannotRead(path, (error as Error).message), { cause: error });
  });
  const digests = new Map<string, string>();
  for (const f of found) if (f) digests.set(f.path, f.digest ?? hashed.get(f.file!.path)!);
  return { digests, blobs: new Map(), submodules, emptyPatterns: matched.empty };
}

/**
 * What signing requires of a commit's listed files (DESIGN 3.2): no
 * submodule, and no `files` pattern that matches nothing (unless allowEmpty
 * says so). CONFIG (exit 2), naming the paths or the pattern.
 */
export function assertCoverable(files: ReleaseFiles, configPath: string, commit: string): void {
  if (files.submodules.length > 0) throw new KmssigError('CONFIG', messages.submoduleNotSignable(files.submodules, commit, configPath));
  if (files.emptyPatterns.length > 0) throw new KmssigError('CONFIG', messages.emptyPattern(files.emptyPatterns, commit, configPath));
}

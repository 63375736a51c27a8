import { HOOK_MANAGER_FILES } from '../core/hookManagers.js';
import { FILE_MODES, type FileEntry, type FileMode } from '../core/record.js';
import { matchFiles, type Selection } from '../core/selectFiles.js';
import type { LoadedConfig } from '../config/loadConfig.js';
import { KmssigError } from '../errors.js';
import { diskEntries } from '../fs/diskEntries.js';
import { HashFileError, hashFiles } from '../fs/hashFiles.js';
import { isGitlink, type Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import type { DigestCache } from '../cache/digestCache.js';

/** Listed files: repository path -> its entry (type and mode, SHA-512 hex), plus the blob ids when read from a tree. */
export interface ReleaseFiles {
  entries: Map<string, FileEntry>;
  blobs: Map<string, string>;
  /** On disk: listed paths behind a symlinked folder (path -> that folder), never read and counted as absent. */
  behindSymlinks?: Map<string, string>;
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
  const tree = await repo.listTree(commit);
  const matched = matchFiles(
    tree.map((e) => e.path),
    selection,
  );
  const listed = new Set(matched.paths);
  repo.assertUtf8(listed);
  const picked = tree.filter((e) => listed.has(e.path));
  const submodules = picked.filter(isGitlink).map((e) => e.path);
  const blobs = new Map(picked.filter((e) => !isGitlink(e)).map((e) => [e.path, e.oid]));
  const known = cache ? await cache.lookup(blobs.values()) : new Map<string, string>();
  const missing = [...blobs.values()].filter((oid) => !known.has(oid));
  const hashed = await repo.hashBlobs(missing);
  if (cache && hashed.size > 0) await cache.store(hashed);
  const modes = new Map(picked.map((e) => [e.path, e.mode]));
  const entries = new Map<string, FileEntry>();
  for (const [path, oid] of blobs)
    entries.set(path, { mode: fileMode(modes.get(path)!, path), sha512: known.get(oid) ?? hashed.get(oid)! });
  return { entries, blobs, submodules, emptyPatterns: matched.empty };
}

/** A tree entry's mode; git writes only these three for blobs (it canonicalizes older ones). */
function fileMode(mode: string, path: string): FileMode {
  if ((FILE_MODES as readonly string[]).includes(mode)) return mode as FileMode;
  throw new KmssigError('GIT', messages.unknownTreeMode(path, mode));
}

/**
 * The listed files on disk: the files git sees (tracked, and untracked but
 * not ignored), each with the entry type and mode a reader gets there. A
 * symlink is hashed as its target text, as git stores it, and a path behind
 * a symlinked folder is not read at all: a read never follows a link, so it
 * cannot reach outside the repository (src/fs/diskEntries.ts). A folder git
 * lists is a submodule or a nested repository. A large set of files is
 * hashed on every core (hashFiles).
 */
export async function worktreeFiles(repo: Repo, selection: Selection): Promise<ReleaseFiles> {
  const matched = matchFiles(await repo.listWorktree(), selection);
  const listed = matched.paths;
  repo.assertUtf8(listed);
  const found = diskEntries(repo.root, listed);
  const files = found.flatMap((f) => (f.kind === 'file' ? [{ path: f.full, size: f.size }] : []));
  const hashed = await hashFiles(files).catch((error: unknown) => {
    const path = (error instanceof HashFileError && found.find((f) => f.kind === 'file' && f.full === error.file)?.path) || '?';
    throw new KmssigError('INPUT', messages.cannotRead(path, (error as Error).message), { cause: error });
  });
  const entries = new Map<string, FileEntry>();
  const submodules: string[] = [];
  const behindSymlinks = new Map<string, string>();
  for (const f of found) {
    if (f.kind === 'file') entries.set(f.path, { mode: f.mode, sha512: hashed.get(f.full)! });
    else if (f.kind === 'symlink') entries.set(f.path, { mode: '120000', sha512: f.sha512 });
    else if (f.kind === 'folder') submodules.push(f.path);
    else if (f.kind === 'behindSymlink') behindSymlinks.set(f.path, f.folder);
  }
  return { entries, blobs: new Map(), behindSymlinks, submodules, emptyPatterns: matched.empty };
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

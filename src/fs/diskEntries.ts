import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { sha512 } from '../core/digest.js';

/**
 * What is on disk at a repository path, as git would see it, read without
 * ever following a symlink (DESIGN 3.4, rule 7):
 * - `file`: a regular file (its mode from the owner's execute bit, as git reads it);
 * - `symlink`: hashed as its target text, as git stores it;
 * - `folder`: a submodule or a nested repository;
 * - `behindSymlink`: a leading folder of the path is a symlink, so what a reader
 *   gets there lives wherever the link points (git counts such a path as
 *   deleted, and kmssig never reads it);
 * - `absent`: nothing there.
 */
export type DiskEntry =
  | { path: string; kind: 'file'; full: string; size: number; mode: '100644' | '100755' }
  | { path: string; kind: 'symlink'; sha512: string }
  | { path: string; kind: 'folder' }
  | { path: string; kind: 'behindSymlink'; folder: string }
  | { path: string; kind: 'absent' };

/**
 * The entries of listed paths under `root`. Synchronous metadata calls: for
 * thousands of small files the promise API costs more than the calls
 * themselves. Each leading folder is looked at once.
 */
export function diskEntries(root: string, paths: readonly string[]): DiskEntry[] {
  const folders = new Map<string, string | undefined>(); // folder -> the symlinked folder at or above it
  const symlinkedAbove = (path: string): string | undefined => {
    const slash = path.lastIndexOf('/');
    if (slash === -1) return undefined;
    const folder = path.slice(0, slash);
    if (folders.has(folder)) return folders.get(folder);
    let found = symlinkedAbove(folder);
    if (found === undefined && lstatOrUndefined(join(root, folder))?.isSymbolicLink()) found = folder;
    folders.set(folder, found);
    return found;
  };
  return paths.map((path): DiskEntry => {
    const folder = symlinkedAbove(path);
    if (folder !== undefined) return { path, kind: 'behindSymlink', folder };
    const full = join(root, path);
    const info = lstatOrUndefined(full);
    if (!info) return { path, kind: 'absent' };
    if (info.isSymbolicLink()) return { path, kind: 'symlink', sha512: sha512(readlinkSync(full, { encoding: 'buffer' })).toString('hex') };
    if (info.isDirectory()) return { path, kind: 'folder' };
    // git's rule (create_ce_mode): a regular file with the owner's execute bit is 100755.
    if (info.isFile()) return { path, kind: 'file', full, size: info.size, mode: info.mode & 0o100 ? '100755' : '100644' };
    return { path, kind: 'absent' }; // a socket or a device is nothing git would check in
  });
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

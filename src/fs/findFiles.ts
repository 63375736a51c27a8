import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';

export interface FindFilesOptions {
  /** Where relative arguments start. */
  cwd: string;
  /** What a folder argument stands for: its files matching this pattern (e.g. `*.kmssig.json`); without it, a folder is itself. */
  inFolder?: string;
  /** Left out of what patterns match (the record file being written). */
  except?: string;
}

/**
 * Files on disk, for artifacts git does not track (sign-file, verify-file):
 * each argument is an existing path taken as it is, or else a fast-glob
 * pattern, with the rules of the release globs (docs/configuration.md):
 * dotfiles only when a pattern names them; `!pattern` leaves out what it
 * matches (a folder with everything in it); symlinked folders are never
 * entered, and a symlinked file counts only when it resolves inside the
 * pattern's folder (the part before the first wildcard). A pattern that
 * matches nothing is a usage error, never an empty set. Absolute paths, sorted.
 */
export async function findFiles(args: readonly string[], options: FindFilesOptions): Promise<string[]> {
  const { cwd } = options;
  const ignore = args.filter((a) => a.startsWith('!')).map((a) => a.slice(1));
  const found = new Set<string>();
  for (const arg of args) {
    if (arg.startsWith('!')) continue;
    const path = resolve(cwd, arg);
    const kind = await lstat(path).then(
      (s) => (s.isDirectory() ? 'folder' : 'file'),
      () => undefined,
    );
    if (kind === 'file' || (kind === 'folder' && !options.inFolder)) {
      found.add(path);
      continue;
    }
    const pattern = kind === 'folder' ? `${fg.escapePath(arg.replace(/\/+$/, ''))}/${options.inFolder}` : arg;
    if (kind === undefined && !fg.isDynamicPattern(arg)) throw new KmssigError('INPUT', messages.cannotRead(arg, 'no such file'));
    const matched = await matchPattern(pattern, cwd, ignore, options.except);
    if (matched.length === 0) throw new KmssigError('USAGE', messages.patternMatchedNothing(arg));
    for (const file of matched) found.add(file);
  }
  if (found.size === 0) throw new KmssigError('USAGE', messages.patternMatchedNothing(args.join(' ')));
  return [...found].sort();
}

async function matchPattern(pattern: string, cwd: string, ignore: string[], except: string | undefined): Promise<string[]> {
  const entries = await fg(pattern, {
    cwd,
    ignore,
    dot: false,
    followSymbolicLinks: false,
    onlyFiles: false,
    absolute: true,
    unique: true,
    objectMode: true,
  });
  const base = await realpath(resolve(cwd, staticBase(pattern))).catch(() => resolve(cwd, staticBase(pattern)));
  const files: string[] = [];
  for (const entry of entries) {
    if (except !== undefined && resolve(entry.path) === resolve(except)) continue;
    if (entry.dirent.isFile()) files.push(entry.path);
    else if (entry.dirent.isSymbolicLink()) {
      const target = await realpath(entry.path).catch(() => undefined);
      const isFile = target !== undefined && (await stat(target)).isFile();
      if (!isFile) continue; // a symlinked folder is not entered; a dangling link is no file
      if (!inside(base, target)) throw new KmssigError('INPUT', messages.symlinkOutOfFolder(entry.path, target, base));
      files.push(entry.path);
    }
  }
  return files;
}

/** The leading folders of a pattern before its first wildcard: where its matches must stay. */
function staticBase(pattern: string): string {
  const parts = pattern.split('/');
  const fixed: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (fg.isDynamicPattern(part)) break;
    fixed.push(part);
  }
  return fixed.join('/') || (pattern.startsWith('/') ? '/' : '.');
}

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

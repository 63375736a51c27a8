import { sameEntry, signedEntries, type FileEntry, type FileMode, type UnsignedRecord } from './record.js';

/**
 * The state of one listed file against the record that covers it (DESIGN 3,
 * rule 3); `submodule` is a listed path kmssig cannot sign (DESIGN 3.2);
 * `replaced` is a file that a checkout takes from a replace ref instead of
 * the commit (DESIGN 3.4, item 7).
 */
export type FileState = 'ok' | 'modified' | 'unsigned' | 'missing' | 'local' | 'submodule' | 'replaced';

export interface FileResult {
  path: string;
  state: FileState;
  /** A modified file whose entry type or mode differs from what was signed (a symlink, an executable bit). */
  mode?: { now: FileMode; signed: FileMode };
}

/**
 * Compares the listed files (path -> what was found: a SHA-512 hex, or an
 * entry with its mode) with a record's files. Pure: the caller has already
 * hashed what it had.
 */
export function compareFiles<T>(
  actual: ReadonlyMap<string, T>,
  signed: Readonly<Record<string, T>>,
  same: (a: T, b: T) => boolean = (a, b) => a === b,
): FileResult[] {
  const results: FileResult[] = [];
  for (const [path, found] of actual) {
    const expected = Object.hasOwn(signed, path) ? signed[path] : undefined;
    const state: FileState = expected === undefined ? 'unsigned' : same(found, expected) ? 'ok' : 'modified';
    results.push({ path, state });
  }
  for (const path of Object.keys(signed)) {
    if (!actual.has(path)) results.push({ path, state: 'missing' });
  }
  return results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export const isFailure = (result: FileResult) => result.state !== 'ok' && result.state !== 'local';

export function allOk(results: readonly FileResult[]): boolean {
  return !results.some(isFailure);
}

/**
 * The listed files (path -> entry) against a record, as a reader gets them
 * (DESIGN 3.4, rule 7): the same bytes under another entry type or mode are
 * modified, and the result says which modes.
 */
export function compareEntries(actual: ReadonlyMap<string, FileEntry>, record: UnsignedRecord): FileResult[] {
  const signed = signedEntries(record);
  return compareFiles(actual, signed, sameEntry).map((result) => {
    const now = actual.get(result.path);
    const was = Object.hasOwn(signed, result.path) ? signed[result.path] : undefined;
    return result.state === 'modified' && now && was && now.mode !== was.mode
      ? { ...result, mode: { now: now.mode, signed: was.mode } }
      : result;
  });
}

/** Whether a record covers the listed files: the same set, every entry the same. */
export function coversAll(actual: ReadonlyMap<string, FileEntry>, record: UnsignedRecord): boolean {
  return allOk(compareEntries(actual, record));
}

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
}

/**
 * Compares the listed files (path -> SHA-512 hex) with a record's files.
 * Pure: the caller has already hashed what it had.
 */
export function compareFiles(actual: ReadonlyMap<string, string>, signed: Readonly<Record<string, string>>): FileResult[] {
  const results: FileResult[] = [];
  for (const [path, digest] of actual) {
    const expected = Object.hasOwn(signed, path) ? signed[path] : undefined;
    const state: FileState = expected === undefined ? 'unsigned' : expected === digest ? 'ok' : 'modified';
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

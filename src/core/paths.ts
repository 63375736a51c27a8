import { posix } from 'node:path';

/**
 * Returns why a record path is unacceptable, or undefined when it is a
 * normalized, relative POSIX path inside the repository (DESIGN 2.2).
 * Backslashes and spaces are ordinary file-name characters.
 */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'empty path';
  if (path.includes('\0')) return 'contains NUL';
  if (path.startsWith('/')) return 'absolute path';
  if (path.split('/').includes('..')) return "contains '..'";
  if (posix.normalize(path) !== path || path.endsWith('/') || path === '.') return 'not normalized';
  return undefined;
}

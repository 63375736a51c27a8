import { messages } from '../messages.js';
import type { CheckReport } from './report.js';

/** A path whose content a checkout takes from a replace ref, and that ref. */
export interface Replaced {
  path: string;
  ref: string;
}

/** What replace refs change at a commit: release files, and folders that hold none of them. */
export interface Replacements {
  files: Replaced[];
  folders: Replaced[];
}

/**
 * What a checkout of a commit would take from replace refs (DESIGN 3.4 item
 * 7). git looks up the commit, its root tree, each folder's tree and each
 * blob under the id it is stored with, and `refs/replace/<id>` substitutes
 * any of them: a release file is replaced when its blob, a folder above it,
 * the root tree or the commit is. A replaced folder without release files is
 * named too, since what replaces it may hold some. Pure: ids come from git,
 * as stored (`trees`: folder -> tree id, '' for the root).
 */
export function findReplacements(
  commit: string,
  trees: ReadonlyMap<string, string>,
  blobs: ReadonlyMap<string, string>,
  refs: ReadonlyMap<string, string>,
): Replacements {
  const whole = refs.get(commit) ?? refs.get(trees.get('') ?? '');
  const folderRef = (dir: string) => refs.get(trees.get(dir) ?? '');
  const files: Replaced[] = [];
  for (const [path, blob] of blobs) {
    const dirs = path.split('/').slice(0, -1);
    const above = dirs.map((_, i) => dirs.slice(0, i + 1).join('/'));
    const ref = whole ?? refs.get(blob) ?? above.map(folderRef).find((r) => r !== undefined);
    if (ref) files.push({ path, ref });
  }
  const folders: Replaced[] = [];
  for (const [dir, tree] of trees) {
    const ref = refs.get(tree);
    if (dir !== '' && ref && !files.some((f) => f.path.startsWith(`${dir}/`))) folders.push({ path: `${dir}/`, ref });
  }
  return { files, folders };
}

/** Marks replaced release files as such, in place of any other verdict on them, and fails the report. */
export function withReplacements(report: CheckReport, found: Replacements): CheckReport {
  if (found.files.length === 0 && found.folders.length === 0) return report;
  const byPath = new Map(found.files.map((f) => [f.path, f.ref]));
  const files = report.files.filter((f) => !byPath.has(f.path));
  for (const [path, ref] of byPath) files.push({ path, state: 'replaced', replacedBy: ref });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const all = [...found.files, ...found.folders];
  return {
    ...report,
    files,
    status: 'fail',
    problem: messages.replacedObjects(
      all.map((r) => r.path),
      [...new Set(all.map((r) => r.ref))],
    ),
  };
}

import type { Session } from './session.js';
import type { SignRef } from './signRelease.js';
import { check } from './check.js';

/** A release file that came from outside this clone and that no valid record covers. */
export interface ForeignFile {
  path: string;
  /** The commit that last changed it (not the user's own work), if any. */
  changedBy?: string;
  /** Remote-tracking refs that reach that commit; empty: a URL pull, FETCH_HEAD, a bundle. */
  from: string[];
}

export interface LaunderingCheck {
  commit: string;
  foreign: ForeignFile[];
  /** This clone keeps no reflog, so none of its commits could count as the user's own. */
  noReflog: boolean;
}

/**
 * DESIGN 3.1, no laundering: before a commit is signed, every release file
 * must be covered by a valid record in its history (same path, same digest)
 * or last changed by the user's own work. The files for which neither holds.
 */
export async function findForeignFiles(session: Session, commit: string): Promise<LaunderingCheck> {
  const report = await check(session, { commit, allowLocal: true });
  // A submodule is refused by the coverage rules, with its own message; a file a replace ref
  // changes on checkout is named by the verification hooks (what is signed is the stored object).
  const failed = report.files.filter((f) => f.state !== 'ok' && f.state !== 'local' && f.state !== 'submodule' && f.state !== 'replaced');
  const foreign: ForeignFile[] = [];
  for (const f of failed) {
    const from = f.changedBy ? await session.repo.remoteRefsContaining(f.changedBy) : [];
    foreign.push({ path: f.path, ...(f.changedBy ? { changedBy: f.changedBy } : {}), from });
  }
  return { commit, foreign, noReflog: report.noReflog === true };
}

/** The command that signs reviewed foreign files deliberately. */
export function acceptCommand(commit: string, ref: SignRef, paths: readonly string[]): string {
  const quote = (p: string) => (/^[\w./@+-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`);
  return `kmssig sign --rev ${commit.slice(0, 12)} --ref ${ref.kind === 'tag' ? 'refs/tags/' : ''}${ref.name} ${paths.map((p) => `--accept ${quote(p)}`).join(' ')}`;
}

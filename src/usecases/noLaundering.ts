import type { Session } from './session.js';
import type { SignRef } from './signRelease.js';
import { check } from './check.js';
import { findSignedCommit, type SignedCommit } from './findSignedCommit.js';
import { ownWork } from './ownWork.js';
import { foreignOrigins } from './provenance.js';

/** A release file that came from outside this clone and that no valid record covers. */
export interface ForeignFile {
  path: string;
  /** The commit, not the user's own work, that last changed it or that its bytes came from, if any. */
  changedBy?: string;
  /** The user's own commit that copied those bytes in (merge --squash, checkout <rev> -- path, apply…). */
  copiedBy?: string;
  /** Where `changedBy` had them, when that is another path. */
  copiedFrom?: string;
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
 * or be the user's own change: last changed by the user's own work, with
 * bytes that came from no foreign commit. The files for which neither holds.
 * Decided once per commit and session (pre-push asks for its mode first).
 */
export function findForeignFiles(session: Session, commit: string): Promise<LaunderingCheck> {
  let known = verdicts.get(session);
  if (!known) verdicts.set(session, (known = new Map<string, Promise<LaunderingCheck>>()));
  let verdict = known.get(commit);
  if (!verdict) known.set(commit, (verdict = judge(session, commit)));
  return verdict;
}

const verdicts = new WeakMap<Session, Map<string, Promise<LaunderingCheck>>>();

async function judge(session: Session, commit: string): Promise<LaunderingCheck> {
  const report = await check(session, { commit, allowLocal: true });
  // A submodule is refused by the coverage rules, with its own message; a file a replace ref
  // changes on checkout is named by the verification hooks (what is signed is the stored object).
  const failed = report.files.filter((f) => f.state !== 'ok' && f.state !== 'local' && f.state !== 'submodule' && f.state !== 'replaced');
  const foreign: ForeignFile[] = [];
  for (const { path, changedBy, copiedBy, copiedFrom } of failed) {
    const from = changedBy ? await session.repo.remoteRefsContaining(changedBy) : [];
    foreign.push({
      path,
      ...(changedBy ? { changedBy } : {}),
      ...(copiedBy ? { copiedBy } : {}),
      ...(copiedFrom ? { copiedFrom } : {}),
      from,
    });
  }
  return { commit, foreign, noReflog: report.noReflog === true };
}

/**
 * Uncommitted release files (index or working tree) whose bytes came from a
 * commit this clone did not create and that no valid record vouches for —
 * after `merge --squash`, `checkout <rev> -- path`, `restore --source`: once
 * committed, a push of them is refused. With the nearest signed commits of
 * `head`, whose configuration decides a hook's mode.
 */
export async function foreignUncommitted(
  session: Session,
  head: string,
  paths: readonly string[],
): Promise<{ files: (ForeignFile & { changedBy: string })[]; signed: SignedCommit[] }> {
  const { repo } = session;
  const walk = await findSignedCommit({ ...session, start: head });
  if (paths.length === 0) return { files: [], signed: walk.found };
  const [staged, onDisk, tree, own] = await Promise.all([
    repo.stagedBlobs(paths),
    repo.worktreeBlobs(paths),
    repo.listTree(head),
    ownWork(repo),
  ]);
  const committed = new Map(tree.map((e) => [e.path, e.oid]));
  // What is committed at HEAD was verified as HEAD: only the bytes that differ from it are traced here.
  const blobsOf = new Map(
    paths.map((path) => [
      path,
      [...new Set([...(staged.get(path) ?? []), ...(onDisk.has(path) ? [onDisk.get(path)!] : [])])].filter(
        (b) => b !== committed.get(path),
      ),
    ]),
  );
  const blobs = new Map([...blobsOf.values()].flat().map((b) => [b, undefined] as const));
  const origins = await foreignOrigins(session, own, { start: head, blobs, signed: walk.found, selection: session.selection });
  const files: (ForeignFile & { changedBy: string })[] = [];
  for (const [path, oids] of blobsOf) {
    const origin = oids.map((b) => origins.get(b)).find(Boolean);
    if (!origin) continue;
    const from = await repo.remoteRefsContaining(origin.commit);
    files.push({ path, changedBy: origin.commit, ...(origin.path !== path ? { copiedFrom: origin.path } : {}), from });
  }
  return { files, signed: walk.found };
}

/** The command that signs reviewed foreign files deliberately. */
export function acceptCommand(commit: string, ref: SignRef, paths: readonly string[]): string {
  const quote = (p: string) => (/^[\w./@+-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`);
  return `kmssig sign --rev ${commit.slice(0, 12)} --ref ${ref.kind === 'tag' ? 'refs/tags/' : ''}${ref.name} ${paths.map((p) => `--accept ${quote(p)}`).join(' ')}`;
}

import type { CheckReport } from '../core/report.js';
import { selectFiles } from '../core/selectFiles.js';
import { check } from '../usecases/check.js';
import { foreignUncommitted, type ForeignFile } from '../usecases/noLaundering.js';
import type { Session } from '../usecases/session.js';
import type { VerifyHook } from './decisionKey.js';

export interface HookVerification {
  /** What was verified, in order: HEAD with the local-work rule, then (after a pull) the incoming tip, strictly. */
  reports: { label: string; report: CheckReport }[];
  failed: boolean;
  /** Uncommitted release files whose bytes came unsigned from a foreign commit: a push of them will be refused. */
  foreignUncommitted: (ForeignFile & { changedBy: string })[];
}

/**
 * DESIGN 3.1 for the verification hooks: HEAD with the user's unpushed work
 * exempt, plus, after a pull, the incoming tip with no exemption, so that a
 * pull from a URL outside any remote-tracking ref is covered too.
 */
export async function verifyAfter(session: Session, hook: VerifyHook, pulled: boolean): Promise<HookVerification> {
  const head = await session.repo.commitOf('HEAD');
  const main = await check(session, { commit: head, allowLocal: true });
  main.uncommitted = selectFiles(await session.repo.uncommittedPaths(), session.selection);
  // After merge --squash or a checkout of paths from another commit: say now what a push of them will do.
  const copies = main.uncommitted.length > 0 ? (await foreignUncommitted(session, head, main.uncommitted)).files : [];
  const reports = [{ label: `HEAD (${head.slice(0, 12)}) after ${hook}`, report: main }];
  if (hook === 'post-merge' && pulled) {
    const parents = await session.repo.parents(head);
    const incoming = parents.length >= 2 ? parents[1]! : head;
    // A fast-forward: HEAD is the pulled commit. Only files the first report found local need the strict rule
    // too (the pulled commit can hold the user's own bytes: a branch of theirs that the host merged).
    const alreadyStrict = incoming === head && !main.files.some((f) => f.state === 'local');
    if (!alreadyStrict)
      reports.push({ label: `pulled commit ${incoming.slice(0, 12)}`, report: await check(session, { commit: incoming }) });
  }
  return { reports, failed: reports.some((r) => r.report.status === 'fail'), foreignUncommitted: copies };
}

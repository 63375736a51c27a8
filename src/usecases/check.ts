import { allOk, compareFiles, isFailure } from '../core/compare.js';
import { withCoverage } from '../core/coverage.js';
import type { PolicyAt } from '../core/policy.js';
import type { SignatureRecord } from '../core/record.js';
import type { CheckReport } from '../core/report.js';
import type { Selection } from '../core/selectFiles.js';
import type { LoadedConfig } from '../config/loadConfig.js';
import type { DigestCache } from '../cache/digestCache.js';
import { KmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { findSignedCommit } from './findSignedCommit.js';
import type { NotesView } from './notesView.js';
import { treeFiles, worktreeFiles, type ReleaseFiles } from './releaseFiles.js';
import type { RecordVerifier } from './verifyRecord.js';

export type { PolicyAt } from '../core/policy.js';

export interface CheckContext {
  repo: Repo;
  notes: NotesView;
  /** The selection of the revision acted on (its own configuration, or the disk's for --worktree). */
  selection: Selection;
  /** Repository path of that configuration file. */
  configPath: string;
  /** The configuration in a commit's tree (DESIGN 3.4, rule 2). */
  configAt(commit: string): Promise<LoadedConfig | undefined>;
  /** The selection of a commit's own configuration; undefined when it has none. */
  selectionAt(commit: string): Promise<Selection | undefined>;
  /** What a record at a commit must satisfy, from the trust anchors (DESIGN 3.4, rule 3). */
  policyAt(commit: string): Promise<PolicyAt>;
  verifier: RecordVerifier;
  maxCommits: number;
  digestCache?: DigestCache;
}

export interface CheckOptions {
  /** The commit to verify (already resolved). */
  commit: string;
  /** Verify the files on disk instead of the commit's tree (strict). */
  worktree?: boolean;
  /** The local-work rule of DESIGN 3.1: the user's unpushed commits are exempt. */
  allowLocal?: boolean;
}

/** DESIGN 3: verify a revision, strictly, or with the local-work exemption. */
export async function check(ctx: CheckContext, options: CheckOptions): Promise<CheckReport> {
  const files = options.worktree
    ? await worktreeFiles(ctx.repo, ctx.selection)
    : await treeFiles(ctx.repo, options.commit, ctx.selection, ctx.digestCache);
  const report =
    options.allowLocal && !options.worktree
      ? await checkWithLocalWork(ctx, options.commit, files)
      : await strictCheck(ctx, options.commit, files, ctx.configPath, options.worktree === true);
  // Listed submodules fail and empty patterns warn, whatever the records say (DESIGN 3.2).
  return withCoverage(report, files);
}

async function strictCheck(
  ctx: CheckContext,
  commit: string,
  files: ReleaseFiles,
  configPath: string,
  worktree: boolean,
): Promise<CheckReport> {
  const covers = (record: SignatureRecord) => compareFiles(files.digests, record.files).every((f) => f.state === 'ok');
  const walk = await findSignedCommit({ ...ctx, start: commit, covers });
  const report: CheckReport = { status: 'fail', commit, worktree, files: [], bases: [], rejected: walk.rejected, uncommitted: [] };
  if (walk.found.length === 0) {
    if (walk.end === 'bound') throw new KmssigError('HISTORY', messages.walkBound(commit, ctx.maxCommits));
    if (walk.end === 'shallow') throw new KmssigError('HISTORY', messages.shallowHistory(commit));
    // History from before kmssig: no configuration here and nothing signed below.
    if (!files.digests.has(configPath) && walk.rejected.length === 0) return { ...report, status: 'quiet' };
    report.problem = walk.rejected.length > 0 ? messages.noCountingRecord(commit, walk.rejected.length) : messages.noSignedCommit(commit);
    report.files = [...files.digests.keys()].map((path) => ({ path, state: 'unsigned' }));
    return report;
  }
  // A merge can reach a signed commit on each side: any that covers the files passes; else the nearest is shown.
  const signed = walk.found.find((f) => covers(f.record)) ?? walk.found[0]!;
  report.signed = signed;
  report.files = compareFiles(files.digests, signed.record.files).map((f) => ({ ...f, signedCommit: signed.commit }));
  report.status = allOk(report.files) ? 'pass' : 'fail';
  return report;
}

/**
 * A commit with no configuration of its own: quiet when nothing below it is
 * signed (history from before kmssig), a failure when something is (the
 * configuration was removed, DESIGN 3.2).
 */
export async function checkWithoutConfig(ctx: Pick<CheckContext, 'repo' | 'notes'>, commit: string, max: number): Promise<CheckReport> {
  const report: CheckReport = { status: 'quiet', commit, worktree: false, files: [], bases: [], rejected: [], uncommitted: [] };
  if (ctx.notes.refs.size === 0) return report;
  for await (const { commit: c } of ctx.repo.history([`--max-count=${max}`, commit])) {
    if (ctx.notes.has(c)) return { ...report, status: 'fail', problem: messages.signaturesWithoutConfig(commit) };
  }
  return report;
}

/**
 * DESIGN 3.1 for a developer's clone: commits reachable from no
 * remote-tracking ref are the user's own. The remote-reachable commits they
 * build on are verified strictly, each with its own configuration; a file
 * whose content differs from all of them was changed by local work and is
 * reported as local.
 */
async function checkWithLocalWork(ctx: CheckContext, commit: string, files: ReleaseFiles): Promise<CheckReport> {
  const local = await ctx.repo.localCommits(commit, ctx.maxCommits);
  if (local.commits.length === 0) return strictCheck(ctx, commit, files, ctx.configPath, false);

  const report: CheckReport = { status: 'pass', commit, worktree: false, files: [], bases: [], rejected: [], uncommitted: [] };
  const baseFiles: { files: ReleaseFiles; report: CheckReport }[] = [];
  for (const base of local.boundary) {
    const selection = await ctx.selectionAt(base);
    const baseConfig = await ctx.configAt(base);
    const filesAtBase = selection
      ? await treeFiles(ctx.repo, base, selection, ctx.digestCache)
      : { digests: new Map(), blobs: new Map(), submodules: [], emptyPatterns: [] };
    const baseReport = baseConfig
      ? await strictCheck(ctx, base, filesAtBase, baseConfig.path, false)
      : await checkWithoutConfig(ctx, base, ctx.maxCommits);
    baseFiles.push({ files: filesAtBase, report: baseReport });
    report.bases.push({ commit: base, status: baseReport.status, signed: baseReport.signed });
    report.rejected.push(...baseReport.rejected);
    if (baseReport.status === 'fail') {
      report.status = 'fail';
      report.problem ??= baseReport.problem;
    }
  }
  // A file keeps the verdict of remote content that failed, even if local work
  // changed it since; otherwise it is ok where it equals a verified base, and
  // local where local work changed it.
  const paths = new Set([...files.digests.keys(), ...baseFiles.flatMap((b) => b.report.files.filter(isFailure).map((f) => f.path))]);
  for (const path of paths) {
    const failed = baseFiles.map((b) => b.report.files.find((f) => f.path === path && isFailure(f))).find(Boolean);
    const same = baseFiles.find((b) => b.report.status !== 'quiet' && b.files.digests.get(path) === files.digests.get(path));
    const verdict = failed ?? same?.report.files.find((f) => f.path === path);
    if (verdict) report.files.push(verdict);
    else if (files.digests.has(path)) report.files.push({ path, state: 'local' });
  }
  if (baseFiles.length > 0 && baseFiles.every((b) => b.report.status === 'quiet') && !files.digests.has(ctx.configPath))
    report.status = 'quiet';
  report.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return report;
}

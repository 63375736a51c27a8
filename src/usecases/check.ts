import { allOk, compareEntries, coversAll } from '../core/compare.js';
import { withCoverage } from '../core/coverage.js';
import { withReplacements } from '../core/replacements.js';
import type { Policy, PolicyAt } from '../core/policy.js';
import { sameEntry, signedEntry, type SignatureRecord } from '../core/record.js';
import type { CheckReport, FileReport } from '../core/report.js';
import type { Selection } from '../core/selectFiles.js';
import type { LoadedConfig } from '../config/loadConfig.js';
import type { DigestCache } from '../cache/digestCache.js';
import { KmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { findConfigRemoval } from './configRemoval.js';
import { findSignedCommit, latestSigned, rejectedRecords, type Superseded } from './findSignedCommit.js';
import { ownWork } from './ownWork.js';
import { judgeOwnership, originOf, type Ownership } from './provenance.js';
import type { NotesView } from './notesView.js';
import { treeFiles, worktreeFiles, type ReleaseFiles } from './releaseFiles.js';
import { replacedReleaseFiles } from './replacements.js';
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
  /** The policy of flags and pin alone (what the walk can refuse before reading any configuration). */
  anchors?: Policy;
  verifier: RecordVerifier;
  maxCommits: number;
  digestCache?: DigestCache;
}

export interface CheckOptions {
  /** The commit to verify (already resolved). */
  commit: string;
  /** Verify the files on disk instead of the commit's tree (strict). */
  worktree?: boolean;
  /** The local-work rule of DESIGN 3.1: the user's own changes are exempt (their own commits, with bytes from no foreign commit). */
  allowLocal?: boolean;
}

/**
 * DESIGN 3: verify a revision, strictly, or with the local-work exemption,
 * with the configuration of that revision (or the disk's, for --worktree).
 */
export async function check(ctx: CheckContext, options: CheckOptions): Promise<CheckReport> {
  const { commit } = options;
  const selection = options.worktree ? ctx.selection : await ctx.selectionAt(commit);
  const configPath = options.worktree ? ctx.configPath : (await ctx.configAt(commit))?.path;
  if (!selection || !configPath) return checkWithoutConfig(ctx, commit, ctx.maxCommits);
  const files = options.worktree ? await worktreeFiles(ctx.repo, selection) : await treeFiles(ctx.repo, commit, selection, ctx.digestCache);
  const report =
    options.allowLocal && !options.worktree
      ? await checkWithLocalWork(ctx, commit, files, configPath, selection)
      : await strictCheck(ctx, commit, files, configPath, options.worktree === true);
  // Listed submodules fail and empty patterns warn, whatever the records say (DESIGN 3.2).
  const covered = withCoverage(report, files);
  // Files on disk are what they are; a commit's files are what git stores, which a replace ref can swap on checkout.
  return options.worktree ? covered : withReplacements(covered, await replacedReleaseFiles(ctx.repo, commit, files.blobs));
}

async function strictCheck(
  ctx: CheckContext,
  commit: string,
  files: ReleaseFiles,
  configPath: string,
  worktree: boolean,
): Promise<CheckReport> {
  const covers = (record: SignatureRecord) => coversAll(files.entries, record);
  const walk = await findSignedCommit({ ...ctx, start: commit, covers });
  const report: CheckReport = { status: 'fail', commit, worktree, files: [], rejected: walk.rejected, uncommitted: [] };
  if (walk.found.length === 0) {
    if (walk.end === 'bound') throw new KmssigError('HISTORY', messages.walkBound(commit, ctx.maxCommits));
    if (walk.end === 'shallow') throw new KmssigError('HISTORY', messages.shallowHistory(commit));
    // History from before kmssig: no configuration here and nothing signed below.
    if (!files.entries.has(configPath) && walk.rejected.length === 0) return { ...report, status: 'quiet' };
    report.problem =
      walk.rejected.length > 0 ? messages.noCountingRecord(commit, rejectedRecords(walk.rejected)) : messages.noSignedCommit(commit);
    report.files = [...files.entries.keys()].map((path) => ({ path, state: 'unsigned' }));
    return withDiskNotes(report, files);
  }
  // No rollback: a signed commit that a newer found one descends from no longer counts.
  const { current, superseded } = await latestSigned(ctx.repo, walk.found);
  // A merge can reach a signed commit on each side: any that covers the files passes; else the nearest is shown.
  const signed = current.find((f) => covers(f.record)) ?? current[0]!;
  report.signed = signed;
  report.files = compareEntries(files.entries, signed.record).map((f) => ({ ...f, signedCommit: signed.commit }));
  report.status = allOk(report.files) ? 'pass' : 'fail';
  return withDiskNotes(withRollback(report, files, superseded), files);
}

/**
 * Names a rollback (DESIGN 3.1): a failing file whose entry is what a
 * superseded (older) signed commit signed, so the revision brought an old
 * signed state back over a newer one.
 */
function withRollback(report: CheckReport, files: ReleaseFiles, superseded: readonly Superseded[]): CheckReport {
  if (superseded.length === 0 || report.status !== 'fail') return report;
  const reverted: FileReport[] = [];
  report.files = report.files.map((f) => {
    const now = files.entries.get(f.path);
    if (f.state === 'ok' || f.state === 'local' || !now) return f;
    const older = superseded.find((s) => {
      const was = signedEntry(s.record, f.path);
      return was !== undefined && sameEntry(was, now) && s.by === f.signedCommit;
    });
    if (!older) return f;
    const marked = { ...f, revertsTo: older.commit };
    reverted.push(marked);
    return marked;
  });
  if (reverted.length > 0)
    report.problem ??= messages.rolledBack(
      reverted.map((f) => f.path),
      reverted[0]!.signedCommit!,
      reverted[0]!.revertsTo!,
    );
  return report;
}

/** --worktree: a path behind a symlinked folder was not read; its report says why it is missing. */
function withDiskNotes(report: CheckReport, files: ReleaseFiles): CheckReport {
  const behind = files.behindSymlinks;
  if (!behind || behind.size === 0) return report;
  report.files = report.files.map((f) => (behind.has(f.path) ? { ...f, behindSymlink: behind.get(f.path)! } : f));
  return report;
}

/**
 * A commit with no configuration of its own: quiet when nothing below it is
 * signed (history from before kmssig), a failure when something is (the
 * configuration was removed, DESIGN 3.2). Where the policy is pinned (this
 * clone's pin, or flags), a configuration that the history had and a later
 * commit removed is a failure even with no signatures left, since notes can
 * be deleted as easily as the file (DESIGN 3.4 item 6); either failure names
 * the removal.
 */
export async function checkWithoutConfig(
  ctx: Pick<CheckContext, 'repo' | 'notes'>,
  commit: string,
  max: number,
  options: { pinned?: boolean } = {},
): Promise<CheckReport> {
  const report: CheckReport = { status: 'quiet', commit, worktree: false, files: [], rejected: [], uncommitted: [] };
  const signedBelow = await hasNotedAncestor(ctx, commit, max);
  if (!signedBelow && !options.pinned) return report;
  const removal = await findConfigRemoval(ctx.repo, commit);
  if (signedBelow) return { ...report, status: 'fail', problem: messages.signaturesWithoutConfig(commit, removal) };
  return removal ? { ...report, status: 'fail', problem: messages.configRemoved(commit, removal) } : report;
}

async function hasNotedAncestor(ctx: Pick<CheckContext, 'repo' | 'notes'>, commit: string, max: number): Promise<boolean> {
  if (ctx.notes.refs.size === 0) return false;
  for await (const { commit: c } of ctx.repo.history([`--max-count=${max}`, commit])) if (ctx.notes.has(c)) return true;
  return false;
}

/**
 * DESIGN 3.1 for a developer's clone. A listed file passes when a valid
 * record of a nearest signed commit has it with this digest; else it is the
 * user's own change ("local, will be signed on push") when the commit that
 * last changed it (`git log -1 <commit> -- <path>`, which follows the side a
 * merge took it from) is the user's own work and its bytes came from no
 * foreign commit (usecases/provenance.ts); else it fails, naming the foreign
 * commit. The same verdict is pre-push's no-laundering gate. The reflogs are
 * read, and bytes traced, only for files no valid record covers.
 */
async function checkWithLocalWork(
  ctx: CheckContext,
  commit: string,
  files: ReleaseFiles,
  configPath: string,
  selection: Selection,
): Promise<CheckReport> {
  const covers = (record: SignatureRecord) => coversAll(files.entries, record);
  const walk = await findSignedCommit({ ...ctx, start: commit, covers });
  const report: CheckReport = { status: 'pass', commit, worktree: false, files: [], rejected: walk.rejected, uncommitted: [] };
  const judge = async (paths: string[]) => {
    const own = await ownWork(ctx.repo);
    if (own.noReflog) report.noReflog = true;
    return judgeOwnership(ctx, own, { commit, files, selection, signed: walk.found }, paths);
  };

  if (walk.found.length === 0) {
    if (walk.end === 'bound') throw new KmssigError('HISTORY', messages.walkBound(commit, ctx.maxCommits));
    if (walk.end === 'shallow') throw new KmssigError('HISTORY', messages.shallowHistory(commit));
    if (!files.entries.has(configPath) && walk.rejected.length === 0) return { ...report, status: 'quiet' };
    // Nothing signed below: adopting kmssig is the user's own configuration, and everything is signed on push.
    const adopting = walk.rejected.length === 0 && (await judge([configPath])).get(configPath)!.own;
    const verdicts = adopting ? new Map<string, Ownership>() : await judge([...files.entries.keys()]);
    for (const path of files.entries.keys()) {
      const verdict = verdicts.get(path);
      report.files.push(adopting || verdict!.own ? { path, state: 'local' } : { path, state: 'unsigned', ...originOf(verdict!) });
    }
    if (!allOk(report.files)) {
      report.status = 'fail';
      report.problem = walk.rejected.length > 0 ? messages.noCountingRecord(commit, walk.rejected.length) : messages.noSignedCommit(commit);
    }
    return report;
  }

  // No rollback: a signed commit that a newer found one descends from covers nothing here.
  const { current, superseded } = await latestSigned(ctx.repo, walk.found);
  const signed = current.find((f) => covers(f.record)) ?? current[0]!;
  report.signed = signed;
  const paths = [...new Set([...files.entries.keys(), ...Object.keys(signed.record.files)])].sort();
  const coveringOf = (path: string) => {
    const entry = files.entries.get(path);
    return entry === undefined
      ? undefined
      : current.find((f) => {
          const was = signedEntry(f.record, path);
          return was !== undefined && sameEntry(was, entry);
        });
  };
  const uncovered = paths.filter((path) => !coveringOf(path));
  // A listed file no longer listed by the user's own configuration change counts as the user's too.
  const removed = uncovered.some((path) => !files.entries.has(path));
  const verdicts = uncovered.length > 0 ? await judge([...uncovered, ...(removed ? [configPath] : [])]) : new Map<string, Ownership>();
  for (const path of paths) {
    const covering = coveringOf(path);
    if (covering) {
      report.files.push({ path, state: 'ok', signedCommit: covering.commit });
      continue;
    }
    const entry = files.entries.get(path);
    const verdict = verdicts.get(path)!;
    if (verdict.own || (entry === undefined && verdicts.get(configPath)!.own)) {
      report.files.push({ path, state: 'local' });
      continue;
    }
    const was = signedEntry(signed.record, path);
    const state = entry === undefined ? 'missing' : was !== undefined ? 'modified' : 'unsigned';
    const mode = entry && was && entry.mode !== was.mode ? { mode: { now: entry.mode, signed: was.mode } } : {};
    report.files.push({ path, state, ...mode, signedCommit: signed.commit, ...originOf(verdict) });
  }
  if (!allOk(report.files)) report.status = 'fail';
  const covering = current.filter((f) => f !== signed && report.files.some((r) => r.signedCommit === f.commit));
  if (covering.length > 0) report.covering = covering;
  return withRollback(report, files, superseded);
}

import { setTimeout as sleep } from 'node:timers/promises';
import { stripUserInfo } from '../core/context.js';
import { policyProblem, recordRef } from '../core/policy.js';
import { isZeroOid } from '../core/oid.js';
import type { PushUpdate, ResolvedUpdate } from '../core/pushLines.js';
import { resolvePolicy } from '../core/anchors.js';
import { selectFiles, type Selection } from '../core/selectFiles.js';
import { KmssigError } from '../errors.js';
import { fetchNotes, markNotesPublished, mergeNotes, NOTES_REF, notesPublished, pushNotes, remoteNotesRef } from '../git/notes.js';
import type { Repo } from '../git/repo.js';
import { messages, type Message } from '../messages.js';
import { acceptCommand, findForeignFiles } from '../usecases/noLaundering.js';
import type { Session } from '../usecases/session.js';
import { parseRef, signRelease, type SignOutcome, type SignTarget } from '../usecases/signRelease.js';

export interface PrePushResult {
  signed: number;
  alreadySigned: number;
  /** Commits of a range beyond the bound that were not signed (only the tip was). */
  capped: number;
  published: 'pushed' | 'up-to-date' | 'skipped' | 'outer-push';
}

export interface PrePushOptions {
  remote: string;
  url: string;
  updates: ResolvedUpdate[];
  info: (line: Message) => void;
  /** Attempts at publishing the notes when other pushers race us. */
  attempts?: number;
}

/**
 * pre-push (DESIGN 5): sign the listed files as they are in each pushed
 * commit's tree, for the remote ref, then publish refs/notes/kmssig to the
 * same remote, merging with whatever others published meanwhile.
 */
export async function prePush(session: Session, options: PrePushOptions): Promise<PrePushResult> {
  const { repo } = session;
  const targets: SignTarget[] = [];
  let capped = 0;
  let notesInPush = false;
  for (const update of options.updates) {
    if (update.remoteRef === NOTES_REF) notesInPush = true;
    if (isZeroOid(update.localSha)) continue; // a deletion signs nothing
    const ref = parseRef(update.remoteRef);
    // A review ref (Gerrit's refs/for/main) or any other ref is neither a branch nor a tag: say so, sign nothing.
    if (!ref && update.remoteRef !== NOTES_REF) options.info(messages.pushRefNotSigned(update.remoteRef));
    const commit = ref && update.commit;
    if (!ref || !commit) continue;
    // The pushed commit's own configuration, whatever is checked out (DESIGN 3.4, rule 2).
    const selection = await session.selectionAt(commit);
    if (!selection) continue;
    const range = ref.kind === 'tag' ? [] : await changedCommits(session, selection, commit, update, options.remote);
    const limit = (await session.configAt(commit))!.config.sign.maxCommitsPerPush;
    if (range.length > limit) capped += range.length - limit;
    for (const c of [commit, ...range.slice(0, limit)]) {
      const known = targets.find((t) => t.commit === c && t.ref.name === ref.name && t.ref.kind === ref.kind);
      // A commit that is also a pushed tip must be fully covered.
      if (!known) targets.push({ commit: c, ref, inRange: c !== commit });
      else if (c === commit) known.inRange = false;
    }
  }
  if (capped > 0) options.info(messages.rangeCapped(capped, session.loaded.config.sign.maxCommitsPerPush));
  const toSign = await refuseLaundering(session, targets, options.info);
  const outcomes = toSign.length > 0 ? await signRelease(session, toSign, { remoteUrl: options.url }) : [];
  for (const { commit, notCovered } of outcomes)
    if (notCovered) options.info(messages.rangeCommitNotCovered(commit, notCovered.submodules, notCovered.emptyPatterns));
  for (const o of outcomes) if (o.signed) await sayIfNotCounting(session, o, options.info);
  const signed = outcomes.filter((o) => o.signed).length;
  const result: PrePushResult = { signed, alreadySigned: outcomes.length - signed, capped, published: 'skipped' };
  if (outcomes.length === 0) return result;
  if (notesInPush) {
    // git fixed the notes value this push sends before the hook ran: new records would be left behind.
    if (signed > 0) throw new KmssigError('GIT', messages.notesInOuterPush(signed, stripUserInfo(options.remote)), { final: true });
    return { ...result, published: 'outer-push' };
  }
  if (signed === 0 && (await notesPublished(repo, options.remote))) return result;
  result.published = await publishNotes(repo, options.remote, options.attempts ?? 6);
  return result;
}

/**
 * DESIGN 3.1, no laundering: a push never signs foreign content that nobody
 * verified. Every commit it would sign is checked first; the hook never
 * accepts anything by itself, it names the command a person runs.
 */
async function refuseLaundering(session: Session, targets: readonly SignTarget[], info: (line: Message) => void): Promise<SignTarget[]> {
  const kept: SignTarget[] = [];
  for (const target of targets) {
    const { commit, ref, inRange } = target;
    // Decided once per commit, also when the commit is pushed to several refs.
    const verdict = await findForeignFiles(session, commit);
    const paths = verdict.foreign.map((f) => f.path);
    if (paths.length === 0) kept.push(target);
    // An older commit of the range with foreign content is left unsigned; a pushed tip blocks the push.
    else if (inRange) info(messages.rangeCommitForeign(commit, paths));
    else
      throw new KmssigError(
        'INVALID',
        messages.launderingBlocked('pre-push', commit, verdict.foreign, verdict.noReflog, acceptCommand(commit, ref, paths)),
      );
  }
  return kept;
}

/**
 * A record pre-push just made that its own policy would reject (the alias now
 * names a key verify.keys does not list, a pinned context it lacks): one line,
 * so the push does not look signed to someone whose verification will fail.
 */
async function sayIfNotCounting(session: Session, outcome: SignOutcome, info: (line: Message) => void): Promise<void> {
  const { commit, record } = outcome;
  const ref = recordRef(record);
  const config = (await session.configAt(commit))?.config;
  const problem = policyProblem(record, resolvePolicy({}, session.pin, config, ref ? [ref] : []), commit);
  if (problem) info(messages.recordNotCounting(commit, ref ?? '', problem));
}

/** Commits of the pushed range (not yet on the remote) whose diff touches a listed file, newest first. */
async function changedCommits(session: Session, selection: Selection, tip: string, update: PushUpdate, remote: string): Promise<string[]> {
  const { repo } = session;
  const known = !isZeroOid(update.remoteSha) && (await repo.hasCommit(update.remoteSha));
  // A URL pushed to directly has no tracking refs of its own: then every remote's count as published.
  const exclude = known ? { commit: update.remoteSha } : { remote: /^[A-Za-z0-9._-]+$/.test(remote) ? remote : undefined };
  // Names are for matching only: a release file with a bad name fails where it is hashed, naming it.
  const changed = await repo.changedPathsSince(tip, exclude);
  return changed.filter(({ commit, paths }) => commit !== tip && selectFiles(paths, selection).length > 0).map(({ commit }) => commit);
}

/** Push the notes; when another pusher got there first, fetch, merge (cat_sort_uniq) and retry with jitter. */
async function publishNotes(repo: Repo, remote: string, attempts: number): Promise<'pushed' | 'up-to-date'> {
  for (let attempt = 1; ; attempt++) {
    if (await fetchNotes(repo, remote)) await mergeNotes(repo, remoteNotesRef(remote));
    const outcome = await pushNotes(repo, remote);
    if (outcome !== 'rejected') {
      await markNotesPublished(repo, remote);
      return outcome;
    }
    if (attempt >= attempts) throw new KmssigError('GIT', messages.notesPushRaced(stripUserInfo(remote), attempts));
    await sleep(50 * attempt + Math.floor(Math.random() * 250 * attempt));
  }
}

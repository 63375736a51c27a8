import type { LineCache } from '../cache/lineCache.js';
import { configKmsNote } from '../config/kmsLocation.js';
import { loadConfig, type LoadedConfig } from '../config/loadConfig.js';
import { DEFAULT_MAX_COMMITS } from '../config/schema.js';
import { stripUserInfo } from '../core/context.js';
import type { HookName, VerifyHook } from '../core/hookNames.js';
import { isZeroOid } from '../core/oid.js';
import type { PushUpdate, ResolvedUpdate } from '../core/pushLines.js';
import { hookMode, type HookMode, type Pin } from '../core/anchors.js';
import { errorLines, isKmssigError, KmssigError } from '../errors.js';
import { fetchNotes, noteRefs, remoteNotesRef } from '../git/notes.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { checkWithoutConfig } from '../usecases/check.js';
import { commitSource } from '../usecases/configAt.js';
import { findForeignFiles, foreignUncommitted } from '../usecases/noLaundering.js';
import { keepRemoteNotes, type NotesLoss } from '../usecases/notesMemory.js';
import { loadNotes } from '../usecases/notesView.js';
import { readPin } from '../usecases/pin.js';
import { openSession, type Session } from '../usecases/session.js';
import { hookDeadlineMs, kmsTimeoutMs } from '../usecases/timeouts.js';
import { hookDecisionKey, prePushDecisionKey, readState } from './decisionKey.js';
import { createLines, type HookOutcome, type Lines } from './hookOutcome.js';
import { fetchAllNotes } from './installHooks.js';
import { prePush } from './prePush.js';
import { isFailure } from '../core/compare.js';
import { selectFiles } from '../core/selectFiles.js';
import { verifyAfter } from './verifyAfter.js';

/** What the fast path (hookEntry.ts) already did: the decision cache, whether this was a pull, pre-push's standard input. */
export interface HookRun {
  args: string[];
  input: string;
  /** pre-push's ref lines, as hookEntry parsed them. */
  updates: PushUpdate[];
  env: NodeJS.ProcessEnv;
  decisions: LineCache;
  pulled: boolean;
}

interface Ran {
  code: number;
  mode: HookMode;
}

/**
 * The coordinator of a hook once the fast path had no answer: it decides the
 * mode once, runs pre-push or the verification, and returns what happened.
 * What it does on a failure (block, warn, off) comes from this clone's pin or
 * the configuration of a signed commit, never from the commit verified (DESIGN 3.4).
 */
export async function runHook(repo: Repo, hook: HookName, run: HookRun): Promise<HookOutcome> {
  const say = createLines();
  const pin = await readPin(repo);
  // What the hook does if it fails before it knows more: the pin's choice, else block.
  let mode = hookMode(hook, pin, undefined);
  const known = (m: HookMode) => (mode = m);
  try {
    const ran = hook === 'pre-push' ? await runPrePush(repo, run, say, pin, known) : await runVerify(repo, hook, run, say, pin);
    if (ran.mode === 'warn' && ran.code !== 0) return warned(say, hook, ran.mode);
    return { ...ran, lines: say.lines };
  } catch (error) {
    const failure = couldNot(hook, error);
    if (mode !== 'warn') return { code: 0, mode, lines: say.lines, error: failure };
    say.error(errorLines(failure));
    return warned(say, hook, mode);
  }
}

function warned(say: Lines, hook: string, mode: HookMode): HookOutcome {
  say.warn(messages.hookWarnOnly(hook));
  return { code: 0, mode, lines: say.lines };
}

/**
 * A hook that could not do its work says which hook, what was left
 * undone and what to do next (KMS, network, git, history), keeping the
 * error's exit code; other errors already say so.
 */
function couldNot(hook: HookName, error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  // Messages that already name kmssig and say what to do stay as they are.
  if (!(error instanceof KmssigError) || !['KMS', 'GIT', 'HISTORY'].includes(error.code) || error.final) return error;
  const why = error.message;
  return new KmssigError(error.code, hook === 'pre-push' ? messages.hookCouldNotSign(why) : messages.hookCouldNotVerify(hook, why), {
    cause: error,
  });
}

/** A session as every hook wires it: caches on, one short deadline for every KMS call. */
function hookSession(
  repo: Repo,
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  extra: { commit: string; pin: Pin | undefined; targetRefs?: string[] },
) {
  const deadline = hookDeadlineMs(env);
  return openSession({
    repo,
    loaded,
    env,
    keys: [],
    refs: [],
    publicKeys: [],
    timeoutMs: Math.min(kmsTimeoutMs(env) ?? deadline, deadline),
    deadlineMs: deadline,
    cache: true,
    commit: extra.commit,
    pinned: { pin: extra.pin },
    targetRefs: extra.targetRefs,
  });
}

async function runPrePush(repo: Repo, run: HookRun, say: Lines, pin: Pin | undefined, known: (mode: HookMode) => void): Promise<Ran> {
  const [remote = '', url = ''] = run.args;
  // Each pushed object resolved once, for the whole run (a deletion names none).
  const updates: ResolvedUpdate[] = await Promise.all(
    run.updates.map(async (u) => ({ ...u, commit: isZeroOid(u.localSha) ? undefined : await repo.resolveCommit(u.localSha) })),
  );
  // The session is wired with the configuration of the first pushed commit that has one; each commit is then signed with its own.
  let loaded: LoadedConfig | undefined;
  let tip: string | undefined;
  for (const update of updates) {
    tip = update.commit;
    if (tip && (loaded = await loadConfig(commitSource(repo, tip)))) break;
  }
  if (!loaded || !tip) return { code: 0, mode: 'block' };
  const session = await hookSession(repo, loaded, run.env, { commit: tip, pin });
  const mode = await prePushMode(session, tip, loaded);
  known(mode);
  if (mode === 'off') return { code: 0, mode };
  const result = await prePush(session, { remote, url, updates, info: say.info });
  // git hands a URL as the remote's name when one is pushed to directly: never show its credentials.
  if (result.signed > 0) say.info(messages.prePushSigned(result.signed, stripUserInfo(remote), result.published));
  // It signed through the KMS of the environment, not one the configuration names (DESIGN 3.4, rule 9).
  const note = result.signed > 0 ? configKmsNote(loaded) : undefined;
  if (note) say.info(note);
  // Everything is signed and published now: the same push again can return at once.
  await run.decisions.add(prePushDecisionKey(await readState(repo), remote, run.input));
  return { code: 0, mode };
}

/**
 * pre-push's mode: the pin's, else the pushed commit's configuration — which
 * counts only where that configuration is the user's own change or signed: one
 * that came from outside unverified never relaxes the hook (DESIGN 3.4).
 */
async function prePushMode(session: Session, tip: string, loaded: LoadedConfig): Promise<HookMode> {
  const mode = hookMode('pre-push', session.pin, loaded.config);
  if (mode === 'block' || session.pin?.hooks['pre-push']) return mode;
  // The same verdict the no-laundering gate reads next (decided once per commit).
  const { foreign } = await findForeignFiles(session, tip).catch(() => ({ foreign: [{ path: loaded.path }] }));
  return foreign.some((f) => f.path === loaded.path) ? 'block' : mode;
}

async function runVerify(repo: Repo, hook: VerifyHook, run: HookRun, say: Lines, pin: Pin | undefined): Promise<Ran> {
  if (!(await repo.hasCommits())) return { code: 0, mode: 'block' };
  if (hook === 'post-checkout' && isZeroOid(run.args[0] ?? '')) {
    // A fresh clone: its notes were not fetched with it.
    const remote = (await repo.remotes())[0];
    if (remote && !(await repo.resolve(remoteNotesRef(remote)))) await fetchNotes(repo, remote).catch(() => false);
  }
  // Records a remote's notes lost since this clone read them are kept before anything reads the notes.
  const losses = await keepRemoteNotes(repo);
  const head = await repo.commitOf('HEAD');
  // A checkout of paths (`git checkout <rev> -- path`, `git restore --source`) leaves HEAD as it was verified.
  if (hook === 'post-checkout' && run.args[2] === '0')
    return withLosses(await reportCopies(repo, head, run, say, pin, losses), losses, say);
  let loaded: LoadedConfig | undefined;
  let ran: Ran;
  try {
    loaded = await loadConfig(commitSource(repo, head));
  } catch (error) {
    // A configuration that is refused (code, $import) or broken is itself an unverified release file.
    if (!isKmssigError(error, 'CONFIG')) throw error;
    say.error(messages.hookBanner(hook, `HEAD (${head.slice(0, 12)})`));
    say.error(error.lines);
    say.error(messages.hookFailed(hook));
    return withLosses({ code: 1, mode: hookMode(hook, pin, undefined) }, losses, say);
  }
  if (!loaded) ran = await verifyWithoutConfig(repo, head, hook, say, hookMode(hook, pin, undefined), pin !== undefined);
  else ran = await verifyWithConfig(repo, loaded, hook, run, say, pin, losses);
  return withLosses(ran, losses, say);
}

/** Notes that lost records this clone had are a failure of the hook that finds it, unless the hook is off. */
function withLosses(ran: Ran, losses: readonly NotesLoss[], say: Lines): Ran {
  if (losses.length === 0 || ran.mode === 'off') return ran;
  for (const loss of losses) say.error(messages.notesLost(loss.remote, loss.lost, loss.deleted));
  return { ...ran, code: 1 };
}

/**
 * After a checkout of paths: HEAD did not move, so only what the checkout
 * wrote is news. Release files whose bytes came unsigned from a foreign
 * commit get one line each, saying that a push of them will be refused
 * (DESIGN 3.1); a configuration at HEAD that cannot be read was reported
 * when HEAD was checked out.
 */
async function reportCopies(repo: Repo, head: string, run: HookRun, say: Lines, pin: Pin | undefined, losses: NotesLoss[]): Promise<Ran> {
  const loaded = await loadConfig(commitSource(repo, head)).catch(() => undefined);
  if (!loaded) return { code: 0, mode: hookMode('post-checkout', pin, undefined) };
  const session = await hookSession(repo, loaded, run.env, { commit: head, pin, targetRefs: await repo.refsOf('HEAD', head) });
  const paths = selectFiles(await repo.uncommittedPaths(), session.selection);
  let { files, signed } = await foreignUncommitted(session, head, paths);
  if (files.length > 0 && (await refreshNotes(repo))) {
    // `git fetch origin pull/8/head` fetches no notes: the bytes may have a record this clone has not read yet.
    losses.push(...(await keepRemoteNotes(repo)));
    session.notes = await loadNotes(repo);
    ({ files, signed } = await foreignUncommitted(session, head, paths));
  }
  // As after any checkout: the mode of the nearest signed commit's configuration, unless pinned.
  const mode = hookMode('post-checkout', session.pin, signed[0] ? (await session.configAt(signed[0].commit))?.config : undefined);
  if (mode !== 'off') for (const file of files) say.warn(messages.hookUncommittedForeign(file));
  return { code: 0, mode };
}

async function verifyWithConfig(
  repo: Repo,
  loaded: LoadedConfig,
  hook: VerifyHook,
  run: HookRun,
  say: Lines,
  pin: Pin | undefined,
  losses: NotesLoss[],
): Promise<Ran> {
  const { pulled, decisions } = run;
  // A squash (`pull --squash`) leaves HEAD where it was: what it brought is uncommitted, and traced as such.
  const incoming = pulled && !(hook === 'post-merge' && run.args[0] === '1');
  // The key of what is verified now (after any fetch below); a clean pass is stored under it.
  const decisionKey = async () => hookDecisionKey(await readState(repo), hook, pulled);
  let key = await decisionKey();
  const head = await repo.commitOf('HEAD');
  const session = await hookSession(repo, loaded, run.env, { commit: head, pin, targetRefs: await repo.refsOf('HEAD', head) });
  let verification = await verifyAfter(session, hook, incoming);
  if ((verification.failed || verification.foreignUncommitted.length > 0) && (await refreshNotes(repo))) {
    // `git pull origin main` (or `--squash`) fetches only the ref it names, not the notes refspec: fetch the notes, then decide.
    losses.push(...(await keepRemoteNotes(repo)));
    session.notes = await loadNotes(repo);
    key = await decisionKey();
    verification = await verifyAfter(session, hook, incoming);
  }
  // The mode is the one of the nearest signed commit's configuration (someone with signing rights signed it), unless pinned.
  const main = verification.reports[0]!.report;
  const signedCommit = main.signed?.commit;
  const mode = hookMode(hook, session.pin, signedCommit ? (await session.configAt(signedCommit))?.config : undefined);
  if (mode === 'off') return { code: 0, mode };
  // First use pinned nothing here (DESIGN 3.4, rule 9): whatever passes, passes under the signed configuration alone.
  if (!session.pin && verification.reports.some(({ report }) => report.status !== 'quiet')) say.warn(messages.hookNothingPinned());
  const loud = verification.failed;
  // A file that failed in one report (what a pull from a URL brought in) is never also called local work.
  const failedPaths = new Set(verification.reports.flatMap(({ report }) => report.files.filter(isFailure).map((f) => f.path)));
  for (const { label, report } of verification.reports) {
    if (report.status === 'quiet') continue;
    if (report.status === 'fail') {
      say.error(messages.hookBanner(hook, label));
      say.report(report, label);
      continue;
    }
    // A pass says only what is worth knowing: the user's own local and uncommitted changes.
    for (const f of report.files) if (f.state === 'local' && !failedPaths.has(f.path)) say.info(messages.hookLocalFile(f.path));
    for (const path of report.uncommitted) {
      const copy = verification.foreignUncommitted.find((f) => f.path === path);
      if (copy) say.warn(messages.hookUncommittedForeign(copy));
      else say.info(messages.hookUncommittedFile(path));
    }
  }
  if (loud) {
    say.error(messages.hookFailed(hook));
    return { code: 1, mode };
  }
  const clean = verification.reports.every(({ report }) => report.files.every((f) => f.state === 'ok') && report.uncommitted.length === 0);
  if (clean && losses.length === 0) await decisions.add(key);
  return { code: 0, mode };
}

/** Fetches every remote's notes; true when a notes ref changed. */
async function refreshNotes(repo: Repo): Promise<boolean> {
  const before = JSON.stringify([...(await noteRefs(repo))]);
  await fetchAllNotes(repo);
  return JSON.stringify([...(await noteRefs(repo))]) !== before;
}

/**
 * DESIGN 3.1/3.2: no configuration is quiet (history from before kmssig),
 * unless signatures exist below HEAD or, in a pinned clone, the history had a
 * configuration that a commit removed (DESIGN 3.4 item 6).
 */
async function verifyWithoutConfig(repo: Repo, head: string, hook: VerifyHook, say: Lines, mode: HookMode, pinned: boolean): Promise<Ran> {
  if (mode === 'off') return { code: 0, mode };
  const report = await checkWithoutConfig({ repo, notes: await loadNotes(repo) }, head, DEFAULT_MAX_COMMITS, { pinned });
  if (report.status !== 'fail') return { code: 0, mode };
  say.error(messages.hookBanner(hook, `HEAD (${head.slice(0, 12)})`));
  say.error({ level: 'error', text: report.problem ?? messages.signaturesWithoutConfig(head) });
  say.error(messages.hookFailed(hook));
  return { code: 1, mode };
}

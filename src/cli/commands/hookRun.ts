import { loadConfig, type LoadedConfig } from '../../config/loadConfig.js';
import { DEFAULT_MAX_COMMITS, type HookName } from '../../config/schema.js';
import { stripUserInfo } from '../../core/context.js';
import { parsePushLines } from '../../core/pushLines.js';
import { hookMode, type HookMode, type Pin } from '../../core/trust.js';
import { isKmssigError, KmssigError } from '../../errors.js';
import type { Repo } from '../../git/repo.js';
import { fetchNotes, noteRefs, remoteNotesRef } from '../../git/notes.js';
import { fetchAllNotes } from '../../hooks/installHooks.js';
import { prePush } from '../../hooks/prePush.js';
import { verifyAfter } from '../../hooks/verifyAfter.js';
import { hookDecisionKey, prePushDecisionKey, readState, type VerifyHook } from '../../hooks/decisionKey.js';
import type { LineCache } from '../../cache/lineCache.js';
import { checkWithoutConfig } from '../../usecases/check.js';
import { commitSource } from '../../usecases/configAt.js';
import { findForeignFiles } from '../../usecases/noLaundering.js';
import { loadNotes } from '../../usecases/notesView.js';
import { ownWork } from '../../usecases/ownWork.js';
import { readPin } from '../../usecases/pin.js';
import type { Session } from '../../usecases/session.js';
import { messages } from '../../messages.js';
import { requirePositionals, type CommandSpec } from '../args.js';
import { printHuman } from '../format/human.js';
import { isFailure } from '../format/stateText.js';
import { createOutput, errorLines, type Io, type Output } from '../io.js';
import { sessionFromFlags } from '../project.js';

// pre-push's own arguments, for the usage error when git did not pass them.
const prePushSpec: CommandSpec = { name: 'hook', usage: 'kmssig hook pre-push <remote> <url>', summary: '', options: {} };

/** What the fast path already did: the decision cache, whether this was a pull, pre-push's standard input. */
export interface HookState {
  decisions: LineCache;
  pulled: boolean;
  input: string;
}

/**
 * What a hook does once the fast path had no answer (see hook.ts). What it
 * does on a failure (block, warn, off) comes from this clone's pin or the
 * configuration of a signed commit, never from the commit verified (DESIGN 3.4).
 */
export async function runHook(repo: Repo, hook: HookName, args: string[], io: Io, state: HookState): Promise<number> {
  const out = createOutput(io);
  const pinned = { pin: await readPin(repo) };
  const { pin } = pinned;
  // What the hook does if it fails before it knows more: the pin's choice, else block.
  const known: { mode: HookMode } = { mode: hookMode(hook, pin, undefined) };
  try {
    const result =
      hook === 'pre-push'
        ? await runPrePush(repo, args, io, out, state, known, pinned)
        : await runVerify(repo, hook, args, io, out, state, pinned);
    return result.mode === 'warn' && result.code !== 0 ? warned(out, hook) : result.code;
  } catch (error) {
    const failure = couldNot(hook, error);
    if (known.mode !== 'warn') throw failure;
    out.error(errorLines(failure));
    return warned(out, hook);
  }
}

/**
 * A hook that could not do its work says which hook, what was left
 * undone and what to do next (KMS, network, git, history), keeping the
 * error's exit code; other errors already say so.
 */
function couldNot(hook: HookName, error: unknown): unknown {
  // Messages that already name kmssig and say what to do stay as they are.
  if (!(error instanceof KmssigError) || !['KMS', 'GIT', 'HISTORY'].includes(error.code) || error.final) return error;
  const why = error.message;
  return new KmssigError(error.code, hook === 'pre-push' ? messages.hookCouldNotSign(why) : messages.hookCouldNotVerify(hook, why), {
    cause: error,
  });
}

function warned(out: Output, hook: string): number {
  out.warn(messages.hookWarnOnly(hook));
  return 0;
}

interface HookResult {
  code: number;
  mode: HookMode;
}

async function runPrePush(
  repo: Repo,
  args: string[],
  io: Io,
  out: Output,
  { decisions, input }: HookState,
  known: { mode: HookMode },
  pinned: { pin: Pin | undefined },
): Promise<HookResult> {
  const [remote, url] = requirePositionals(prePushSpec, args, ['remote', 'url']) as [string, string];
  const updates = parsePushLines(input);
  // The session is wired with the configuration of the first pushed commit that has one; each commit is then signed with its own.
  let loaded: LoadedConfig | undefined;
  let tip: string | undefined;
  for (const update of updates) {
    tip = (await repo.git.maybe(['rev-parse', '--verify', '--quiet', `${update.localSha}^{commit}`]))?.trim();
    if (tip && (loaded = await loadConfig(commitSource(repo, tip)))) break;
  }
  if (!loaded || !tip) return { code: 0, mode: 'block' };
  const session = await sessionFromFlags(repo, loaded, {}, io, { cache: true, hook: true, commit: tip, pinned });
  const mode = await prePushMode(session, tip, loaded);
  known.mode = mode;
  if (mode === 'off') return { code: 0, mode };
  const result = await prePush(session, { remote, url, updates, info: (l) => out.info(l) });
  // git hands a URL as the remote's name when one is pushed to directly: never show its credentials.
  if (result.signed > 0) out.info(messages.prePushSigned(result.signed, stripUserInfo(remote), result.published));
  // Everything is signed and published now: the same push again can return at once.
  await decisions.add(prePushDecisionKey(await readState(repo), remote, input));
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
  const by = await session.repo.lastChange(tip, loaded.path);
  if (by && (await ownWork(session.repo, tip, session.maxCommits)).isOwn(by)) return mode;
  const { foreign } = await findForeignFiles(session, tip).catch(() => ({ foreign: [{ path: loaded.path }] }));
  return foreign.some((f) => f.path === loaded.path) ? 'block' : mode;
}

async function runVerify(
  repo: Repo,
  hook: VerifyHook,
  args: string[],
  io: Io,
  out: Output,
  state: HookState,
  pinned: { pin: Pin | undefined },
): Promise<HookResult> {
  const { pin } = pinned;
  if (!(await repo.hasCommits())) return { code: 0, mode: 'block' };
  if (hook === 'post-checkout' && /^0+$/.test(args[0] ?? '')) {
    // A fresh clone: its notes were not fetched with it.
    const remote = (await repo.remotes())[0];
    if (remote && !(await repo.git.maybe(['rev-parse', '--verify', '--quiet', remoteNotesRef(remote)])))
      await fetchNotes(repo, remote).catch(() => false);
  }
  const head = await repo.commitOf('HEAD');
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig(commitSource(repo, head));
  } catch (error) {
    // A configuration that is refused (code, $import) or broken is itself an unverified release file.
    if (!isKmssigError(error, 'CONFIG')) throw error;
    out.error(messages.hookBanner(hook, `HEAD (${head.slice(0, 12)})`));
    out.error(error.lines);
    out.error(messages.hookFailed(hook));
    return { code: 1, mode: hookMode(hook, pin, undefined) };
  }
  if (!loaded) return verifyWithoutConfig(repo, head, out, hookMode(hook, pin, undefined));
  return verifyWithConfig(repo, loaded, hook, io, out, state, pinned);
}

async function verifyWithConfig(
  repo: Repo,
  loaded: LoadedConfig,
  hook: VerifyHook,
  io: Io,
  out: Output,
  { pulled, decisions }: HookState,
  pinned: { pin: Pin | undefined },
): Promise<HookResult> {
  // The key of what is verified now (after any fetch above); a clean pass is stored under it.
  const decisionKey = async () => hookDecisionKey(await readState(repo), hook, pulled);
  let key = await decisionKey();
  const head = await repo.commitOf('HEAD');
  const session = await sessionFromFlags(repo, loaded, {}, io, {
    cache: true,
    hook: true,
    commit: head,
    pinned,
    targetRefs: await repo.refsOf('HEAD', head),
  });
  let verification = await verifyAfter(session, hook, pulled);
  if (verification.failed && (await refreshNotes(repo))) {
    // `git pull origin main` fetches only the ref it names, not the notes refspec: fetch the notes, then decide.
    session.notes = await loadNotes(repo);
    key = await decisionKey();
    verification = await verifyAfter(session, hook, pulled);
  }
  // The mode is the one of the nearest signed commit's configuration (someone with signing rights signed it), unless pinned.
  const main = verification.reports[0]!.report;
  const signedCommit = main.signed?.commit;
  const mode = hookMode(hook, session.pin, signedCommit ? (await session.configAt(signedCommit))?.config : undefined);
  if (mode === 'off') return { code: 0, mode };
  const loud = verification.failed;
  // A file that failed in one report (what a pull from a URL brought in) is never also called local work.
  const failedPaths = new Set(verification.reports.flatMap(({ report }) => report.files.filter(isFailure).map((f) => f.path)));
  for (const { label, report } of verification.reports) {
    if (report.status === 'quiet') continue;
    if (report.status === 'fail') {
      out.error(messages.hookBanner(hook, label));
      printHuman(report, { ...out, result: (line) => out.info(line) }, label);
      continue;
    }
    // A pass says only what is worth knowing: the user's own local and uncommitted changes.
    for (const f of report.files) if (f.state === 'local' && !failedPaths.has(f.path)) out.info(messages.hookLocalFile(f.path));
    for (const path of report.uncommitted) out.info(messages.hookUncommittedFile(path));
  }
  if (loud) {
    out.error(messages.hookFailed(hook));
    return { code: 1, mode };
  }
  const clean = verification.reports.every(({ report }) => report.files.every((f) => f.state === 'ok') && report.uncommitted.length === 0);
  if (clean) await decisions.add(key);
  return { code: 0, mode };
}

/** Fetches every remote's notes; true when a notes ref changed. */
async function refreshNotes(repo: Repo): Promise<boolean> {
  const before = JSON.stringify([...(await noteRefs(repo))]);
  await fetchAllNotes(repo);
  return JSON.stringify([...(await noteRefs(repo))]) !== before;
}

/** DESIGN 3.1/3.2: no configuration is quiet, unless signatures exist below HEAD (the configuration was removed). */
async function verifyWithoutConfig(repo: Repo, head: string, out: Output, mode: HookMode): Promise<HookResult> {
  const report = await checkWithoutConfig({ repo, notes: await loadNotes(repo) }, head, DEFAULT_MAX_COMMITS);
  if (report.status !== 'fail') return { code: 0, mode };
  out.error({ level: 'error', text: messages.signaturesWithoutConfig(head) });
  return { code: 1, mode };
}

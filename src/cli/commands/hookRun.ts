import { loadConfig, type LoadedConfig } from '../../config/loadConfig.js';
import type { HookName } from '../../config/schema.js';
import { stripUserInfo } from '../../core/context.js';
import { parsePushLines } from '../../core/pushLines.js';
import { KmssigError } from '../../errors.js';
import { Repo } from '../../git/repo.js';
import { fetchNotes, noteRefs, remoteNotesRef } from '../../git/notes.js';
import { fetchAllNotes } from '../../hooks/installHooks.js';
import { prePush } from '../../hooks/prePush.js';
import { verifyAfter } from '../../hooks/verifyAfter.js';
import { hookDecisionKey, prePushDecisionKey, type VerifyHook } from '../../hooks/decisionKey.js';
import type { LineCache } from '../../cache/lineCache.js';
import { loadNotes } from '../../usecases/notesView.js';
import { messages } from '../../messages.js';
import { requirePositionals, type CommandSpec } from '../args.js';
import { printHuman } from '../format/human.js';
import { isFailure } from '../format/stateText.js';
import { createOutput, type Io, type Output } from '../io.js';
import { sessionFromFlags } from '../project.js';

// pre-push's own arguments, for the usage error when git did not pass them.
const prePushSpec: CommandSpec = { name: 'hook', usage: 'kmssig hook pre-push <remote> <url>', summary: '', options: {} };

/** What a hook does once the fast path had no answer (see hook.ts). */
/** What the fast path already did: the decision cache, whether this was a pull, pre-push's standard input. */
export interface HookState {
  decisions: LineCache;
  pulled: boolean;
  input: string;
}

export async function runHook(repo: Repo, hook: HookName, args: string[], io: Io, state: HookState): Promise<number> {
  const out = createOutput(io);
  const loaded = await loadConfig(repo.root);
  if (!loaded) return hook === 'pre-push' ? 0 : verifyWithoutConfig(repo, out);
  const mode = loaded.config.hooks[hook];
  if (mode === 'off') return 0;
  try {
    const code =
      hook === 'pre-push'
        ? await runPrePush(repo, loaded, args, io, out, state)
        : await runVerify(repo, loaded, hook, args, io, out, state);
    return mode === 'warn' && code !== 0 ? warned(out, hook) : code;
  } catch (error) {
    if (mode !== 'warn') throw error;
    out.error(error instanceof KmssigError && error.message.startsWith('✖') ? error.message : `✖ ${(error as Error).message}`);
    return warned(out, hook);
  }
}

function warned(out: Output, hook: string): number {
  out.warn(messages.hookWarnOnly(hook));
  return 0;
}

async function runPrePush(
  repo: Repo,
  loaded: LoadedConfig,
  args: string[],
  io: Io,
  out: Output,
  { decisions, input }: HookState,
): Promise<number> {
  const [remote, url] = requirePositionals(prePushSpec, args, ['remote', 'url']) as [string, string];
  const session = await sessionFromFlags(repo, loaded, {}, io);
  const result = await prePush(session, { remote, url, updates: parsePushLines(input), info: (l) => out.info(l) });
  // git hands a URL as the remote's name when one is pushed to directly: never show its credentials.
  if (result.signed > 0) out.info(messages.prePushSigned(result.signed, stripUserInfo(remote), result.published));
  // Everything is signed and published now: the same push again can return at once.
  await decisions.add(await prePushDecisionKey(repo, remote, input));
  return 0;
}

async function runVerify(
  repo: Repo,
  loaded: LoadedConfig,
  hook: VerifyHook,
  args: string[],
  io: Io,
  out: Output,
  { pulled, decisions }: HookState,
): Promise<number> {
  if (hook === 'post-checkout' && /^0+$/.test(args[0] ?? '')) {
    // A fresh clone: its notes were not fetched with it.
    const remote = (await repo.remotes())[0];
    if (remote && !(await repo.git.maybe(['rev-parse', '--verify', '--quiet', remoteNotesRef(remote)])))
      await fetchNotes(repo, remote).catch(() => false);
  }
  // The key of what is verified now (after any fetch above); a clean pass is stored under it.
  const decisionKey = () => hookDecisionKey(repo, hook, pulled);
  let key = await decisionKey();

  const session = await sessionFromFlags(repo, loaded, {}, io);
  let verification = await verifyAfter(session, hook, pulled);
  if (verification.failed && (await refreshNotes(repo))) {
    // `git pull origin main` fetches only the ref it names, not the notes refspec: fetch the notes, then decide.
    session.notes = await loadNotes(repo);
    key = await decisionKey();
    verification = await verifyAfter(session, hook, pulled);
  }
  const loud = verification.failed;
  // A file that failed in one report (what a pull from a URL brought in) is never also called local work.
  const failedPaths = new Set(verification.reports.flatMap(({ report }) => report.files.filter(isFailure).map((f) => f.path)));
  for (const { label, report } of verification.reports) {
    if (report.status === 'quiet') continue;
    if (report.status === 'fail') {
      out.error(messages.hookBanner(hook, label));
      printHuman(report, { ...out, result: (line: string) => out.info(line) }, label);
      continue;
    }
    // A pass says only what is worth knowing: the user's own local and uncommitted changes.
    for (const f of report.files) if (f.state === 'local' && !failedPaths.has(f.path)) out.info(messages.hookLocalFile(f.path));
    for (const path of report.uncommitted) out.info(messages.hookUncommittedFile(path));
  }
  if (loud) {
    out.error(messages.hookFailed(hook));
    return 1;
  }
  const clean = verification.reports.every(({ report }) => report.files.every((f) => f.state === 'ok') && report.uncommitted.length === 0);
  if (clean) await decisions.add(key);
  return 0;
}

/** Fetches every remote's notes; true when a notes ref changed. */
async function refreshNotes(repo: Repo): Promise<boolean> {
  const before = JSON.stringify([...(await noteRefs(repo))]);
  await fetchAllNotes(repo);
  return JSON.stringify([...(await noteRefs(repo))]) !== before;
}

/** DESIGN 3.1/3.2: no configuration is quiet, unless signatures exist below HEAD (the configuration was removed). */
async function verifyWithoutConfig(repo: Repo, out: Output): Promise<number> {
  if (!(await repo.hasCommits())) return 0;
  const notes = await loadNotes(repo);
  if (notes.refs.size === 0) return 0;
  const head = await repo.commitOf('HEAD');
  const signed = (await repo.revList(head, 100_000)).find((c) => notes.has(c));
  if (!signed) return 0;
  out.error(messages.signaturesWithoutConfig(head));
  return 1;
}

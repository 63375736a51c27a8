import { createLineCache } from '../cache/lineCache.js';
import type { HookName } from '../core/hookNames.js';
import { parsePushLines } from '../core/pushLines.js';
import { messages } from '../messages.js';
import type { Repo } from '../git/repo.js';
import { hookDecisionKey, openWithState, prePushDecisionKey, wasPull, type RepoState } from './decisionKey.js';
import { createLines, type HookOutcome } from './hookOutcome.js';

/** What git hands a hook: its arguments, standard input (read only by pre-push), the folder and the environment. */
export interface HookInput {
  args: string[];
  stdin: AsyncIterable<string | Buffer>;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The hooks' entry. Hooks run all day, so this file stays light: a hook whose
 * decision is already known (same HEAD, refs and configuration bytes) returns
 * here, before configuration, schema or verification code is even loaded;
 * everything else is in runHook.ts, loaded on demand.
 */
export async function hookEntry(hook: HookName, { args, stdin, cwd, env }: HookInput): Promise<HookOutcome> {
  const quiet: HookOutcome = { code: 0, mode: 'block', lines: [] };
  if (env.KMSSIG_SKIP === '1' || env.HUSKY === '0') {
    const say = createLines();
    say.warn(messages.hookSkipped(hook, env.KMSSIG_SKIP === '1' ? 'KMSSIG_SKIP=1' : 'HUSKY=0'));
    return { ...quiet, lines: say.lines };
  }
  // kmssig's guard ran first and already did this hook's work: a manager's entry for kmssig behind it does nothing.
  if (env.KMSSIG_GUARDED === '1') return quiet;
  // What the decision key needs: the repository with HEAD and the refs (one git process) beside
  // pre-push's standard input, then after a merge the reflog's last entry (a file read).
  const [{ repo, state }, input] = await Promise.all([
    openWithState(cwd, env, { fastPath: true }),
    hook === 'pre-push' ? readAll(stdin) : '',
  ]);
  // Not run by a file of kmssig's in the git directory: something removed the guard; put it back first.
  const repaired = env.KMSSIG_GUARD === '1' ? undefined : await (await import('./repairGuard.js')).repairGuard(repo.afterFastPath());
  const outcome = await decide(hook, repo, state, input, args, env);
  return repaired ? { ...outcome, lines: [{ stream: 'info', shown: repaired }, ...outcome.lines] } : outcome;
}

async function decide(
  hook: HookName,
  repo: Repo,
  state: RepoState,
  input: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<HookOutcome> {
  const quiet: HookOutcome = { code: 0, mode: 'block', lines: [] };
  const pulled = hook === 'post-merge' && (await wasPull(repo, env));
  const decisions = createLineCache(repo.commonDir, 'decisions');
  // pre-push's ref lines, parsed once here for the whole run.
  const updates = hook === 'pre-push' ? parsePushLines(input) : [];
  // A checkout of paths (flag 0) or a squash merge leaves HEAD where it was: what matters is what it wrote to the index and disk.
  const copied = (hook === 'post-checkout' && args[2] === '0') || (hook === 'post-merge' && args[0] === '1');
  if (copied) {
    // Nothing differs from HEAD (`git checkout -- file` undid an edit): nothing came in.
    if ((await repo.uncommittedPaths()).size === 0) return quiet;
  } else if (hook === 'pre-push') {
    if (updates.length === 0) return quiet;
    if (await decisions.has(prePushDecisionKey(state, args[0] ?? '', input))) return quiet;
  } else if (await decisions.has(hookDecisionKey(state, hook, pulled))) return quiet;
  const { runHook } = await import('./runHook.js');
  return runHook(repo.afterFastPath(), hook, { args, input, updates, env, decisions, pulled });
}

async function readAll(stream: AsyncIterable<string | Buffer>): Promise<string> {
  let input = '';
  for await (const chunk of stream) input += String(chunk);
  return input;
}

import type { HookName } from '../../config/schema.js';
import { KmssigError } from '../../errors.js';
import { hookDecisionKey, openWithState, prePushDecisionKey, wasPull } from '../../hooks/decisionKey.js';
import { parsePushLines } from '../../core/pushLines.js';
import { createLineCache } from '../../cache/lineCache.js';
import { messages } from '../../messages.js';
import type { CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';

export const spec: CommandSpec = {
  name: 'hook',
  usage: 'kmssig hook <pre-push|post-merge|post-checkout|post-rewrite> [git arguments]',
  summary:
    "Run what a git hook does; the installed hook scripts call this with git's arguments and standard input. KMSSIG_SKIP=1 (or HUSKY=0) skips it with a warning.",
  options: {},
};

const HOOK_NAMES = ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'];

/**
 * The hooks' entry. Hooks run all day, so this file stays light: a
 * verification hook whose decision is already known (same HEAD, refs and
 * configuration bytes) returns here, before configuration, schema or
 * verification code is even loaded; everything else is in hookRun.ts.
 */
export async function run(_values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [name, ...args] = positionals;
  if (!name || !HOOK_NAMES.includes(name))
    throw new KmssigError('USAGE', messages.usage(`expected a hook name (${HOOK_NAMES.join(', ')})`, 'hook'));
  const hook = name as HookName;
  if (io.env.KMSSIG_SKIP === '1' || io.env.HUSKY === '0') {
    createOutput(io).warn(messages.hookSkipped(hook, io.env.KMSSIG_SKIP === '1' ? 'KMSSIG_SKIP=1' : 'HUSKY=0'));
    return 0;
  }
  if (hook === 'post-checkout' && args[2] === '0') return 0; // a file checkout, not a branch switch
  // What the decision key needs: the repository with HEAD and the refs (one git process) beside
  // pre-push's standard input, then after a merge the reflog's last entry (a file read).
  const [{ repo, state }, input] = await Promise.all([
    openWithState(io.cwd, io.env, { fastPath: true }),
    hook === 'pre-push' ? readAll(io.stdin) : '',
  ]);
  const pulled = hook === 'post-merge' && (await wasPull(repo, io.env));
  const decisions = createLineCache(repo.commonDir, 'decisions');
  if (hook === 'pre-push') {
    if (parsePushLines(input).length === 0) return 0;
    if (await decisions.has(prePushDecisionKey(state, args[0] ?? '', input))) return 0;
  } else if (await decisions.has(hookDecisionKey(state, hook, pulled))) return 0;
  return (await import('./hookRun.js')).runHook(repo.afterFastPath(), hook, args, io, { decisions, pulled, input });
}

async function readAll(stream: AsyncIterable<string | Buffer>): Promise<string> {
  let input = '';
  for await (const chunk of stream) input += String(chunk);
  return input;
}

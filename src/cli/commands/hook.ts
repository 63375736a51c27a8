import { isHookName, KMSSIG_HOOKS } from '../../core/hookNames.js';
import { KmssigError } from '../../errors.js';
import { hookEntry } from '../../hooks/hookEntry.js';
import type { HookLine } from '../../hooks/hookOutcome.js';
import { messages } from '../../messages.js';
import { requirePositionals, type CommandSpec } from '../args.js';
import { createOutput, type Io, type Output } from '../io.js';

export const spec: CommandSpec = {
  name: 'hook',
  examples: ['kmssig hook post-merge 0   # what git runs after a pull'],
  usage: 'kmssig hook <pre-push|post-merge|post-checkout|post-rewrite> [git arguments]',
  summary:
    "Run what a git hook does; the installed hook scripts call this with git's arguments and standard input. KMSSIG_SKIP=1 (or HUSKY=0) skips it with a warning.",
  options: {},
};

// pre-push's own arguments, for the usage error when git did not pass them.
const prePushSpec: CommandSpec = { name: 'hook', usage: 'kmssig hook pre-push <remote> <url>', summary: '', options: {} };

/** Parses the hook's name, runs it (src/hooks/hookEntry.ts) and prints what it said. */
export async function run(_values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [name, ...args] = positionals;
  if (!name || !isHookName(name))
    throw new KmssigError('USAGE', messages.usage(`expected a hook name (${KMSSIG_HOOKS.join(', ')})`, 'hook'));
  if (name === 'pre-push' && io.env.KMSSIG_SKIP !== '1' && io.env.HUSKY !== '0') requirePositionals(prePushSpec, args, ['remote', 'url']);
  const outcome = await hookEntry(name, { args, stdin: io.stdin, cwd: io.cwd, env: io.env });
  const out = createOutput(io);
  // The report printer (and the policy's micromatch under it) only when there is a report: a no-op hook stays light.
  const human = outcome.lines.some((line) => 'report' in line) ? await import('../format/human.js') : undefined;
  for (const line of outcome.lines) print(out, line, human?.printHuman);
  if (outcome.error !== undefined) throw outcome.error;
  return outcome.code;
}

function print(out: Output, line: HookLine, printHuman?: typeof import('../format/human.js').printHuman): void {
  if ('report' in line) return printHuman?.(line.report, { ...out, result: (shown) => out.info(shown) }, line.label);
  out[line.stream](line.shown);
}

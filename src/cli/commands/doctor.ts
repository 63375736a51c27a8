import { Repo } from '../../git/repo.js';
import { messages } from '../../messages.js';
import type { CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { enabledHooks, reportHooks } from './install.js';

export const spec: CommandSpec = {
  name: 'doctor',
  examples: ['kmssig doctor'],
  usage: 'kmssig doctor',
  summary:
    'Report, for this repository, which hook file git will run for each kmssig hook, who wrote it (kmssig, husky, lefthook, simple-git-hooks, the pre-commit framework) and whether it reaches kmssig; exit 1 when one does not. The same as kmssig install --check.',
  options: {},
};

export async function run(_values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  const missing = await reportHooks(repo, await enabledHooks(repo), out);
  out.info(missing.length ? messages.hooksNotReaching(missing) : messages.hooksReachKmssig());
  return missing.length ? 1 : 0;
}

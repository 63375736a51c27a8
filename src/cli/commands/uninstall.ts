import { Repo } from '../../git/repo.js';
import { HOOKS, removeNotesFetch, uninstallHooks } from '../../hooks/installHooks.js';
import { uninstallManagers } from '../../hooks/managers/setupManagers.js';
import { messages } from '../../messages.js';
import type { CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';

export const spec: CommandSpec = {
  name: 'uninstall',
  examples: ['kmssig uninstall'],
  usage: 'kmssig uninstall',
  summary:
    "Remove exactly what install added: every hook file is restored byte for byte, files install created are removed, the lines install added to a hook manager's configuration go (and the manager's install runs again), and the notes fetch refspecs go. Signatures (refs/notes/kmssig) are kept.",
  options: {},
};

export async function run(_values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  // The guard goes first: with it gone, the managers' own installs work as they did before kmssig.
  for (const c of await uninstallHooks(repo))
    if (c.change !== 'absent' && c.change !== 'unchanged') out.result(`${c.change.padEnd(9)} ${c.file}`);
  for (const c of await uninstallManagers(repo.root, HOOKS, io.env)) {
    if (c.change === 'removed') out.info(messages.managerRemoved(c.manager, c.file));
    if (c.change === 'not-removable')
      out.warn(messages.managerNotRemovable(c.manager, c.file, 'its kmssig lines are not as install wrote them'));
  }
  await removeNotesFetch(repo);
  return 0;
}

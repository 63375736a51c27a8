import { Repo } from '../../git/repo.js';
import { removeNotesFetch, uninstallHooks } from '../../hooks/installHooks.js';
import type { CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';

export const spec: CommandSpec = {
  name: 'uninstall',
  usage: 'kmssig uninstall',
  summary:
    'Remove exactly what install added: every hook file is restored byte for byte, files install created are removed, and the notes fetch refspecs go. Signatures (refs/notes/kmssig) are kept.',
  options: {},
};

export async function run(_values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  for (const c of await uninstallHooks(repo)) if (c.change !== 'absent') out.result(`${c.change.padEnd(9)} ${c.file}`);
  await removeNotesFetch(repo);
  return 0;
}

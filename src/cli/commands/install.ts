import { loadConfig } from '../../config/loadConfig.js';
import { Repo } from '../../git/repo.js';
import { commitSource, worktreeSource } from '../../usecases/configAt.js';
import { pinOnInstall } from './trust.js';
import { fetchAllNotes, HOOKS, installHooks, setupNotesFetch } from '../../hooks/installHooks.js';
import type { CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';

export const spec: CommandSpec = {
  name: 'install',
  usage: 'kmssig install [--no-fetch]',
  summary:
    'Install the pre-push, post-merge, post-checkout and post-rewrite hooks (into .husky/ with husky, core.hooksPath, or the repository hooks folder) as a marked block that keeps any existing hook working; set up fetching of signatures with every fetch, and fetch them once. Running it again changes nothing.',
  options: { 'no-fetch': { type: 'boolean', help: 'do not fetch the signatures now' } },
};

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  // The configuration checked out: what the user installing sees, and pins (trust on first use).
  const head = (await repo.hasCommits()) ? await repo.commitOf('HEAD') : undefined;
  const loaded = await loadConfig(head ? commitSource(repo, head) : worktreeSource(repo.root));
  const hooks = loaded ? HOOKS.filter((h) => loaded.config.hooks[h] !== 'off') : HOOKS;
  const { location, changes } = await installHooks(repo, hooks);
  for (const c of changes) out.result(`${c.change.padEnd(9)} ${c.file}`);
  if (location.huskyInactive)
    out.warn('⚠ husky is set up in this repository but not active in this clone: run npx husky (or npm install) so that its hooks run');
  for (const r of await setupNotesFetch(repo)) if (r.added) out.info(`ℹ fetching signatures with every fetch from ${r.remote}`);
  if (values['no-fetch'] !== true) {
    for (const r of await fetchAllNotes(repo)) if (r.error) out.warn(`⚠ could not fetch signatures from ${r.remote}: ${r.error}`);
  }
  if (loaded) await pinOnInstall(repo, loaded, head, io);
  if (!loaded) out.warn('⚠ no .kmssigrc yet: the hooks do nothing until you add one (see .kmssigrc.example)');
  return 0;
}

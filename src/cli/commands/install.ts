import { loadConfig } from '../../config/loadConfig.js';
import { KmssigError } from '../../errors.js';
import { Repo } from '../../git/repo.js';
import { inspectHooks } from '../../hooks/inspectHooks.js';
import { fetchAllNotes, HOOKS, installHooks, setupNotesFetch } from '../../hooks/installHooks.js';
import { join } from 'node:path';
import { isPlaceholderKeyError } from '../../config/schema.js';
import type { HookName } from '../../core/hookNames.js';
import { guardActive, guardDir, installGuard } from '../../hooks/guard.js';
import { guardPlan, locateHooks } from '../../hooks/hooksDir.js';
import { detectManagers } from '../../hooks/managers/detect.js';
import { installManagers } from '../../hooks/managers/setupManagers.js';
import { messages } from '../../messages.js';
import { commitSource, worktreeSource } from '../../usecases/configAt.js';
import { pinOnInstall } from './trust.js';
import type { CommandSpec } from '../args.js';
import { createOutput, type Io, type Output } from '../io.js';
import { kmsOptions } from '../kmsOptions.js';

export const spec: CommandSpec = {
  name: 'install',
  examples: ['kmssig install', 'kmssig install --check   # change nothing, report which hooks reach kmssig'],
  usage: 'kmssig install [--no-fetch] [--check] [--region <region>] [--endpoint <url>]',
  summary:
    "Install the pre-push, post-merge, post-checkout and post-rewrite hooks: through the hook manager's own configuration (lefthook, simple-git-hooks, the pre-commit framework) and its install, else as a marked block in .husky/, core.hooksPath or the repository hooks folder that keeps any existing hook working; set up fetching of signatures with every fetch, and fetch them once; in a clone without a pin, pin what the signed history vouches for (else nothing, saying what it found). Running it again changes nothing. --check only reports which hooks git will run and whether each reaches kmssig (exit 1 when one does not).",
  options: {
    'no-fetch': { type: 'boolean', help: 'do not fetch the signatures now' },
    check: { type: 'boolean', help: 'change nothing: report the hooks git will run and whether each reaches kmssig' },
    ...kmsOptions,
  },
};

/** The configuration checked out: what the user installing sees, and what first use judges (DESIGN 3.4, rule 9). */
async function configHere(repo: Repo) {
  const head = (await repo.hasCommits()) ? await repo.commitOf('HEAD') : undefined;
  return { head, loaded: await loadConfig(head ? commitSource(repo, head) : worktreeSource(repo.root)) };
}

export async function enabledHooks(repo: Repo): Promise<string[]> {
  const loaded = await configHere(repo)
    .then((c) => c.loaded)
    .catch(() => undefined);
  return loaded ? HOOKS.filter((h) => loaded.config.hooks[h] !== 'off') : HOOKS;
}

/** Prints one line per hook; returns the hooks git will not run kmssig for. */
export async function reportHooks(repo: Repo, hooks: string[], out: Output): Promise<string[]> {
  const rows = await inspectHooks(repo, hooks);
  for (const r of rows) out.result(messages.doctorLine(r.hook, r.file, r.via, r.reaches, r.note));
  return rows.filter((r) => !r.reaches).map((r) => r.hook);
}

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  const hooks = await enabledHooks(repo);
  if (values.check === true) {
    const missing = await reportHooks(repo, hooks, out);
    out.info(missing.length ? messages.hooksNotReaching(missing) : messages.hooksReachKmssig());
    return missing.length ? 1 : 0;
  }
  const here = await configHere(repo).catch((error: unknown) => {
    // kmssig init without --key: the hooks go in now, the pin waits for the real key.
    if (!isPlaceholderKeyError(error)) throw error;
    return { head: undefined, loaded: undefined, placeholder: true };
  });
  const { head, loaded } = here;
  const managers = detectManagers(repo.root);
  if (managers.length > 0) {
    const changes = await installManagers(repo.root, hooks, io.env, {
      hooksDir: join(repo.commonDir, 'hooks'),
      active: await guardActive(repo),
    });
    const unsafe = changes.filter((c) => c.change === 'unsafe');
    if (unsafe.length > 0) {
      for (const c of unsafe) out.error(messages.managerUnsafe(c.manager, c.file, c.why!, c.snippet!));
      throw new KmssigError('CONFIG', messages.hooksNotReaching(hooks));
    }
    for (const c of changes) {
      out.info(
        c.change === 'added' ? messages.managerConfigured(c.manager, c.file, c.hooks) : messages.managerUnchanged(c.manager, c.file),
      );
      if (c.install?.ok) out.info(messages.managerInstalled(c.manager, c.install.command));
      else if (c.install && !c.install.ran) out.warn(messages.managerRunYourself(c.manager, c.install.command));
      else if (c.install)
        out.error(messages.managerInstallFailed(c.manager, c.install.command, c.install.output?.split('\n').at(-1) ?? ''));
      if (c.limit) out.warn(messages.managerLimit(c.manager, c.limit));
    }
    const plan = guardPlan(
      await locateHooks(repo),
      managers.map((m) => m.manager),
      repo,
    );
    if (plan) {
      await installGuard(repo, plan, hooks as HookName[]);
      out.info(messages.guardInstalled(guardDir(repo), plan.next, plan.scope));
    } else for (const c of (await installHooks(repo, hooks as HookName[])).changes) out.result(`${c.change.padEnd(9)} ${c.file}`);
  } else {
    const { location, changes } = await installHooks(repo, loaded ? (hooks as typeof HOOKS) : HOOKS);
    for (const c of changes) out.result(`${c.change.padEnd(9)} ${c.file}`);
    for (const c of changes) if (c.change === 'chained') out.info(messages.hookChained(c.file));
    if (location.kind === 'globalChain')
      out.info(messages.globalHooksChained(location.scope ?? 'global', location.chainTo ?? '?', location.dir));
    const plan = guardPlan(location, [], repo);
    if (plan && location.kind !== 'globalChain') out.info(messages.guardInstalled(guardDir(repo), plan.next, plan.scope));
    if (location.huskyInactive) out.warn(messages.huskyInactive());
  }
  for (const r of await setupNotesFetch(repo)) {
    if (r.migrated) out.info(messages.notesFetchMigrated(r.remote));
    else if (r.added) out.info(messages.notesFetchAdded(r.remote));
  }
  if (values['no-fetch'] !== true) {
    for (const r of await fetchAllNotes(repo)) if (r.error) out.warn(messages.notesFetchFailed(r.remote, r.error));
  }
  if (loaded) await pinOnInstall(repo, loaded, head, { values, fetched: values['no-fetch'] !== true }, io);
  else out.warn('placeholder' in here ? messages.installPlaceholder() : messages.noConfigYet());
  const missing = await reportHooks(repo, hooks, { ...out, result: () => true });
  if (missing.length > 0) {
    await reportHooks(repo, missing, out);
    out.error(messages.hooksNotReaching(missing));
  }
  return 0;
}

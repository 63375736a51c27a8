import { existsSync } from 'node:fs';
import { KMSSIG_HOOKS } from '../core/hookNames.js';
import type { Repo } from '../git/repo.js';
import { messages, type Message } from '../messages.js';
import { guardActive, guardDir, installGuard } from './guard.js';
import { guardPlan, locateHooks } from './hooksDir.js';
import { installHooks } from './installHooks.js';
import { launcherPath } from './launcher.js';
import { detectManagers } from './managers/detect.js';

/**
 * kmssig ran without its guard in front: a manager's entry or husky's file
 * called it, because something reset core.hooksPath (`npm ci` running husky,
 * `lefthook install --reset-hooks-path`, a manual unset) or because the clone
 * was set up through the manager alone and kmssig never ran in it. Put the
 * guard (and the launcher of the kmssig running now) in place, so that the
 * next pull is guarded (DESIGN 3.4, item 6). Returns the line to say, or
 * undefined when there was nothing to do.
 */
export async function repairGuard(repo: Repo): Promise<Message | undefined> {
  const launcher = existsSync(launcherPath(repo));
  const managers = detectManagers(repo.root).map((m) => m.manager);
  const location = await locateHooks(repo);
  const plan = guardPlan(location, managers, repo);
  if (plan) {
    if (launcher && (await guardActive(repo))) return undefined;
    await installGuard(repo, plan, KMSSIG_HOOKS);
    return messages.guardRestored(guardDir(repo), plan.next);
  }
  // The pre-commit framework's shims carry kmssig's block; `pre-commit install` writes them anew without it.
  if (location.kind !== 'git' || !managers.includes('pre-commit')) return undefined;
  const { changes } = await installHooks(repo);
  const put = changes.filter((c) => c.change !== 'unchanged');
  return put.length > 0 || !launcher ? messages.blocksRestored(put.map((c) => c.file)) : undefined;
}

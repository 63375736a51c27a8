import { loadConfig } from '../config/loadConfig.js';
import { DEFAULT_MAX_COMMITS } from '../config/schema.js';
import type { Context } from '../core/context.js';
import type { CheckReport } from '../core/report.js';
import { KmssigError } from '../errors.js';
import { Repo } from '../git/repo.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';
import { check, checkWithoutConfig } from './check.js';
import { commitSource } from './configAt.js';
import { loadNotes } from './notesView.js';
import { readPin } from './pin.js';
import { openSession } from './session.js';

/** What a library caller pins, as `kmssig check`'s flags do; nothing here is read from the revision verified. */
export interface CheckRevisionOptions {
  /** A folder inside the repository. */
  cwd: string;
  /** The revision to verify (default HEAD). */
  rev?: string;
  env?: NodeJS.ProcessEnv;
  /** Allowed key ARNs, release ref patterns, required context pairs, public-key PEM files (absolute paths). */
  keys?: string[];
  refs?: string[];
  context?: Context;
  publicKeys?: string[];
  region?: string;
  endpoint?: string;
  /** The local-work rule of DESIGN 3.1 (default strict). */
  allowLocal?: boolean;
  /** A key provider of the caller's own (tests, another KMS client); default AWS KMS or `local:` keys. */
  kms?: KeyManagement;
}

/**
 * The strict check of a revision against the notes at hand, as a library
 * call: no fetch, no cache (DESIGN 3.4, rule 4). A revision without a
 * configuration is CONFIG (exit 2), unless signatures below it, or (with a
 * pinned policy: these options or the clone's pin) a removal in its history,
 * show that one was removed — then the report fails.
 */
export async function checkRevision(options: CheckRevisionOptions): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const repo = await Repo.open(options.cwd, env);
  const rev = options.rev ?? 'HEAD';
  const commit = await repo.commitOf(rev);
  const loaded = await loadConfig(commitSource(repo, commit));
  if (!loaded) {
    const pinned =
      [options.keys, options.refs, options.publicKeys].some((list) => (list?.length ?? 0) > 0) ||
      Object.keys(options.context ?? {}).length > 0 ||
      (await readPin(repo)) !== undefined;
    const report = await checkWithoutConfig({ repo, notes: await loadNotes(repo) }, commit, DEFAULT_MAX_COMMITS, { pinned });
    if (report.status !== 'fail') throw new KmssigError('CONFIG', messages.noConfig(repo.root));
    return report;
  }
  const session = await openSession({
    repo,
    loaded,
    env,
    keys: options.keys ?? [],
    refs: options.refs ?? [],
    context: options.context,
    publicKeys: options.publicKeys ?? [],
    region: options.region,
    endpoint: options.endpoint,
    kms: options.kms,
    cache: false,
    commit,
    targetRefs: await repo.refsOf(rev, commit),
  });
  return check(session, { commit, allowLocal: options.allowLocal === true });
}

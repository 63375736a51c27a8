import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LoadedConfig } from '../config/loadConfig.js';
import type { Policy } from '../core/policy.js';
import { createDigestCache, type DigestCache } from '../cache/digestCache.js';
import { createLineCache, noCache } from '../cache/lineCache.js';
import type { Repo } from '../git/repo.js';
import { createKms } from '../kms/createKms.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { localKeyPath } from '../kms/localKey.js';
import { messages } from '../messages.js';
import type { CheckContext } from './check.js';
import { loadNotes } from './notesView.js';
import { selectionFor } from './releaseFiles.js';
import { createRecordVerifier, loadPublicKeys } from './verifyRecord.js';

export interface SessionOptions {
  repo: Repo;
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  /** Flags that override the configuration's policy (a CI job pins keys without trusting the repository). */
  keys?: string[];
  refs?: string[];
  /** Public-key PEM files pinned from outside the repository (absolute paths); override verify.publicKeys. */
  publicKeys?: string[];
  region?: string;
  endpoint?: string;
  timeoutMs?: number;
  noCache?: boolean;
  /** An injected KeyManagement (tests, library users); default: AWS KMS or the local key. */
  kms?: KeyManagement;
}

export interface Session extends CheckContext {
  kms: KeyManagement;
  loaded: LoadedConfig;
}

/** Wires one run: configuration, policy, KMS, caches and the notes union. Nothing here calls KMS yet. */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { repo, loaded } = options;
  const { config } = loaded;
  const kms =
    options.kms ??
    createKms({
      baseDir: repo.root,
      region: options.region ?? config.region,
      endpoint: options.endpoint ?? config.endpoint,
      timeoutMs: options.timeoutMs,
    });
  const policy: Policy = {
    keys: options.keys?.length ? options.keys : config.verify.keys,
    refs: options.refs?.length ? options.refs : config.verify.refs,
    context: config.context,
    requireContext: config.verify.requireContext,
  };
  // A key pin from flags (a CI job) must not trust the repository it checks: an
  // asymmetric record verifies with any PEM that repository names, so a forged
  // record claiming the pinned keyId would pass. Under such a pin only KMS, or
  // public keys pinned from outside (--public-key), decide.
  const publicKeys = options.publicKeys?.length
    ? await loadPublicKeys(repo.root, options.publicKeys)
    : options.keys?.length
      ? []
      : await loadPublicKeys(repo.root, config.verify.publicKeys);
  const cache = options.noCache ? noCache : createLineCache(repo.commonDir, 'verified');
  const digestCache: DigestCache | undefined = options.noCache ? undefined : createDigestCache(repo.commonDir);
  // Independent git queries, run side by side.
  const [notes, selection] = await Promise.all([loadNotes(repo), selectionFor(repo, loaded)]);
  return {
    repo,
    loaded,
    kms,
    policy,
    notes,
    // allowEmpty picks no file: it only silences the error and warning of an empty pattern.
    selection: { ...selection, allowEmpty: config.allowEmpty },
    configPath: loaded.path,
    verifier: createRecordVerifier({ kms, policy, publicKeys, cache, localKeyProblem: localKeyTrust(repo, options.keys ?? []) }),
    maxCommits: config.verify.maxCommits,
    digestCache,
  };
}

/**
 * A local development key counts only when the caller pinned it (--key) or this
 * clone registered it (git config kmssig.localKey, which keygen sets): a key
 * file is something a commit can plant, in the working tree or (git-lfs
 * objects, messages) in the git directory, and the configuration that names
 * it comes with the commit being verified.
 */
function localKeyTrust(repo: Repo, pinned: readonly string[]) {
  const real = (path: string) => realpath(path).catch(() => path);
  return async (keyId: string): Promise<string | undefined> => {
    if (pinned.includes(keyId)) return undefined;
    const file = await real(localKeyPath(keyId, repo.root));
    const registered = await Promise.all((await repo.configGetAll('kmssig.localKey')).map((p) => real(resolve(repo.root, p))));
    return registered.includes(file) ? undefined : messages.localKeyNotRegistered(keyId);
  };
}

import { createPublicKey, type KeyObject } from 'node:crypto';
import type { LoadedConfig } from '../config/loadConfig.js';
import type { Context } from '../core/context.js';
import type { Policy } from '../core/policy.js';
import type { Selection } from '../core/selectFiles.js';
import { resolvePolicy, type Pin } from '../core/anchors.js';
import { createDigestCache, type DigestCache } from '../cache/digestCache.js';
import { createLineCache, noCache } from '../cache/lineCache.js';
import type { Repo } from '../git/repo.js';
import { createKms } from '../kms/createKms.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import type { CheckContext, PolicyAt } from './check.js';
import type { Message } from '../messages.js';
import { configLoader } from './configAt.js';
import { firstUsePin } from './firstUsePin.js';
import { localKeyTrust } from './localKeyTrust.js';
import { loadNotes } from './notesView.js';
import { readTrust } from './pin.js';
import { selectionFor } from './releaseFiles.js';
import { createRecordVerifier, loadPublicKeys } from './verifyRecord.js';

export interface SessionOptions {
  repo: Repo;
  /** The configuration of the revision acted on, read by the caller from that revision (or the disk, for --worktree). */
  loaded: LoadedConfig;
  /** The commit whose tree `loaded` was read from, so that it is not read again (not for --worktree). */
  commit?: string;
  env: NodeJS.ProcessEnv;
  /** Flags that pin the policy from outside the repository (a CI job trusts nothing the repository says). */
  keys?: string[];
  refs?: string[];
  context?: Context;
  /** Public-key PEM files pinned from outside the repository (absolute paths). */
  publicKeys?: string[];
  /**
   * Where KMS is: flags; else the SDK's own resolution (AWS_REGION,
   * AWS_ENDPOINT_URL_KMS, the AWS profile). Never a commit's configuration,
   * not even for signing (DESIGN 3.4, rule 9): an endpoint is who answers
   * Decrypt (and DescribeKey, whose ARN goes into the records).
   */
  region?: string;
  endpoint?: string;
  timeoutMs?: number;
  /** One deadline for all KMS calls of the run (hooks). */
  deadlineMs?: number;
  /** Use the caches in the git directory (hooks, sign); `check` uses none unless --cache (DESIGN 3.4, rule 4). */
  cache?: boolean;
  /** Full ref names the verified revision is on: allowed refs apply only to release refs (see resolvePolicy). */
  targetRefs?: string[];
  /** This clone's pin when the caller has read it already (a hook needs it before anything else). */
  pinned?: { pin: Pin | undefined };
  /** An injected KeyManagement (tests, library users); default: AWS KMS or the local key. */
  kms?: KeyManagement;
  /**
   * The strict gate in a clone where install's first use pinned nothing, run
   * without --key or --public-key: hold records to what the signed history of
   * the configuration at `head` vouches for (DESIGN 3.4, rule 9), never to a
   * configuration signed with the key it names. `fetched`: the remotes'
   * notes were fetched.
   */
  firstUse?: { head: string; fetched: boolean };
}

export interface Session extends CheckContext {
  kms: KeyManagement;
  loaded: LoadedConfig;
  /** This clone's pinned policy, if it has one (`kmssig install` / `kmssig trust`), or what first use would pin (`pinFrom`). */
  pin?: Pin;
  /** The pin is not this clone's: it is what first use would pin, held for this run only (SessionOptions.firstUse). */
  pinFrom?: 'first-use';
  /** What to say about that held pin (one or two lines). */
  pinLines?: Message[];
  /** The policy from flags and pin alone: what this run trusts before any configuration. */
  anchors: Policy;
}

/** Wires one run: configuration, trust anchors, KMS, caches and the notes union. Nothing here calls KMS yet. */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { repo, loaded } = options;
  const { config } = loaded;
  // The pin and the notes are independent git reads: side by side.
  const [trust, notes] = await Promise.all([
    options.pinned ? { ...options.pinned, nothingPinned: false } : readTrust(repo),
    loadNotes(repo),
  ]);
  const clonePin = trust.pin;
  const kms =
    options.kms ??
    createKms({
      baseDir: repo.root,
      region: options.region,
      endpoint: options.endpoint,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.deadlineMs,
    });
  const keysFlagged = (options.keys?.length ?? 0) > 0 || (options.publicKeys?.length ?? 0) > 0;
  const held =
    !clonePin && trust.nothingPinned && !keysFlagged && options.firstUse
      ? await firstUsePin({
          repo,
          kms,
          ...options.firstUse,
          cache: options.cache !== false ? createLineCache(repo.commonDir, 'verified') : noCache,
        })
      : undefined;
  const pin = clonePin ?? held?.pin;
  const flags = { keys: options.keys, refs: options.refs, context: options.context };
  const anchors = resolvePolicy(flags, pin, undefined, options.targetRefs);
  const configAt = configLoader(repo, options.commit ? { commit: options.commit, loaded } : undefined);
  const policyAt = async (commit: string): Promise<PolicyAt> => {
    try {
      const signed = await configAt(commit);
      return { policy: resolvePolicy(flags, pin, signed?.config, options.targetRefs) };
    } catch (error) {
      return { problem: `the configuration at that commit cannot be read (${(error as Error).message})` };
    }
  };
  const publicKeys = options.publicKeys?.length ? await loadPublicKeys(repo.root, options.publicKeys) : pinnedPublicKeys(pin);
  const useCache = options.cache !== false;
  const cache = useCache ? createLineCache(repo.commonDir, 'verified') : noCache;
  const digestCache: DigestCache | undefined = useCache ? createDigestCache(repo.commonDir) : undefined;
  const selections = new Map<string, Selection>();
  const selectionAt = async (commit: string): Promise<Selection | undefined> => {
    const at = await configAt(commit);
    if (!at) return undefined;
    let selection = selections.get(commit);
    if (!selection) selections.set(commit, (selection = selectionFor(at)));
    return selection;
  };
  return {
    repo,
    loaded,
    kms,
    pin,
    ...(held?.pin ? { pinFrom: 'first-use' as const } : {}),
    ...(held ? { pinLines: held.lines } : {}),
    anchors,
    notes,
    selection: selectionFor(loaded),
    configPath: loaded.path,
    configAt,
    selectionAt,
    policyAt,
    verifier: createRecordVerifier({ kms, policy: anchors, publicKeys, cache, localKeyProblem: localKeyTrust(repo, options.keys ?? []) }),
    maxCommits: config.verify.maxCommits,
    digestCache,
  };
}

/** Public keys pinned in this clone (base64 DER), never files a commit could replace. */
function pinnedPublicKeys(pin: Pin | undefined): KeyObject[] {
  return (pin?.publicKeys ?? []).flatMap((der) => {
    try {
      return [createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' })];
    } catch {
      return [];
    }
  });
}

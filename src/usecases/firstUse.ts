import { createPublicKey, type KeyObject } from 'node:crypto';
import type { LineCache } from '../cache/lineCache.js';
import { loadConfig, SEARCH_PLACES, type LoadedConfig } from '../config/loadConfig.js';
import { SYMMETRIC } from '../core/algorithms.js';
import type { Pin } from '../core/anchors.js';
import { sha512 } from '../core/digest.js';
import { openPolicy } from '../core/policy.js';
import { payloadDigest, REGULAR_FILE, signedEntry, type SignatureRecord } from '../core/record.js';
import { coveredBy, followChain, keyAllowed, type AllowedKeys, type ConfigVersion, type Endorsement } from '../core/trustChain.js';
import type { Repo } from '../git/repo.js';
import { KmsError, type KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';
import { loadNotes } from './notesView.js';
import { allowedKeysOf, fileReader, pinOf } from './pin.js';
import { localKeyTrust } from './localKeyTrust.js';
import { createRecordVerifier, verifyAsymmetric, type Verdict } from './verifyRecord.js';

/**
 * Bounds of the work at first use. The configuration's history is read up to
 * MAX_VERSIONS changes (beyond, its first version is not known, so nothing is
 * trusted quietly); notes on more than MAX_NOTED commits are not read (anyone
 * who can push can fill the notes ref). Counting records per key verifies at
 * most COUNT_PER_KEY records of at most COUNT_KEYS keys, and gives a key up
 * after MAX_FAILURES records that do not verify; a version is given up after
 * MAX_FAILURES covering records that do not verify; and after MAX_FAILED_CALLS
 * KMS verifications that fail in all, no more are made.
 */
const MAX_VERSIONS = 5000;
const MAX_NOTED = 20_000;
const COUNT_PER_KEY = 64;
const COUNT_KEYS = 16;
const MAX_FAILURES = 4;
const MAX_FAILED_CALLS = 32;

/** How many of the repository's records a key made: claimed (parsed, naming their commit), and verified. */
export interface KeyCount {
  keyId: string;
  claimed: number;
  verified: number;
  /** Not all claimed records were checked (the bounds above). */
  partial: boolean;
}

/** Why nothing was pinned. */
export type NotPinnedReason =
  | { kind: 'nothing-signed' }
  | { kind: 'unsigned-change'; commit: string }
  | { kind: 'untrusted-signer'; commit: string; keyId: string }
  | { kind: 'history-unread'; why: string }
  | { kind: 'unresolved'; keyId: string; why: string }
  | { kind: 'kms'; why: string };

export type FirstUse =
  | {
      pinned: true;
      pin: Pin;
      /** HEAD's configuration is not signed: the commit that changed it, and where the rest of the pin was signed. */
      unsignedChange?: { commit: string; signedAt: string };
    }
  | {
      pinned: false;
      reason: NotPinnedReason;
      /** What HEAD's configuration names (key ARNs or IDs, public-key DER). */
      named: AllowedKeys;
      keys: KeyCount[];
      /** More keys than were counted. */
      moreKeys: number;
      /**
       * What the signed history does vouch for, for a check that must hold records to something
       * (usecases/firstUsePin.ts): the keys of the newest configuration signed with a trusted key,
       * else those of the oldest configuration (the root of trust); undefined when the history is unread.
       */
      held?: Pin;
    };

export interface FirstUseOptions {
  repo: Repo;
  /** HEAD's configuration (or the disk's, before the first commit). */
  loaded: LoadedConfig;
  head: string | undefined;
  kms: KeyManagement;
  cache: LineCache;
}

interface Noted {
  commit: string;
  record: SignatureRecord;
  line: string;
}

/**
 * DESIGN 3.4, rule 9: what `kmssig install` (and `kmssig trust --update` in a
 * clone without a pin) may pin. A key is pinned only when HEAD's
 * configuration is covered by a valid record made with a key the signed
 * history of the configuration trusted before it (followChain), or — for an
 * unsigned change that names no key the newest signed configuration does not
 * allow — when it is a key of that signed configuration ("the key of 214
 * records"). Otherwise nothing is pinned, and the caller shows what was found.
 * The KMS endpoint and region are never read from any configuration here.
 */
export async function firstUse(options: FirstUseOptions): Promise<FirstUse> {
  const { repo, loaded, head, kms } = options;
  const headKeys = await allowedKeysOf(loaded.config, fileReader(repo, head), (keyId) => kms.describeKey(keyId));
  const named = headKeys.allowed;
  const notPinned = async (reason: NotPinnedReason, records: Noted[] = [], verify?: (n: Noted) => Promise<Verdict>) => ({
    pinned: false as const,
    reason,
    named,
    ...(verify ? await countKeys(records, verify) : { keys: [], moreKeys: 0 }),
  });
  if (!head) return notPinned({ kind: 'nothing-signed' });
  if (headKeys.unresolved) return notPinned({ kind: 'unresolved', ...headKeys.unresolved });

  const [history, notes] = await Promise.all([configHistory(repo, head, loaded, named, kms), loadNotes(repo)]);
  const noted = [...notes.commits()];
  if (noted.length > MAX_NOTED) return notPinned({ kind: 'history-unread', why: `notes on ${noted.length} commits` });
  const records: Noted[] = [];
  for (const [commit, parsed] of await notes.records(noted))
    for (const p of parsed) if (p.ok && p.record.context.commit === commit) records.push({ commit, record: p.record, line: p.line });

  const checker = createChecker(repo, kms, options.cache, history.publicKeys);
  const covering = (v: ConfigVersion) =>
    records.filter((n) => {
      const entry = signedEntry(n.record, v.path);
      return entry !== undefined && entry.mode === REGULAR_FILE && entry.sha512 === v.digest;
    });
  const endorse = async (v: ConfigVersion, trusted: AllowedKeys): Promise<Endorsement | undefined> => {
    let failures = 0;
    for (const n of covering(v).filter((c) => keyAllowed(c.record, trusted, SYMMETRIC))) {
      if ((await checker.verifyWith(n, trusted)).valid) return { commit: n.commit, keyId: n.record.keyId };
      if (++failures >= MAX_FAILURES) break;
    }
    return undefined;
  };
  const chain = await followChain(history.versions, history.complete, endorse);
  const headVersion = history.versions.at(-1)!;

  if (chain.headSigned) {
    const at = `signed at ${chain.signed!.by.commit.slice(0, 12)}`;
    return { pinned: true, pin: pinOf(named, loaded.config, { key: () => at, publicKeys: at, policy: at }) };
  }
  if (chain.trusted && chain.signed && coveredBy(named, chain.trusted)) {
    // An unsigned change that keeps to the signed keys: the keys it names, the rest from the newest signed configuration.
    const newest = await newestSigned(history.versions, chain.signed, endorse, chain.trusted);
    const at = `signed at ${newest.by.commit.slice(0, 12)}`;
    const counts = await countKeys(
      records.filter((n) => named.keys.includes(n.record.keyId)),
      checker.verifyAny,
    );
    const key = (arn: string) => {
      const count = counts.keys.find((k) => k.keyId === arn);
      return count && count.verified > 0
        ? `the key of ${count.verified}${count.partial ? '+' : ''} record${count.verified === 1 && !count.partial ? '' : 's'}`
        : `allowed by the configuration signed at ${newest.by.commit.slice(0, 12)}`;
    };
    const policy = history.configs.get(newest.version.commit)?.config ?? loaded.config;
    return {
      pinned: true,
      pin: pinOf(named, policy, { key, publicKeys: at, policy: at }),
      unsignedChange: { commit: headVersion.commit, signedAt: newest.by.commit },
    };
  }
  const held = heldPin(history, chain);
  const found = async (reason: NotPinnedReason) => ({
    ...(await notPinned(reason, records, checker.verifyAny)),
    ...(held ? { held } : {}),
  });
  if (checker.state.stopped) return found({ kind: 'kms', why: checker.state.stopped });
  if (!history.complete) return found({ kind: 'history-unread', why: history.why! });
  if (records.length === 0) return found({ kind: 'nothing-signed' });
  // Say whether HEAD's configuration is signed at all, and with which key (one that the signed history does not trust).
  for (const n of covering(headVersion).slice(0, MAX_FAILURES)) {
    if ((await checker.verifyAny(n)).valid) return found({ kind: 'untrusted-signer', commit: headVersion.commit, keyId: n.record.keyId });
  }
  return found({ kind: 'unsigned-change', commit: headVersion.commit });
}

/** What a check without a pin holds records to when nothing may be pinned: the newest trusted signed configuration, else the root. */
function heldPin(history: ConfigHistory, chain: Awaited<ReturnType<typeof followChain>>): Pin | undefined {
  if (!history.complete) return undefined;
  const source = chain.trusted && chain.signed ? chain.signed.version : history.versions.find((v) => v.allowed);
  const config = source && history.configs.get(source.commit);
  if (!source?.allowed || !config) return undefined;
  const at = chain.signed
    ? `allowed by the configuration signed at ${chain.signed.by.commit.slice(0, 12)}`
    : `named by the oldest configuration, at ${source.commit.slice(0, 12)}`;
  return pinOf(source.allowed, config.config, { key: () => at, publicKeys: at, policy: at });
}

/** The newest version before HEAD's that is signed with the trusted keys: where the rest of the pin comes from. */
async function newestSigned(
  versions: readonly ConfigVersion[],
  known: { version: ConfigVersion; by: Endorsement; index: number },
  endorse: (v: ConfigVersion, trusted: AllowedKeys) => Promise<Endorsement | undefined>,
  trusted: AllowedKeys,
): Promise<{ version: ConfigVersion; by: Endorsement }> {
  for (let i = versions.length - 2; i > known.index; i--) {
    const by = await endorse(versions[i]!, trusted);
    if (by) return { version: versions[i]!, by };
  }
  return known;
}

interface ConfigHistory {
  /** Oldest first; the last is HEAD's configuration. */
  versions: ConfigVersion[];
  /** The versions start at the configuration's first one. */
  complete: boolean;
  why?: string;
  configs: Map<string, LoadedConfig>;
  /** Every public key any version names: records are counted with them (an attacker's key is counted too, as its own). */
  publicKeys: KeyObject[];
}

/** Every version of the configuration in HEAD's history, with what each allows. */
async function configHistory(
  repo: Repo,
  head: string,
  loaded: LoadedConfig,
  named: AllowedKeys,
  kms: KeyManagement,
): Promise<ConfigHistory> {
  const [listed, shallow] = await Promise.all([repo.commitsChanging(head, SEARCH_PLACES, MAX_VERSIONS + 1), repo.isShallow()]);
  const commits = listed.slice(-MAX_VERSIONS);
  const why = shallow ? 'the clone is shallow' : listed.length > MAX_VERSIONS ? `more than ${MAX_VERSIONS} changes` : undefined;
  const files = await repo.readEachAt(commits, SEARCH_PLACES);
  const configs = new Map<string, LoadedConfig>();
  const versions: ConfigVersion[] = [];
  const publicKeys = new Set(named.publicKeys);
  // KMS answers each keyId once (createKms keeps DescribeKey's answers); commits anyone can push may name many.
  let unresolved = 0;
  const describe = async (keyId: string) => {
    if (unresolved >= MAX_FAILED_CALLS) throw new Error('not asked: too many key IDs that KMS could not resolve');
    return kms.describeKey(keyId).catch((error: unknown) => {
      unresolved++;
      throw error;
    });
  };
  for (const commit of commits) {
    const bytes = files.get(commit)!;
    const source = {
      label: `commit ${commit.slice(0, 12)}`,
      read: async () => new Map([...bytes].map(([p, b]) => [p, b.toString('utf8')])),
    };
    const at = await loadConfig(source).catch(() => undefined);
    if (!at) continue;
    configs.set(commit, at);
    const digest = sha512(bytes.get(at.path)!).toString('hex');
    const keys = await allowedKeysOf(at.config, fileReader(repo, commit), describe).catch(() => undefined);
    for (const der of keys?.allowed.publicKeys ?? []) publicKeys.add(der);
    versions.push({ commit, path: at.path, digest, ...(keys && !keys.unresolved ? { allowed: keys.allowed } : {}) });
  }
  // HEAD's own configuration is the last version (a merge can make it without being listed as a change).
  const headBytes = (await repo.readEachAt([head], [loaded.path])).get(head)!.get(loaded.path);
  const headDigest = headBytes ? sha512(headBytes).toString('hex') : '';
  const last = versions.at(-1);
  if (!last || last.path !== loaded.path || last.digest !== headDigest) {
    configs.set(head, loaded);
    versions.push({ commit: head, path: loaded.path, digest: headDigest, allowed: named });
  }
  return { versions, complete: why === undefined, ...(why ? { why } : {}), configs, publicKeys: keyObjects([...publicKeys]) };
}

/**
 * Verifies records at first use, each claim once: symmetric ones through KMS
 * (stopping at the first failure of KMS itself: unreachable, no credentials),
 * asymmetric ones offline with the given public keys.
 */
function createChecker(repo: Repo, kms: KeyManagement, cache: LineCache, allPublicKeys: KeyObject[]) {
  const localKeyProblem = localKeyTrust(repo, []);
  const symmetric = createRecordVerifier({ kms, policy: openPolicy, publicKeys: [], cache, localKeyProblem });
  const seen = new Map<string, Promise<Verdict>>();
  const state: { stopped?: string } = {};
  let failed = 0;
  const verifySymmetric = (n: Noted): Promise<Verdict> => {
    let verdict = seen.get(n.line);
    if (!verdict) {
      const stopped = state.stopped;
      verdict = stopped
        ? Promise.resolve({ valid: false, reason: stopped })
        : symmetric.verify(n.record, n.line).then(
            (v) => {
              // Anyone who can push can fill the notes with records that do not verify (DESIGN 3.4, rule 8).
              if (!v.valid && ++failed >= MAX_FAILED_CALLS) state.stopped ??= messages.firstUseFlooded(failed);
              return v;
            },
            (error: unknown) => {
              const why = (error as Error).message;
              // KMS itself is not there: every further call would wait for the same answer.
              if (error instanceof KmsError && (error.kind === 'unreachable' || error.kind === 'credentials')) state.stopped ??= why;
              else if (++failed >= MAX_FAILED_CALLS) state.stopped ??= messages.firstUseFlooded(failed);
              return { valid: false, reason: why };
            },
          );
      seen.set(n.line, verdict);
    }
    return verdict;
  };
  const verifyAsymmetricWith = (n: Noted, keys: readonly KeyObject[]): Verdict => {
    const message = payloadDigest(n.record);
    const signature = Buffer.from(n.record.sig, 'base64');
    return keys.some((key) => verifyAsymmetric(n.record.alg, key, message, signature))
      ? { valid: true }
      : { valid: false, reason: 'the signature does not verify with any public key' };
  };
  return {
    state,
    /** Verifies with the keys a configuration allows (its public keys for an asymmetric record). */
    verifyWith: async (n: Noted, allowed: AllowedKeys): Promise<Verdict> =>
      n.record.alg === SYMMETRIC ? verifySymmetric(n) : verifyAsymmetricWith(n, keyObjects(allowed.publicKeys)),
    /** Verifies with any key: what the records of the history were made with, the attacker's own key included. */
    verifyAny: async (n: Noted): Promise<Verdict> =>
      n.record.alg === SYMMETRIC ? verifySymmetric(n) : verifyAsymmetricWith(n, allPublicKeys),
  };
}

function keyObjects(ders: readonly string[]): KeyObject[] {
  return ders.flatMap((der) => {
    try {
      return [createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' })];
    } catch {
      return [];
    }
  });
}

/** The records per key, most claimed first, each key's records verified up to the bounds. */
async function countKeys(records: Noted[], verify: (n: Noted) => Promise<Verdict>): Promise<{ keys: KeyCount[]; moreKeys: number }> {
  const byKey = new Map<string, Noted[]>();
  for (const n of records) byKey.set(n.record.keyId, [...(byKey.get(n.record.keyId) ?? []), n]);
  const ranked = [...byKey].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const keys: KeyCount[] = [];
  for (const [keyId, claims] of ranked.slice(0, COUNT_KEYS)) {
    let verified = 0;
    let failures = 0;
    let checked = 0;
    for (const n of claims.slice(0, COUNT_PER_KEY)) {
      checked++;
      if ((await verify(n)).valid) verified++;
      else if (++failures >= MAX_FAILURES) break;
    }
    keys.push({ keyId, claimed: claims.length, verified, partial: checked < claims.length });
  }
  return { keys, moreKeys: Math.max(0, ranked.length - COUNT_KEYS) };
}

/**
 * First use (DESIGN 3.4, rule 9): which keys the signed history of the
 * configuration vouches for. The attacker can push new commits and any notes,
 * but cannot sign with the team's key, and cannot change the commits that are
 * already there without rewriting the whole history (which every existing
 * clone sees). So trust starts at the oldest configuration in the history and
 * moves only through a change that is signed with a key the configuration
 * before it allowed: a configuration that names a key and is signed with that
 * same key proves nothing by itself.
 */

/** The keys a configuration allows: key ARNs (empty: any key) and public keys (base64 DER). */
export interface AllowedKeys {
  keys: readonly string[];
  publicKeys: readonly string[];
}

/** One version of the configuration: the commit that made it, its file, the file's digest, and what it allows. */
export interface ConfigVersion {
  commit: string;
  path: string;
  /** SHA-512 hex of the file, as a record lists it. */
  digest: string;
  /** Undefined when it cannot be read (invalid, refused) or its key cannot be resolved: such a version moves no trust. */
  allowed?: AllowedKeys;
}

/** A valid record that covers a version, made with a key trusted before that version. */
export interface Endorsement {
  commit: string;
  keyId: string;
}

export interface Chain {
  /** What the newest signed version allows; undefined when no version is signed with a trusted key. */
  trusted?: AllowedKeys;
  /** The newest version found signed, and the record that signs it. */
  signed?: { version: ConfigVersion; by: Endorsement; index: number };
  /** The newest version (HEAD's) is signed with a trusted key. */
  headSigned: boolean;
}

/**
 * Follows the versions (oldest first; the last is HEAD's). `complete` says
 * the list starts at the configuration's first version: only then is that
 * version's key the root of trust (a list cut short could start anywhere,
 * including at an attacker's commit). A version whose keys equal what is
 * trusted already cannot move trust, so it is only checked when nothing is
 * established yet or it is HEAD's: the KMS calls are about the number of key
 * changes, not of configuration changes.
 */
export async function followChain(
  versions: readonly ConfigVersion[],
  complete: boolean,
  endorse: (version: ConfigVersion, trusted: AllowedKeys) => Promise<Endorsement | undefined>,
): Promise<Chain> {
  let trusted = complete ? versions.find((v) => v.allowed)?.allowed : undefined;
  let signed: Chain['signed'];
  for (const [index, version] of versions.entries()) {
    if (!version.allowed || !trusted) continue;
    const last = index === versions.length - 1;
    if (!last && signed && sameKeys(version.allowed, trusted)) continue;
    const by = await endorse(version, trusted);
    if (!by) continue;
    trusted = version.allowed;
    signed = { version, by, index };
  }
  return { trusted: signed ? trusted : undefined, signed, headSigned: signed !== undefined && signed.index === versions.length - 1 };
}

/** Whether a record's key may sign under these allowed keys (before its signature is checked). */
export function keyAllowed(record: { alg: string; keyId: string }, allowed: AllowedKeys, symmetric: string): boolean {
  if (allowed.keys.length > 0 && !allowed.keys.includes(record.keyId)) return false;
  // An asymmetric record verifies only with a public key; a symmetric one must be named where public keys are pinned.
  if (record.alg !== symmetric) return allowed.publicKeys.length > 0;
  return allowed.publicKeys.length === 0 || allowed.keys.includes(record.keyId);
}

/** Whether everything `named` allows is explicitly allowed by `trusted` (an unsigned change that only narrows or keeps). */
export function coveredBy(named: AllowedKeys, trusted: AllowedKeys): boolean {
  if (named.keys.length === 0 && trusted.keys.length > 0) return false;
  return named.keys.every((k) => trusted.keys.includes(k)) && named.publicKeys.every((p) => trusted.publicKeys.includes(p));
}

export function sameKeys(a: AllowedKeys, b: AllowedKeys): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v) => y.includes(v));
  return same(a.keys, b.keys) && same(a.publicKeys, b.publicKeys);
}

import { createHash, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { parsePin, pinEntries, pinPart, retiredPinEntries, type Pin } from '../core/anchors.js';
import type { AllowedKeys } from '../core/trustChain.js';
import { KmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';

/** This clone's pin (DESIGN 3.4, rule 3), or undefined. */
export async function readPin(repo: Repo): Promise<Pin | undefined> {
  return (await readTrust(repo)).pin;
}

/** Set by install when first use pinned nothing (the reason's kind); a pin written later replaces the section. */
const NOTHING_PINNED = 'kmssig.trust.firstUse';

/**
 * The pin, and whether install's first use found nothing it could pin in
 * this clone (then `check` holds records to what the signed history vouches
 * for, usecases/firstUsePin.ts): one read of the section.
 */
export async function readTrust(repo: Repo): Promise<{ pin: Pin | undefined; nothingPinned: boolean }> {
  const entries = await repo.configRegexp('^kmssig\\.trust\\.');
  return { pin: parsePin(entries), nothingPinned: entries.some(([k]) => k.toLowerCase() === NOTHING_PINNED.toLowerCase()) };
}

export async function markNothingPinned(repo: Repo, reason: string): Promise<void> {
  await repo.configSetLocal(NOTHING_PINNED, reason);
}

/** The KMS endpoint and region an older install pinned from a configuration: no longer used (DESIGN 3.4, rule 9). */
export async function readRetiredPin(repo: Repo): Promise<{ endpoint?: string; region?: string }> {
  return retiredPinEntries(await repo.configRegexp('^kmssig\\.trust\\.'));
}

export async function writePin(repo: Repo, pin: Pin): Promise<void> {
  await repo.configReplaceSection('kmssig.trust', pinEntries(pin));
}

export async function clearPin(repo: Repo): Promise<void> {
  await repo.configReplaceSection('kmssig.trust', []);
}

/** A public key file as the pin keeps it: base64 DER, the key itself rather than a path a commit could change. */
export async function publicKeyDer(path: string, read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8')): Promise<string> {
  try {
    const key = createPublicKey(await read(path));
    return key.export({ format: 'der', type: 'spki' }).toString('base64');
  } catch (error) {
    throw new KmssigError('CONFIG', messages.badPublicKey(path, (error as Error).message), { cause: error });
  }
}

/** Reads a file where a configuration was: a commit's tree, or the disk before the first commit (public keys). */
export function fileReader(repo: Repo, commit: string | undefined): (path: string) => Promise<string> {
  return async (path) => {
    if (!commit) return readFile(join(repo.root, path), 'utf8');
    const text = (await repo.readAt(commit, [path])).get(path);
    if (text === undefined) throw new Error(`not in commit ${commit.slice(0, 12)}`);
    return text;
  };
}

const KEY_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:key\//;

/**
 * The keys a configuration allows: `verify.keys`, or — when empty — the key
 * ARN behind `keyId` (DescribeKey resolves an alias; `unresolved` names a
 * keyId KMS could not resolve, and then no key is allowed by name), and the
 * public keys of `verify.publicKeys`, read with `read` (a commit's tree).
 */
export async function allowedKeysOf(
  config: Config,
  read: (path: string) => Promise<string>,
  describe?: KeyManagement['describeKey'],
): Promise<{ allowed: AllowedKeys; unresolved?: { keyId: string; why: string } }> {
  let keys = [...config.verify.keys];
  let unresolved: { keyId: string; why: string } | undefined;
  if (keys.length === 0 && config.keyId) {
    if (KEY_ARN.test(config.keyId) || config.keyId.startsWith('local:')) keys = [config.keyId];
    else if (!describe) unresolved = { keyId: config.keyId, why: 'KMS was not asked' };
    else {
      try {
        keys = [(await describe(config.keyId)).arn];
      } catch (error) {
        unresolved = { keyId: config.keyId, why: (error as Error).message };
      }
    }
  }
  const publicKeys = await Promise.all(config.verify.publicKeys.map((p) => publicKeyDer(p.replace(/^\.\//, ''), read)));
  return { allowed: { keys, publicKeys }, ...(unresolved ? { unresolved } : {}) };
}

/**
 * A pin: the allowed keys, and the refs, static context and required context
 * keys of a configuration (whose origin is `policyOrigin`). Hook modes are
 * not pinned: a signed configuration may change them.
 */
export function pinOf(
  allowed: AllowedKeys,
  policy: Pick<Config, 'context' | 'verify'>,
  origins: { key: (arn: string) => string; publicKeys: string; policy: string },
): Pin {
  const pin: Pin = {
    keys: [...allowed.keys],
    refs: [...policy.verify.refs],
    context: { ...policy.context },
    requireContext: [...policy.verify.requireContext],
    publicKeys: [...allowed.publicKeys],
    hooks: {},
    origins: {},
  };
  for (const arn of pin.keys) pin.origins![pinPart('key', arn)] = origins.key(arn);
  for (const der of pin.publicKeys) pin.origins![pinPart('publicKey', der)] = origins.publicKeys;
  if (pin.refs.length > 0) pin.origins![pinPart('refs')] = origins.policy;
  if (Object.keys(pin.context).length > 0) pin.origins![pinPart('context')] = origins.policy;
  if (pin.requireContext.length > 0) pin.origins![pinPart('requireContext')] = origins.policy;
  return pin;
}

/** A public key's short name in output: the start of the SHA-256 of its DER. */
export function publicKeyName(der: string): string {
  return `sha256:${createHash('sha256').update(Buffer.from(der, 'base64')).digest('hex').slice(0, 16)}`;
}

/** Pinned keys or public keys, those with the same origin listed together and followed by it once. */
function grouped(pin: Pin, part: 'key' | 'publicKey', values: readonly string[], show: (v: string) => string): string {
  const groups = new Map<string | undefined, string[]>();
  for (const v of values) {
    const o = pin.origins?.[pinPart(part, v)];
    groups.set(o, [...(groups.get(o) ?? []), show(v)]);
  }
  return [...groups].map(([o, shown]) => `${shown.join(', ')}${o ? ` (${o})` : ''}`).join(', ');
}

/** The keys and public keys of a pin on one line, each with where it came from. */
export function describePinKeys(pin: Pin): string {
  const keys = pin.keys.length > 0 ? [grouped(pin, 'key', pin.keys, (k) => k)] : [];
  const publicKeys = pin.publicKeys.length > 0 ? [`public key ${grouped(pin, 'publicKey', pin.publicKeys, publicKeyName)}`] : [];
  return [...keys, ...publicKeys].join('; ') || 'any key';
}

/** The pin in lines a person can read before trusting it, each value with where it came from. */
export function describePin(pin: Pin): string[] {
  const origin = (part: string) => pin.origins?.[part];
  const from = (part: string) => (origin(part) ? ` (${origin(part)})` : '');
  const context = Object.entries(pin.context).map(([k, v]) => `${k}=${v}`);
  return [
    `  keys:            ${pin.keys.length > 0 ? grouped(pin, 'key', pin.keys, (k) => k) : '(any key: not pinned)'}`,
    `  refs:            ${pin.refs.length > 0 ? pin.refs.join(', ') + from('refs') : '(any ref)'}`,
    `  context:         ${context.length > 0 ? context.join(', ') + from('context') : '(none required)'}`,
    `  requireContext:  ${pin.requireContext.length > 0 ? pin.requireContext.join(', ') + from('requireContext') : '(none)'}`,
    `  public keys:     ${pin.publicKeys.length > 0 ? grouped(pin, 'publicKey', pin.publicKeys, publicKeyName) : '0'}`,
    ...Object.entries(pin.hooks).map(([hook, mode]) => `  hook ${hook}: ${mode}`),
  ];
}

import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { parsePin, pinEntries, type Pin } from '../core/anchors.js';
import { KmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';

/** This clone's pin (DESIGN 3.4, rule 3), or undefined. */
export async function readPin(repo: Repo): Promise<Pin | undefined> {
  return parsePin(await repo.configRegexp('^kmssig\\.trust\\.'));
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

const KEY_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:key\//;

/**
 * The pin a configuration asks for (trust on first use, shown to the user):
 * its allowed keys — or the key ARN behind `keyId`, when KMS can tell —, refs,
 * static context, required context keys, public keys, region and endpoint.
 * Hook modes are not pinned: a signed configuration may change them.
 */
export async function pinFromConfig(
  read: (path: string) => Promise<string>,
  config: Config,
  describe?: KeyManagement['describeKey'],
): Promise<{ pin: Pin; unresolvedKey?: string }> {
  let keys = [...config.verify.keys];
  let unresolvedKey: string | undefined;
  if (keys.length === 0 && config.keyId) {
    if (KEY_ARN.test(config.keyId) || config.keyId.startsWith('local:')) keys = [config.keyId];
    else if (describe) {
      const arn = await describe(config.keyId)
        .then((info) => info.arn)
        .catch(() => undefined);
      if (arn) keys = [arn];
      else unresolvedKey = config.keyId;
    } else unresolvedKey = config.keyId;
  }
  const publicKeys = await Promise.all(config.verify.publicKeys.map((p) => publicKeyDer(p.replace(/^\.\//, ''), read)));
  const pin: Pin = {
    keys,
    refs: [...config.verify.refs],
    context: { ...config.context },
    requireContext: [...config.verify.requireContext],
    publicKeys,
    hooks: {},
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
  return { pin, unresolvedKey };
}

/** The pin in lines a person can read before trusting it. */
export function describePin(pin: Pin): string[] {
  const list = (items: readonly string[], none: string) => (items.length > 0 ? items.join(', ') : none);
  const context = Object.entries(pin.context).map(([k, v]) => `${k}=${v}`);
  return [
    `  keys:            ${list(pin.keys, '(any key: not pinned)')}`,
    `  refs:            ${list(pin.refs, '(any ref)')}`,
    `  context:         ${list(context, '(none required)')}`,
    `  requireContext:  ${list(pin.requireContext, '(none)')}`,
    `  public keys:     ${pin.publicKeys.length}`,
    ...(pin.region ? [`  region:          ${pin.region}`] : []),
    ...(pin.endpoint ? [`  endpoint:        ${pin.endpoint}`] : []),
    ...Object.entries(pin.hooks).map(([hook, mode]) => `  hook ${hook}: ${mode}`),
  ];
}

import { resolve } from 'node:path';
import { pinPart, type HookMode, type Pin } from '../core/anchors.js';
import { parseContextArgs } from '../core/context.js';
import { isHookName, KMSSIG_HOOKS } from '../core/hookNames.js';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { publicKeyDer } from './pin.js';

/** What `kmssig trust` was given to pin: each list replaces that part of the pin. */
export interface PinFlags {
  keys: readonly string[];
  refs: readonly string[];
  context: readonly string[];
  /** Paths of PEM files, relative to `cwd`. */
  publicKeys: readonly string[];
  /** `<hook>=<mode>` pairs. */
  hooks: readonly string[];
}

const MODES = ['block', 'warn', 'off'];
const GIVEN = 'given on the command line';

export const emptyPin = (): Pin => ({ keys: [], refs: [], context: {}, requireContext: [], publicKeys: [], hooks: {} });

/** The pin with the parts the flags set replaced, each marked as given on the command line; undefined when no flag sets anything. */
export async function applyPinFlags(pin: Pin, flags: PinFlags, cwd: string): Promise<Pin | undefined> {
  const { keys, refs, context, publicKeys, hooks } = flags;
  if (keys.length + refs.length + context.length + publicKeys.length + hooks.length === 0) return undefined;
  const origins: Record<string, string> = { ...pin.origins };
  const next: Pin = { ...pin, hooks: { ...pin.hooks }, origins };
  if (keys.length > 0) {
    for (const k of next.keys) delete origins[pinPart('key', k)];
    next.keys = [...keys];
    for (const k of keys) origins[pinPart('key', k)] = GIVEN;
  }
  if (refs.length > 0) {
    next.refs = [...refs];
    origins[pinPart('refs')] = GIVEN;
  }
  if (context.length > 0) {
    next.context = parseContextArgs(context);
    origins[pinPart('context')] = GIVEN;
  }
  if (publicKeys.length > 0) {
    for (const p of next.publicKeys) delete origins[pinPart('publicKey', p)];
    next.publicKeys = await Promise.all(publicKeys.map((p) => publicKeyDer(resolve(cwd, p))));
    for (const p of next.publicKeys) origins[pinPart('publicKey', p)] = GIVEN;
  }
  for (const pair of hooks) {
    const [hook, mode] = pair.split('=');
    if (!hook || !isHookName(hook) || !mode || !MODES.includes(mode))
      throw new KmssigError(
        'USAGE',
        messages.usage(`--hook takes <${KMSSIG_HOOKS.join('|')}>=<${MODES.join('|')}>, not ${JSON.stringify(pair)}`, 'trust'),
      );
    next.hooks[hook] = mode as HookMode;
  }
  return next;
}

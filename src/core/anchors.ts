import type { Context } from './context.js';
import { refAllowed, type Policy } from './policy.js';

/**
 * Trust anchors (DESIGN 3.4). What decides whether a record counts comes from
 * flags, then this clone's pin, then the configuration at the signed commit
 * whose record is evaluated — never from the commit under verification.
 */

export type HookMode = 'block' | 'warn' | 'off';

/** This clone's pinned policy, kept in its git config under `kmssig.trust.*`. */
export interface Pin {
  keys: string[];
  refs: string[];
  context: Context;
  requireContext: string[];
  /** Public keys as base64 DER (SubjectPublicKeyInfo): the key itself, not a path a commit could change. */
  publicKeys: string[];
  /** Hook modes set deliberately (`kmssig trust --hook post-merge=warn`). */
  hooks: Record<string, HookMode>;
  /**
   * Where each pinned value came from, shown with it (`signed at 1a2b3c4d5e6f`,
   * `given on the command line`, `the key of 214 records`): keyed by
   * `pinPart` names. Pins written before kmssig kept this have none.
   */
  origins?: Record<string, string>;
}

/** The name a pinned value's origin is kept under: `key:<arn>` and `publicKey:<der>` for each key, the part's name for the others. */
export function pinPart(part: 'key' | 'publicKey' | 'refs' | 'context' | 'requireContext', value?: string): string {
  return value === undefined ? part : `${part}:${value}`;
}

/** The policy parts of a configuration (a signed commit's), as the pin resolution needs them. */
export interface PolicySource {
  context: Context;
  verify: { keys: readonly string[]; refs: readonly string[]; requireContext: readonly string[] };
}

/** Flags of the command line: each one given replaces the pin and the configuration for its part. */
export interface PolicyFlags {
  keys?: readonly string[];
  refs?: readonly string[];
  context?: Context;
}

const PREFIX = 'kmssig.trust.';
const HOOK_MODES: readonly string[] = ['block', 'warn', 'off'];

/** Reads the pin from `git config --get-regexp` pairs; undefined when this clone has none. */
export function parsePin(entries: readonly (readonly [string, string])[]): Pin | undefined {
  const pin: Pin = { keys: [], refs: [], context: {}, requireContext: [], publicKeys: [], hooks: {} };
  let pinned = false;
  for (const [rawKey, value] of entries) {
    const key = rawKey.toLowerCase();
    if (!key.startsWith(PREFIX)) continue;
    const name = key.slice(PREFIX.length);
    if (name === 'pinned') pinned = value === 'true';
    else if (name === 'key') pin.keys.push(value);
    else if (name === 'ref') pin.refs.push(value);
    else if (name === 'requirecontext') pin.requireContext.push(value);
    else if (name === 'publickey') pin.publicKeys.push(value);
    else if (name === 'origin') {
      // `<part> <text>`: a part name has no space, the text may.
      const space = value.indexOf(' ');
      if (space > 0) (pin.origins ??= {})[value.slice(0, space)] = value.slice(space + 1);
    } else if (name === 'context' || name === 'hook') {
      const eq = value.indexOf('=');
      if (eq <= 0) continue;
      const [k, v] = [value.slice(0, eq), value.slice(eq + 1)];
      if (name === 'context') pin.context[k] = v;
      else if (HOOK_MODES.includes(v)) pin.hooks[k] = v as HookMode;
    }
  }
  return pinned ? pin : undefined;
}

/** The git config entries that store a pin (the inverse of parsePin). */
export function pinEntries(pin: Pin): [string, string][] {
  return [
    [`${PREFIX}pinned`, 'true'],
    ...pin.keys.map((v): [string, string] => [`${PREFIX}key`, v]),
    ...pin.refs.map((v): [string, string] => [`${PREFIX}ref`, v]),
    ...Object.entries(pin.context).map(([k, v]): [string, string] => [`${PREFIX}context`, `${k}=${v}`]),
    ...pin.requireContext.map((v): [string, string] => [`${PREFIX}requireContext`, v]),
    ...pin.publicKeys.map((v): [string, string] => [`${PREFIX}publicKey`, v]),
    ...Object.entries(pin.hooks).map(([k, v]): [string, string] => [`${PREFIX}hook`, `${k}=${v}`]),
    ...Object.entries(pin.origins ?? {}).map(([part, text]): [string, string] => [`${PREFIX}origin`, `${part} ${text}`]),
  ];
}

/**
 * The KMS endpoint and region that an older install pinned from a commit's
 * configuration (`kmssig.trust.endpoint`, `kmssig.trust.region`): no longer
 * used, since they came from a commit (DESIGN 3.4, rule 9), and named so that
 * the user knows where to set them now.
 */
export function retiredPinEntries(entries: readonly (readonly [string, string])[]): { endpoint?: string; region?: string } {
  const found: { endpoint?: string; region?: string } = {};
  for (const [rawKey, value] of entries) {
    const key = rawKey.toLowerCase();
    if (key === `${PREFIX}endpoint`) found.endpoint = value;
    else if (key === `${PREFIX}region`) found.region = value;
  }
  return found;
}

/**
 * The policy a record at a signed commit must satisfy: each part from the
 * first anchor that sets it — flags, the pin, the configuration at that
 * signed commit (which someone with signing rights signed).
 *
 * Allowed refs name the release refs: unless they come from a flag, they
 * apply only where the revision verified is on one of them (`targetRefs`: the
 * branch checked out, the tags at the commit, the ref `--rev` names), so a
 * feature branch's own records count on that branch (docs/configuration.md).
 */
export function resolvePolicy(
  flags: PolicyFlags,
  pin: Pin | undefined,
  signed: PolicySource | undefined,
  targetRefs: readonly string[] = [],
): Policy {
  const pick = <T>(...choices: (readonly T[] | undefined)[]): readonly T[] => choices.find((c) => c && c.length > 0) ?? [];
  const pickContext = (...choices: (Context | undefined)[]): Context => choices.find((c) => c && Object.keys(c).length > 0) ?? {};
  const refs = pick(flags.refs, pin?.refs, signed?.verify.refs);
  const explicit = (flags.refs?.length ?? 0) > 0;
  return {
    keys: pick(flags.keys, pin?.keys, signed?.verify.keys),
    refs: explicit || targetRefs.some((ref) => refAllowed(ref, refs)) ? refs : [],
    context: pickContext(flags.context, pin?.context, signed?.context),
    requireContext: pick(pin?.requireContext, signed?.verify.requireContext),
  };
}

/** What a hook does on a failure: the pin's deliberate choice, else the signed configuration's, else block. */
export function hookMode(hook: string, pin: Pin | undefined, signed: { hooks: Partial<Record<string, string>> } | undefined): HookMode {
  const fromSigned = signed?.hooks[hook];
  return pin?.hooks[hook] ?? (fromSigned && HOOK_MODES.includes(fromSigned) ? (fromSigned as HookMode) : 'block');
}

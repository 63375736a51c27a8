import { readFile } from 'node:fs/promises';
import { isHookName, KMSSIG_HOOKS } from '../../core/hookNames.js';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../../config/loadConfig.js';
import { parseContextArgs } from '../../core/context.js';
import type { HookMode, Pin } from '../../core/anchors.js';
import { KmssigError } from '../../errors.js';
import { Repo } from '../../git/repo.js';
import { createKms } from '../../kms/createKms.js';
import { messages } from '../../messages.js';
import { check } from '../../usecases/check.js';
import { clearPin, describePin, pinFromConfig, publicKeyDer, readPin, writePin } from '../../usecases/pin.js';
import { listOption, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io, type Output } from '../io.js';
import { kmsOptions, kmsTimeoutMs } from '../kmsOptions.js';
import { openProject, sessionFromFlags } from '../project.js';

export const spec: CommandSpec = {
  name: 'trust',
  examples: [
    'kmssig trust   # show what this clone trusts',
    'kmssig trust --key arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  ],
  usage:
    'kmssig trust [--update [--rev <rev>]] [--key <arn>]... [--ref <pattern>]... [--context k=v]... [--public-key <pem>]... [--hook <name>=block|warn|off]... [--clear]',
  summary:
    "Show or change this clone's pinned policy: which keys, refs, context pairs and public keys a record must have to count here, whatever a pulled commit's configuration says. install pins the configuration it finds (trust on first use); only this command changes the pin.",
  options: {
    update: {
      type: 'boolean',
      help: 're-pin from the configuration at --rev (default HEAD); refused unless that revision verifies under the current pin',
    },
    rev: { type: 'string', value: 'rev', help: 'the revision whose configuration --update pins' },
    key: { type: 'string', multiple: true, value: 'arn', help: 'pin these key ARNs (replaces the pinned keys)' },
    ref: { type: 'string', multiple: true, value: 'pattern', help: 'pin these release refs (replaces the pinned refs)' },
    context: { type: 'string', multiple: true, value: 'k=v,...', help: 'pin these context pairs (replaces the pinned context)' },
    'public-key': { type: 'string', multiple: true, value: 'pem', help: 'pin these public keys (replaces the pinned public keys)' },
    hook: { type: 'string', multiple: true, value: 'name=mode', help: 'what a hook does on a failure here: block, warn or off' },
    clear: { type: 'boolean', help: 'remove the pin (records then count under the signed configuration alone)' },
    ...kmsOptions,
  },
};

const MODES = ['block', 'warn', 'off'];

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  if (values.clear === true) {
    await clearPin(repo);
    out.result('removed the pin of this clone');
    return 0;
  }
  let pin = await readPin(repo);
  if (values.update === true) pin = await updatedPin(repo, pin, values, io, out);
  const changed = await applyFlags(pin ?? emptyPin(), values, io.cwd);
  if (changed || values.update === true) {
    pin = changed ?? pin!;
    await writePin(repo, pin);
    out.result("pinned in this clone's git config (kmssig.trust.*):");
  } else if (!pin) {
    out.result("this clone has no pin: records count under the signed configuration alone; run 'kmssig trust --update' to pin it");
    return 0;
  } else out.result('this clone trusts:');
  for (const line of describePin(pin)) out.result(line);
  return 0;
}

const emptyPin = (): Pin => ({ keys: [], refs: [], context: {}, requireContext: [], publicKeys: [], hooks: {} });

/** The pin of the configuration at --rev, once that revision verifies under what is trusted now (or on first use). */
async function updatedPin(repo: Repo, current: Pin | undefined, values: Record<string, unknown>, io: Io, out: Output): Promise<Pin> {
  const rev = stringOption(values, 'rev') ?? 'HEAD';
  const { commit, loaded } = await openProject(io, rev);
  if (current) {
    const session = await sessionFromFlags(repo, loaded, {}, io, { cache: true, targetRefs: await repo.refsOf(rev, commit) });
    const report = await check(session, { commit });
    if (report.status !== 'pass' || !report.files.some((f) => f.path === loaded.path && f.state === 'ok'))
      throw new KmssigError('INVALID', messages.trustUpdateUnverified(rev, loaded.path));
  }
  return (await pinWithKey(repo, loaded, commit, values, io, out)).pin;
}

/** Pins a configuration, resolving an alias to its key ARN through KMS when it can. */
async function pinWithKey(
  repo: Repo,
  loaded: LoadedConfig,
  commit: string | undefined,
  values: Record<string, unknown>,
  io: Io,
  out: Output,
) {
  const kms = createKms({
    baseDir: repo.root,
    region: stringOption(values, 'region') ?? loaded.config.region,
    endpoint: stringOption(values, 'endpoint') ?? loaded.config.endpoint,
    timeoutMs: kmsTimeoutMs(io.env) ?? 5000,
  });
  // Public keys are read where the configuration was: the commit's tree, or the disk before the first commit.
  const read = async (path: string) => {
    if (!commit) return readFile(join(repo.root, path), 'utf8');
    const text = (await repo.readAt(commit, [path])).get(path);
    if (text === undefined) throw new Error(`not in commit ${commit.slice(0, 12)}`);
    return text;
  };
  const result = await pinFromConfig(read, loaded.config, (keyId) => kms.describeKey(keyId));
  if (result.unresolvedKey) out.warn(messages.pinKeyUnresolved(result.unresolvedKey));
  return result;
}

/** The pin with the parts the flags set replaced; undefined when no flag sets anything. */
async function applyFlags(pin: Pin, values: Record<string, unknown>, cwd: string): Promise<Pin | undefined> {
  const keys = listOption(values, 'key');
  const refs = listOption(values, 'ref');
  const context = listOption(values, 'context');
  const publicKeys = listOption(values, 'public-key');
  const hooks = listOption(values, 'hook');
  if (keys.length + refs.length + context.length + publicKeys.length + hooks.length === 0) return undefined;
  const next: Pin = { ...pin, hooks: { ...pin.hooks } };
  if (keys.length > 0) next.keys = keys;
  if (refs.length > 0) next.refs = refs;
  if (context.length > 0) next.context = parseContextArgs(context);
  if (publicKeys.length > 0) next.publicKeys = await Promise.all(publicKeys.map((p) => publicKeyDer(resolve(cwd, p))));
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

/**
 * install's part (DESIGN 3.4): a clone without a pin pins the configuration
 * it was installed with, and shows it; an existing pin is kept, since only
 * `kmssig trust` changes it.
 */
export async function pinOnInstall(repo: Repo, loaded: LoadedConfig, commit: string | undefined, io: Io): Promise<void> {
  const out = createOutput(io);
  const existing = await readPin(repo);
  if (existing) {
    out.info({ level: 'info', text: "kept this clone's pin ('kmssig trust' shows and changes it)" });
    return;
  }
  const { pin } = await pinWithKey(repo, loaded, commit, {}, io, out);
  await writePin(repo, pin);
  out.info({ level: 'info', text: `pinned what this clone trusts, from ${loaded.path} (change it with 'kmssig trust'):` });
  for (const line of describePin(pin)) out.info(line);
}

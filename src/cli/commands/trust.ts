import { resolve } from 'node:path';
import { createLineCache } from '../../cache/lineCache.js';
import type { LoadedConfig } from '../../config/loadConfig.js';
import { pinPart, type HookMode, type Pin } from '../../core/anchors.js';
import { parseContextArgs } from '../../core/context.js';
import { isHookName, KMSSIG_HOOKS } from '../../core/hookNames.js';
import { KmssigError } from '../../errors.js';
import { Repo } from '../../git/repo.js';
import { fetchAllNotes } from '../../hooks/installHooks.js';
import { createKms } from '../../kms/createKms.js';
import { messages } from '../../messages.js';
import { check } from '../../usecases/check.js';
import { firstUse, type FirstUse } from '../../usecases/firstUse.js';
import {
  allowedKeysOf,
  clearPin,
  describePin,
  fileReader,
  pinOf,
  publicKeyDer,
  publicKeyName,
  readPin,
  readRetiredPin,
  writePin,
} from '../../usecases/pin.js';
import { listOption, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io, type Output } from '../io.js';
import { configKmsNote, kmsOptions, kmsTimeoutMs, kmsValues } from '../kmsOptions.js';
import { openProject, sessionFromFlags } from '../project.js';

export const spec: CommandSpec = {
  name: 'trust',
  usage:
    'kmssig trust [--update [--rev <rev>]] [--key <arn>]... [--ref <pattern>]... [--context k=v]... [--public-key <pem>]... [--hook <name>=block|warn|off]... [--clear]',
  summary:
    "Show or change this clone's pinned policy: which keys, refs, context pairs and public keys a record must have to count here, whatever a pulled commit's configuration says, each with where it came from. install pins what the signed history vouches for (trust on first use: a configuration covered by a valid record made with a key the history trusts, or the keys of the newest signed configuration) and otherwise nothing; only this command changes the pin.",
  options: {
    update: {
      type: 'boolean',
      help: 're-pin from the configuration at --rev (default HEAD); refused unless that revision verifies under the current pin (with no pin yet: what install would pin)',
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
  const retired = await readRetiredPin(repo);
  if (retired.endpoint || retired.region) out.warn(messages.pinRetired(kmsValues(retired)));
  if (values.update === true) pin = await updatedPin(repo, pin, values, io, out);
  const changed = await applyFlags(pin ?? emptyPin(), values, io.cwd);
  if (changed || values.update === true) {
    pin = changed ?? pin!;
    await writePin(repo, pin);
    out.result("pinned in this clone's git config (kmssig.trust.*):");
  } else if (!pin) {
    out.result(messages.trustNoPin());
    return 0;
  } else out.result('this clone trusts:');
  for (const line of describePin(pin)) out.result(line);
  return 0;
}

const emptyPin = (): Pin => ({ keys: [], refs: [], context: {}, requireContext: [], publicKeys: [], hooks: {} });

/** KMS for the pin's own questions (DescribeKey of an alias, Decrypt of records): flags or the environment, never a configuration. */
function pinKms(repo: Repo, values: Record<string, unknown>, io: Io) {
  return createKms({
    baseDir: repo.root,
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: kmsTimeoutMs(io.env) ?? 5000,
  });
}

/**
 * The pin of the configuration at --rev: once that revision verifies under
 * what is trusted now, configuration file included; with no pin yet, what
 * first use allows (or nothing, exit 1, saying what was found).
 */
async function updatedPin(repo: Repo, current: Pin | undefined, values: Record<string, unknown>, io: Io, out: Output): Promise<Pin> {
  const rev = stringOption(values, 'rev') ?? 'HEAD';
  const { commit, loaded } = await openProject(io, rev);
  const note = configKmsNote(loaded);
  if (note) out.info(note);
  const kms = pinKms(repo, values, io);
  if (!current) {
    // As install does: the records that first use weighs are the remotes' too.
    for (const r of await fetchAllNotes(repo)) if (r.error) out.warn(messages.notesFetchFailed(r.remote, r.error));
    const result = await firstUse({ repo, loaded, head: commit, kms, cache: createLineCache(repo.commonDir, 'verified') });
    if (result.pinned) {
      reportPinned(result, loaded.path, out);
      return result.pin;
    }
    reportNotPinned(result, loaded.path, out);
    throw new KmssigError(result.reason.kind === 'kms' ? 'KMS' : 'INVALID', messages.firstUseRefused());
  }
  const where = { region: values.region, endpoint: values.endpoint };
  const session = await sessionFromFlags(repo, loaded, where, io, { cache: true, targetRefs: await repo.refsOf(rev, commit) });
  const report = await check(session, { commit });
  const signed = report.files.find((f) => f.path === loaded.path && f.state === 'ok');
  if (report.status !== 'pass' || !signed) throw new KmssigError('INVALID', messages.trustUpdateUnverified(rev, loaded.path));
  const at = `signed at ${(signed.signedCommit ?? commit).slice(0, 12)}`;
  const { allowed, unresolved } = await allowedKeysOf(loaded.config, fileReader(repo, commit), (keyId) => kms.describeKey(keyId));
  if (unresolved) out.warn(messages.pinKeyUnresolved(unresolved.keyId));
  return pinOf(allowed, loaded.config, { key: () => at, publicKeys: at, policy: at });
}

/** The parts the flags set replace the pin's, given on the command line. */
async function applyFlags(pin: Pin, values: Record<string, unknown>, cwd: string): Promise<Pin | undefined> {
  const keys = listOption(values, 'key');
  const refs = listOption(values, 'ref');
  const context = listOption(values, 'context');
  const publicKeys = listOption(values, 'public-key');
  const hooks = listOption(values, 'hook');
  if (keys.length + refs.length + context.length + publicKeys.length + hooks.length === 0) return undefined;
  const next: Pin = { ...pin, hooks: { ...pin.hooks }, origins: { ...pin.origins } };
  const given = 'given on the command line';
  const origins = next.origins!;
  if (keys.length > 0) {
    for (const k of next.keys) delete origins[pinPart('key', k)];
    next.keys = keys;
    for (const k of keys) origins[pinPart('key', k)] = given;
  }
  if (refs.length > 0) {
    next.refs = refs;
    origins[pinPart('refs')] = given;
  }
  if (context.length > 0) {
    next.context = parseContextArgs(context);
    origins[pinPart('context')] = given;
  }
  if (publicKeys.length > 0) {
    for (const p of next.publicKeys) delete origins[pinPart('publicKey', p)];
    next.publicKeys = await Promise.all(publicKeys.map((p) => publicKeyDer(resolve(cwd, p))));
    for (const p of next.publicKeys) origins[pinPart('publicKey', p)] = given;
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

function reportPinned(result: Extract<FirstUse, { pinned: true }>, file: string, out: Output): void {
  if (result.unsignedChange) out.warn(messages.firstUseUnsignedChange(file, result.unsignedChange.commit, result.unsignedChange.signedAt));
}

/** What first use found when it pinned nothing: why, what the configuration names, the keys of the records, and what to do. */
function reportNotPinned(result: Extract<FirstUse, { pinned: false }>, file: string, out: Output): void {
  const r = result.reason;
  const why =
    r.kind === 'nothing-signed'
      ? messages.firstUseWhy.nothingSigned()
      : r.kind === 'unsigned-change'
        ? messages.firstUseWhy.unsignedChange(file, r.commit)
        : r.kind === 'untrusted-signer'
          ? messages.firstUseWhy.untrustedSigner(file, r.commit, r.keyId)
          : r.kind === 'history-unread'
            ? messages.firstUseWhy.historyUnread(file, r.why)
            : r.kind === 'unresolved'
              ? messages.firstUseWhy.unresolved(r.keyId, r.why)
              : messages.firstUseWhy.kms(r.why);
  out.warn(messages.firstUseNotPinned(why));
  out.warn(messages.firstUseNamed(file, result.named.keys, result.named.publicKeys.map(publicKeyName)));
  out.warn(messages.firstUseRecords(result.keys, result.moreKeys));
  out.info(messages.firstUseAsk());
}

/**
 * install's part (DESIGN 3.4, rule 9): a clone without a pin pins what the
 * signed history vouches for, and shows it with where each value came from;
 * otherwise nothing, saying what it found. An existing pin is kept, since
 * only `kmssig trust` changes it.
 */
export async function pinOnInstall(
  repo: Repo,
  loaded: LoadedConfig,
  commit: string | undefined,
  values: Record<string, unknown>,
  io: Io,
): Promise<void> {
  const out = createOutput(io);
  const note = configKmsNote(loaded);
  if (note) out.info(note);
  const retired = await readRetiredPin(repo);
  if (retired.endpoint || retired.region) out.warn(messages.pinRetired(kmsValues(retired)));
  if (await readPin(repo)) {
    out.info(messages.pinKept());
    return;
  }
  const kms = pinKms(repo, values, io);
  const result = await firstUse({ repo, loaded, head: commit, kms, cache: createLineCache(repo.commonDir, 'verified') });
  if (!result.pinned) {
    reportNotPinned(result, loaded.path, out);
    return;
  }
  await writePin(repo, result.pin);
  reportPinned(result, loaded.path, out);
  out.info(messages.pinWritten(loaded.path));
  for (const line of describePin(result.pin)) out.info(line);
}

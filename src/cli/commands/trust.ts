import { configKmsNote } from '../../config/kmsLocation.js';
import type { LoadedConfig } from '../../config/loadConfig.js';
import type { Pin } from '../../core/anchors.js';
import { KmssigError } from '../../errors.js';
import { Repo } from '../../git/repo.js';
import { fetchAllNotes } from '../../hooks/installHooks.js';
import { createKms } from '../../kms/createKms.js';
import { messages, type Message } from '../../messages.js';
import { check } from '../../usecases/check.js';
import { allowedKeysOf, clearPin, describePin, fileReader, markNothingPinned, pinOf, readPin, writePin } from '../../usecases/pin.js';
import { applyPinFlags, emptyPin } from '../../usecases/pinFlags.js';
import { pinnedLines, retiredPinLines, trustOnFirstUse } from '../../usecases/trustOnFirstUse.js';
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

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  if (values.clear === true) {
    await clearPin(repo);
    out.result('removed the pin of this clone');
    return 0;
  }
  let pin = await readPin(repo);
  show(out, await retiredPinLines(repo));
  if (values.update === true) pin = await updatedPin(repo, pin, values, io, out);
  const flags = {
    keys: listOption(values, 'key'),
    refs: listOption(values, 'ref'),
    context: listOption(values, 'context'),
    publicKeys: listOption(values, 'public-key'),
    hooks: listOption(values, 'hook'),
  };
  const changed = await applyPinFlags(pin ?? emptyPin(), flags, io.cwd);
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

/** Lines of a use case on stderr: warnings in their colour, the rest as they are. */
function show(out: Output, lines: readonly Message[]): void {
  for (const line of lines) (line.level === 'warn' || line.level === 'error' ? out.warn : out.info)(line);
}

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
  const kms = pinKms(repo, values, io);
  if (!current) {
    const note = configKmsNote(loaded);
    if (note) out.info(note);
    // As install does: the records that first use weighs are the remotes' too.
    for (const r of await fetchAllNotes(repo)) if (r.error) out.warn(messages.notesFetchFailed(r.remote, r.error));
    const first = await trustOnFirstUse({ repo, loaded, head: commit, kms, fetched: true });
    show(out, first.lines);
    if (first.pin) return first.pin;
    throw new KmssigError(first.refused ?? 'INVALID', messages.firstUseRefused());
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

/**
 * install's part (DESIGN 3.4, rule 9): a clone without a pin pins what the
 * signed history vouches for, and shows it with where each value came from;
 * otherwise nothing, saying what it found. An existing pin is kept, since
 * only `kmssig trust` changes it. `fetched`: install fetched the signatures.
 */
export async function pinOnInstall(
  repo: Repo,
  loaded: LoadedConfig,
  head: string | undefined,
  options: { values: Record<string, unknown>; fetched: boolean },
  io: Io,
): Promise<void> {
  const out = createOutput(io);
  const note = configKmsNote(loaded);
  show(out, [...(note ? [note] : []), ...(await retiredPinLines(repo))]);
  if (await readPin(repo)) {
    out.info(messages.pinKept());
    return;
  }
  const first = await trustOnFirstUse({ repo, loaded, head, kms: pinKms(repo, options.values, io), fetched: options.fetched });
  show(out, first.lines);
  if (!first.pin) return markNothingPinned(repo, first.reason ?? 'refused');
  await writePin(repo, first.pin);
  show(out, pinnedLines(first.pin, loaded.path));
}

/**
 * Every user-facing sentence lives here, so wording stays consistent: what
 * failed, where, why, and what to do next — on one line.
 *
 * Severity is data (DESIGN 7): a line the user sees is a Message, its level
 * beside its text. The glyphs and colours are the output layer's
 * (src/cli/format/figures.ts); no text here carries one, and npm run lint fails
 * on one. A function that returns a plain string words a reason or a fact that
 * other sentences (or a report's problem) take in.
 */

/** A line's severity; `plain` lines carry no glyph, `alarm` is a hook's banner. */
export type Level = 'error' | 'warn' | 'info' | 'ok' | 'alarm' | 'plain';

/** A line the user sees: its level and its bare text (which may span lines). */
export interface Message {
  readonly level: Level;
  readonly text: string;
}

/** What the output layer prints: plain text, a message with its level, or a message's lines. */
export type Shown = string | Message | readonly Message[];

const error = (text: string): Message => ({ level: 'error', text });
const warn = (text: string): Message => ({ level: 'warn', text });
const info = (text: string): Message => ({ level: 'info', text });
const ok = (text: string): Message => ({ level: 'ok', text });
const alarm = (text: string): Message => ({ level: 'alarm', text });
const plain = (text: string): Message => ({ level: 'plain', text });

const q = (s: string) => JSON.stringify(s);
/** A configuration that went away: a file, or the "kmssig" key of package.json. */
const removedConfig = (path: string) => (path === 'package.json' ? 'the "kmssig" key of package.json' : path);
/** The honest way out, for every message about a configuration that went away. */
const stopUsing =
  ', or, if your team stopped using kmssig, run kmssig uninstall and kmssig trust --clear in each clone (and drop kmssig check from CI)';

/**
 * Why a KMS call failed, independent of the provider's error names. src/kms
 * raises these (KmsError); they are defined here, with the advice for each, so
 * that this file imports nothing of the project.
 */
export type KmsFailureKind =
  | 'bad-ciphertext' // exit 1: the blob or the context does not match
  | 'wrong-key' // exit 1: the signature is from another key than the pinned one
  | 'access-denied'
  | 'not-found'
  | 'unreachable'
  | 'credentials'
  | 'throttled'
  | 'key-state'
  | 'other';

const kmsAdvice: Record<KmsFailureKind, string> = {
  'bad-ciphertext': 'the signature is corrupt or was made for another context',
  'wrong-key': 'the signature was made by a key that is not allowed',
  'access-denied': 'check that your credentials may use this key (kms:Encrypt / kms:Decrypt / kms:Sign)',
  'not-found': 'check the key ID, alias or region',
  unreachable: 'check the network, the region and AWS_ENDPOINT_URL_KMS, then try again',
  credentials: 'configure AWS credentials and a region (AWS_PROFILE, AWS_REGION, or the environment), then try again',
  throttled: 'KMS is throttling requests; try again shortly',
  'key-state': 'the key is disabled, pending deletion, or has the wrong key usage',
  other: 'see --debug for details',
};

export const messages = {
  // usage
  unknownCommand: (name: string) => error(`unknown command ${q(name)}: run 'kmssig --help' to see the commands`),
  usage: (problem: string, command: string) => error(`${problem}: run 'kmssig ${command} --help' for usage`),
  internalError: (why: string) => error(`internal error: ${why}; please report it with the output of --debug`),

  // context
  badContextPair: (pair: string) =>
    error(`malformed context pair ${q(pair)}: write key=value, separated by commas (\\, for a comma in a value)`),
  reservedContextKey: (key: string) => error(`context key ${q(key)} is reserved: KMS refuses keys that start with 'aws'; rename it`),

  // files
  cannotRead: (path: string, why: string) => error(`cannot read ${path}: ${why}; check the path and its permissions`),
  cannotWrite: (path: string, why: string) => error(`cannot write ${path}: ${why}; nothing was written there`),

  // KMS
  kmsFailure: (operation: string, kind: KmsFailureKind, detail: string, endpoint?: string) =>
    `KMS ${operation} failed${endpoint ? ` (${endpoint})` : ''}: ${detail || kind}; ${kmsAdvice[kind]}`,
  kmsDeadline: (ms: number) => `no answer within the hook's deadline of ${ms / 1000} s (KMSSIG_HOOK_TIMEOUT)`,
  localKeyUnreadable: (keyId: string) => `cannot read the local key ${keyId}; create it with 'kmssig keygen ${keyId}'`,
  localKeyNotNamed: () => error(`this signature was made with a local development key: name it with --key local:<path>`),
  localKeyCannot: (what: string) => error(`a local development key cannot ${what}; use an AWS KMS key`),
  localKeyWarning: (keyId: string) => warn(`${keyId} is a local development key: for demos and tests, not for production`),
  localKeyNotPinned: (keyId: string) =>
    `signed with the local development key ${keyId}, which was not pinned: a key file is something anyone can plant; pass --key ${keyId} if it is yours`,
  localKeyNotRegistered: (keyId: string) =>
    `signed with the local development key ${keyId}, which this clone does not trust: a key file is something a commit can plant; if it is yours, register it with 'git config --add kmssig.localKey <path>' (kmssig keygen does this inside a clone) or pass --key ${keyId}`,
  localKeyRegistered: (path: string) =>
    info(`registered ${path} in this clone's git config (kmssig.localKey): records signed with it verify here`),
  badCiphertext: () => 'the signature is corrupt or was made for another context',
  wrongKey: (keyId: string) => `signed by a key that is not allowed (not ${keyId})`,

  // single-file sign/verify (seed)
  signed: (sig: string, keyId: string) => `signed with ${keyId}, signature written to ${sig}`,
  signFailed: (file: string, why: string) => error(`could not sign ${file}: ${why}`),
  validSignature: (keyId: string) => `valid signature from ${keyId}`,
  keyNotPinned: () => warn(`the key was not pinned: any key you may decrypt with is accepted; pass --key <arn> to pin it`),
  invalidSignature: (file: string, why: string) =>
    error(`invalid signature for ${file}: ${why}; do not trust this file, get it and its signature again from the source`),
  couldNotVerify: (file: string, why: string) => error(`could not verify ${file}: ${why}`),
  emptySignature: (sig: string) => `the signature file ${sig} is empty`,

  // repository and configuration
  notARepo: (cwd: string) =>
    error(`${cwd} is not inside a git repository: run kmssig from a clone (or use 'kmssig sign <key-id> <file> <sig>' for single files)`),
  noCommits: () => error(`the repository has no commits yet: commit the release files first`),
  noSuchRevision: (rev: string) => error(`revision ${q(rev)} does not exist: check the name, or fetch it first`),
  pathNotUtf8: (shown: string) =>
    error(`the file name ${shown} is not valid UTF-8, so it cannot go into a signature record (JSON): rename it or exclude it`),
  noConfig: (root: string) => error(`no kmssig configuration in ${root}: create .kmssigrc (see .kmssigrc.example)`),
  configUnreadable: (file: string, why: string) => error(`cannot read the configuration ${file}: ${why}; fix the syntax`),
  configSyntax: (file: string, where: string) => error(`cannot parse the configuration ${file}: ${where}; fix the syntax`),
  configIsCode: (file: string, where: string) =>
    error(
      `${file} in ${where} is refused: kmssig reads its configuration as data only, never as code that the repository could make it run; move the settings to .kmssigrc (JSON or YAML) and delete ${file}`,
    ),
  configIsMeta: (file: string, where: string) =>
    error(
      `${file} in ${where} configures cosmiconfig, which kmssig refuses: the configuration must be at the repository root (.kmssigrc, .kmssigrc.json|yaml|yml or package.json "kmssig"); remove its "cosmiconfig" key`,
    ),
  configAmbiguous: (files: string[], where: string) =>
    error(`${where} has more than one kmssig configuration (${files.join(', ')}): keep exactly one`),
  configImport: (file: string) =>
    error(
      `${file} uses $import, which kmssig refuses: a configuration must not pull in files that are not signed with it; write the settings into ${file} itself`,
    ),
  configInvalid: (file: string, key: string, why: string) => error(`invalid configuration in ${file}: ${key}: ${why}`),
  noKeyId: (file: string) => error(`no keyId in ${file}: set the KMS key (ID, ARN or alias) that signs releases`),
  noFilesMatched: (file: string, commit: string) =>
    error(`no release file at ${commit.slice(0, 12)} matches the files patterns of ${file}: check the globs`),
  algorithmForSymmetricKey: (alg: string, arn: string) =>
    error(`algorithm ${alg} is set, but ${arn} is a symmetric key: remove 'algorithm' or use an asymmetric key`),
  unsupportedAlgorithm: (alg: string, arn: string, allowed: string[]) =>
    error(`${arn} cannot sign with ${alg}: set 'algorithm' to one of ${allowed.join(', ') || '(none: is it a SIGN_VERIFY key?)'}`),
  badPublicKey: (path: string, why: string) =>
    error(`cannot read the public key ${path} (verify.publicKeys): ${why}; export it with 'kmssig pubkey --out ${path}'`),
  unknownTreeMode: (path: string, mode: string) =>
    `git lists ${path} with mode ${mode}, which is neither a file (100644, 100755) nor a symlink (120000); the repository may be damaged (try git fsck)`,
  noteUnreadable: (oid: string) => `could not read the note object ${oid}; the repository may be damaged (try git fsck)`,
  detachedNoRef: () =>
    error(`HEAD is detached and no single tag points at it: pass --ref <branch-or-tag> to say what the signature is for`),
  badRef: (ref: string) => error(`${q(ref)} is neither a branch nor a tag: pass refs/heads/<name>, refs/tags/<name> or a branch name`),

  // history and verification
  walkBound: (commit: string, max: number) =>
    error(
      `could not verify ${commit.slice(0, 12)}: no signed commit within ${max} commits; raise verify.maxCommits if the release really is that old`,
    ),
  shallowHistory: (commit: string) =>
    error(
      `could not verify ${commit.slice(0, 12)}: the clone is shallow and ends before any signed commit; fetch more history (git fetch --unshallow; in GitHub Actions set fetch-depth: 0)`,
    ),
  deepenFailed: (shallow: string, remote: string, why: string) => `${shallow} (deepening from ${remote} failed: ${why})`,
  notesNotFetched: () =>
    warn(
      `this clone has no signatures (refs/notes/kmssig) and --no-fetch is set: fetch them first (git fetch origin +refs/notes/kmssig:refs/notes/remotes/origin/kmssig) or drop --no-fetch`,
    ),
  noCountingRecord: (commit: string, count: number) =>
    `no valid signature found from ${commit.slice(0, 12)}: the ${count} record(s) found did not count (see why in the report); sign with an allowed key and ref, or check the pins (--key, --ref, verify.keys, verify.refs)`,
  noSignedCommit: (commit: string) =>
    `no signed commit found from ${commit.slice(0, 12)}: the release files were never signed (sign them with 'kmssig sign', or push with the hooks installed)`,
  signaturesWithoutConfig: (commit: string, removal?: { path: string; commit: string }) =>
    `commit ${commit.slice(0, 12)} has kmssig signatures among its ancestors but no configuration: the configuration was removed by an unsigned change${removal ? ` (${removedConfig(removal.path)}, removed in ${removal.commit.slice(0, 12)})` : ''}; restore it in a signed commit${stopUsing}`,
  configRemoved: (commit: string, removal: { path: string; commit: string }) =>
    `commit ${commit.slice(0, 12)} has no kmssig configuration, but its history had one: ${removedConfig(removal.path)} was removed in ${removal.commit.slice(0, 12)}, a change nobody can sign (a commit without configuration has nothing to sign), and verification here is pinned (this clone's pin, or --key/--ref/--context), so this is not history from before kmssig: do not use this commit's release files; restore it in a signed commit${stopUsing}`,
  notesLost: (remote: string, lost: number, deleted: boolean) =>
    `the signatures of ${remote} lost ${lost} record(s) this clone had (refs/notes/kmssig on ${remote} was ${deleted ? 'deleted' : 'rewritten without them'}): they are kept in this clone's refs/notes/kmssig and go back with your next push (or now: git push ${remote} refs/notes/kmssig); find out who removed them, since CI and fresh clones cannot verify without them`,
  replacedObjects: (paths: readonly string[], refs: readonly string[]) =>
    `${names(paths)}: a checkout here writes ${paths.length > 1 ? 'them' : 'it'} from the replace ${refs.length > 1 ? 'refs' : 'ref'} ${names(refs)}, not from the commit, so the bytes on disk are not what the commit holds and was signed: delete ${refs.length > 1 ? 'them' : 'it'} (git replace -d <id>) and check out again, and fetch refs/replace/* only from people you trust`,

  // entries and rollback (DESIGN 3.1, 3.4 rule 7)
  modeChanged: (signedCommit: string, now: string, signed: string) =>
    `modified since ${signedCommit.slice(0, 12)}: ${entryKind(now)} where ${entryKind(signed)} was signed`,
  revertsTo: (signedCommit: string, older: string) =>
    `modified since ${signedCommit.slice(0, 12)}: these are the bytes of the older signed ${older.slice(0, 12)}, which ${signedCommit.slice(0, 12)} supersedes`,
  behindSymlink: (folder: string) => `signed but missing: its folder ${folder} is a symlink, which kmssig never follows`,
  rolledBack: (paths: readonly string[], newer: string, older: string) =>
    `${names(paths)} ${paths.length > 1 ? 'are' : 'is'} rolled back: ${newer.slice(0, 12)} is the newest signed commit here, and ${paths.length > 1 ? 'these are the bytes' : 'this is the file'} of ${older.slice(0, 12)}, an older signed commit it supersedes (a merge or a commit brought an old signed state back); if the old state is meant, someone with signing rights signs it again (kmssig sign), else restore the files of ${newer.slice(0, 12)}`,
  worktreeModes: (count: number, settings: readonly string[]) =>
    warn(
      `${count} release file(s) on disk have another entry type or mode than the commit, and git here does not write them as stored (${settings.join(', ')}): that setting is the likely cause, not tampering; check the commit itself (kmssig check without --worktree), or check out on a file system with symlinks and execute bits`,
    ),

  // hostile notes (DESIGN 3.4 rule 8)
  noteTooLarge: (refs: readonly string[], bytes: number, cap: number) =>
    `the note${refs.length > 0 ? ` in ${refs.join(', ')}` : ''} is ${mib(bytes)}, over the ${mib(cap)} a note may hold, so it was not read`,
  noteTooLargeToWrite: (commit: string, bytes: number, cap: number) =>
    error(
      `the note of ${commit.slice(0, 12)} would be ${mib(bytes)} with this record, over the ${mib(cap)} that readers read, so nothing was written: sign fewer files into one record, or remove the records of that commit that no longer count (git notes --ref=kmssig edit ${commit.slice(0, 12)})`,
    ),
  kmsFailuresCapped: (max: number) =>
    `${max} records that claim to count failed their check with KMS, and one run checks no more than that (each is a KMS call, and anyone who can push can add thousands)`,
  tooManyClaims: (max: number) => `more than ${max} records on it claim to count under the policy, and none of those read verified`,
  notesFlooded: (commit: string, refs: readonly string[], why: string) =>
    error(
      `could not verify ${commit.slice(0, 12)}: its notes${refs.length > 0 ? ` in ${refs.join(', ')}` : ''} look flooded: ${why}; someone who can push added records that do not verify: see who (git log -p <notes ref>), restore the notes from a clone you trust (git push origin +refs/notes/kmssig), and check again`,
    ),

  worktreeConverted: (count: number, conversions: readonly string[]) =>
    warn(
      `${count} release file(s) on disk differ from the commit, and git converts files when it checks them out here (${conversions.join(', ')}): the converted line endings or filters are the likely cause, not tampering; check the commit itself (kmssig check without --worktree), or check out without conversion (git config core.autocrlf false; then git rm --cached -r . && git reset --hard)`,
    ),

  /** The signed facts of a record that verified; `signedAt` is outside the payload, so it is labelled unsigned (DESIGN 3.4, rule 5). */
  signedFacts: (record: { keyId: string; alg: string; signedAt: string; context: Record<string, string> }) =>
    `${record.context.author !== undefined ? `commit by ${record.context.author}, ` : ''}signed with ${record.keyId} (${record.alg}); signedAt ${record.signedAt} (unsigned)`,

  trustUpdateUnverified: (rev: string, file: string) =>
    error(
      `not pinned: ${file} at ${rev} is not covered by a signature that counts under this clone's pin, so it may be anyone's; pin explicit values (kmssig trust --key/--ref/--context) after checking them with your team`,
    ),
  pinKeyUnresolved: (keyId: string) =>
    warn(
      `could not resolve ${keyId} to a key ARN through KMS, so no key is pinned: records from any key you may decrypt with count here; pin it with 'kmssig trust --key <arn>'`,
    ),
  trustNoPin: () =>
    plain(
      "this clone has no pin: records count under the signed configuration alone; pin the key your team publishes with 'kmssig trust --key <arn>', or run 'kmssig trust --update' to pin what the signed history vouches for",
    ),
  pinKept: () => info("kept this clone's pin ('kmssig trust' shows and changes it)"),
  pinWritten: (file: string) => info(`pinned what this clone trusts, from ${file} (change it with 'kmssig trust'):`),
  pinRetired: (values: readonly string[]) =>
    warn(
      `this clone's pin still names ${values.join(' and ')}, which an older kmssig install took from a commit's configuration: kmssig no longer uses it (a commit must not choose who answers KMS); set AWS_ENDPOINT_URL_KMS / AWS_REGION or your AWS profile instead, and remove it (git config --unset-all kmssig.trust.endpoint; git config --unset-all kmssig.trust.region)`,
    ),
  configKmsIgnored: (file: string, values: readonly string[]) =>
    info(
      `${file} names ${values.join(' and ')}: ignored, since a commit must not choose who answers KMS (it would decide what verifies); kmssig takes them from --endpoint/--region, AWS_ENDPOINT_URL_KMS/AWS_REGION or your AWS profile`,
    ),

  // first use (DESIGN 3.4, rule 9)
  firstUseUnsignedChange: (file: string, commit: string, signedAt: string) =>
    warn(
      `${file} was changed at ${commit.slice(0, 12)}, which no valid signature covers: that change is not pinned; refs and context are pinned from the configuration signed at ${signedAt.slice(0, 12)}`,
    ),
  firstUseNotPinned: (why: string) => warn(`nothing is pinned in this clone yet: ${why}`),
  firstUseWhy: {
    nothingSigned: () => 'this repository has no valid signature yet (adopting kmssig?), so nothing in its history vouches for a key',
    notFetched: () =>
      "no signature is here, and the remotes' were not fetched (--no-fetch): run 'kmssig trust --update' once a fetch has brought them (install set every fetch to bring them)",
    unsignedChange: (file: string, commit: string) =>
      `${file} names keys that no signed configuration allows, and was changed at ${commit.slice(0, 12)}, which no valid signature covers (unsigned)`,
    untrustedSigner: (file: string, commit: string, keyId: string) =>
      `${file} was changed at ${commit.slice(0, 12)}, which is signed only with ${keyId}, a key that no earlier signed configuration allows (a configuration signed with the key it names proves nothing)`,
    historyUnread: (file: string, why: string) => `kmssig cannot read the whole signed history of ${file} at first use (${why})`,
    unresolved: (keyId: string, why: string) => `${keyId} could not be resolved to a key ARN (${why})`,
    kms: (why: string) => `the repository's signatures could not be checked (${why})`,
  },
  firstUseFlooded: (count: number) => `${count} records did not verify, so kmssig stopped asking KMS: the notes look flooded`,
  firstUseNamed: (file: string, keys: readonly string[], publicKeys: readonly string[]) =>
    plain(`  ${file} at HEAD names ${[...keys, ...publicKeys.map((p) => `public key ${p}`)].join(', ') || 'no key (any key)'}`),
  firstUseRecords: (counts: readonly { keyId: string; claimed: number; verified: number; partial: boolean }[], more: number) =>
    plain(
      counts.length === 0
        ? '  the repository has no signature records'
        : `  records in the repository, by key: ${counts
            .map(
              (c) =>
                `${c.keyId}: ${c.verified === c.claimed ? `${c.claimed} record(s)` : `${c.verified}${c.partial ? '+' : ''} of ${c.claimed} record(s) verify`}`,
            )
            .join('; ')}${more > 0 ? `; and ${more} more key(s)` : ''}`,
    ),
  firstUseAsk: () =>
    info(
      'check the key with your team (the key they publish, such as the --key of the CI job in the README), then pin it: kmssig trust --key <arn> (and --public-key <pem> for asymmetric keys)',
    ),
  firstUseRefused: () =>
    error(
      "not pinned: the signed history does not vouch for the keys of this configuration (see above); pin the key your team publishes with 'kmssig trust --key <arn>'",
    ),
  checkNotPinned: (file: string) =>
    error(
      `kmssig check: nothing is pinned in this clone, and kmssig cannot tell which keys the signed history of ${file} vouches for (see above), so no record can count: pass --key <arn> (the key your team publishes), or pin it with 'kmssig trust --key <arn>'`,
    ),
  checkHeldNotPinned: (keys: string) =>
    warn(
      `so check counts records only with what the signed history vouches for, ${keys}: pass --key <arn> (the key your team publishes) to check against it, or pin it with 'kmssig trust --key <arn>'`,
    ),
  checkUnpinnedUnread: () =>
    warn(
      `so check counts records under the signed configuration alone, whatever key it names: pass --key <arn> (the key your team publishes), as the CI example does`,
    ),
  checkHeldPin: (keys: string) => info(`nothing is pinned in this clone: records count only with what first use would pin, ${keys}`),
  hookNothingPinned: () =>
    warn(
      "kmssig: nothing is pinned in this clone yet, so records count under the signed configuration alone: run 'kmssig trust --update' to pin what the signed history vouches for, or check the key with your team and pin it (kmssig trust --key <arn>)",
    ),

  // no laundering (DESIGN 3.1)
  launderingBlocked: (where: string, commit: string, files: readonly ForeignSource[], noReflog: boolean, fix: string) => [
    error(
      `kmssig ${where}: ${files.length} release file(s) of ${commit.slice(0, 12)} came from outside this clone and no valid signature covers them, so they are not signed${where === 'pre-push' ? ' and nothing is pushed' : ''}:`,
    ),
    ...files.map((f) => plain(`  ${f.path}: ${f.changedBy ? foreignSource(f) : 'never signed'}`)),
    ...(noReflog
      ? [
          info(
            `this clone keeps no reflog (core.logAllRefUpdates=false, or a mirror clone), so kmssig cannot tell the commits you made from others': turn it on with 'git config core.logAllRefUpdates true' for your next commits`,
          ),
        ]
      : []),
    info(
      `a push never signs content that nobody verified. Ask who changed these files, or, once you have reviewed them, sign them deliberately: ${fix}; then push again`,
    ),
  ],
  pushRefNotSigned: (ref: string) =>
    info(
      `kmssig: nothing signed for ${ref}: it is neither a branch nor a tag (a review ref such as refs/for/main); the records are made when the change lands on a branch, by the push that puts it there`,
    ),
  recordNotCounting: (commit: string, ref: string, why: string) =>
    warn(
      `kmssig: the record just made for ${commit.slice(0, 12)}${ref ? ` (${ref})` : ''} will not count under this repository's policy: ${why}; fix keyId or verify.* in the configuration (or this clone's pin: kmssig trust), then push again`,
    ),
  rangeCommitForeign: (commit: string, paths: readonly string[]) =>
    info(
      `kmssig: ${commit.slice(0, 12)}, an older commit of this push, was not signed: ${paths.join(', ')} came from outside this clone and nobody verified ${paths.length > 1 ? 'them' : 'it'} there`,
    ),
  acceptedForeign: (file: ForeignSource) =>
    warn(`kmssig: signing ${file.path} as reviewed by you${file.changedBy ? `: ${foreignSource(file)}` : ''}`),
  acceptUnknown: (path: string) =>
    error(`--accept ${JSON.stringify(path)} names no release file that needs accepting here: name exactly the paths kmssig listed`),

  // hooks
  hookCouldNotVerify: (hook: string, why: string) =>
    error(
      `kmssig ${hook}: could not verify the release files here (${why}): they are NOT verified; do not build or ship them until 'kmssig check' passes (run it again once KMS is reachable)`,
    ),
  hookCouldNotSign: (why: string) =>
    error(
      `kmssig pre-push: could not sign the pushed commits (${why}), so nothing was pushed: push again once KMS is reachable, or push with KMSSIG_SKIP=1 and sign later with 'kmssig sign'`,
    ),
  hookSkipped: (hook: string, how: string) =>
    warn(`kmssig: ${how} is set, ${hook} skipped: release files were not ${hook === 'pre-push' ? 'signed' : 'verified'}`),
  hookWarnOnly: (hook: string) => warn(`kmssig: ${hook} is set to warn in the configuration, so git goes on; fix the problem above`),
  hookBanner: (hook: string, label: string) => alarm(`kmssig ${hook}: RELEASE FILES FAILED VERIFICATION at ${label}`),
  hookFailed: (hook: string) =>
    hook === 'post-merge'
      ? error(
          `kmssig: the merge is done, but it brought in release files that nobody with signing rights signed: do not build or ship them; ask the team who changed them, or reset to the previous commit (git reset --hard ORIG_HEAD)`,
        )
      : error(
          `kmssig: release files here are not signed: do not build or ship them; check out a signed commit, or ask the team who changed them`,
        ),
  hookLocalFile: (path: string) => info(`kmssig: ${path}: local, will be signed on push`),
  hookUncommittedFile: (path: string) => info(`kmssig: ${path}: uncommitted change, verified once committed and pushed`),
  hookUncommittedForeign: (file: ForeignSource & { changedBy: string }) =>
    warn(
      `kmssig: ${file.path}: uncommitted, its bytes came unsigned from ${file.changedBy.slice(0, 12)}${file.copiedFrom ? ` (${file.copiedFrom} there)` : ''}, which this clone did not make${fromWhere(file.from)}: a push of them will be refused; review them, and once committed sign them deliberately with 'kmssig sign --accept ${file.path}'`,
    ),
  prePushSigned: (count: number, remote: string, published: string) =>
    info(
      `kmssig: signed ${count} commit(s)${published === 'outer-push' ? ' (the notes go with this push)' : published === 'skipped' ? '' : `, signatures published to ${remote}`}`,
    ),
  rangeCapped: (count: number, max: number) =>
    info(
      `kmssig: ${count} older commit(s) in this push change release files but were not signed (more than sign.maxCommitsPerPush = ${max}); the pushed tip is signed`,
    ),
  notesPushRaced: (remote: string, attempts: number) =>
    error(`could not publish refs/notes/kmssig to ${remote}: other pushes kept winning the race (${attempts} attempts); push again`),
  notesInOuterPush: (count: number, remote: string) =>
    error(
      `kmssig: signed ${count} commit(s), but this push already carries refs/notes/kmssig as it was before signing, so the new signatures would not reach ${remote}: run the same push again (it reuses them, no new signing)`,
    ),

  // asymmetric keys, public keys and standalone record files
  keyCannotSign: (arn: string, spec: string, usage: string) =>
    error(
      `${arn} (${spec}, key usage ${usage}) can neither encrypt a symmetric record nor sign: use a symmetric key (SYMMETRIC_DEFAULT) or an asymmetric SIGN_VERIFY key`,
    ),
  notASigningKey: (keyId: string, usage: string) =>
    error(
      `${keyId} is not an asymmetric signing key (key usage ${usage || 'unknown'}): it has no public key to verify records with; use a SIGN_VERIFY key (ECC_NIST_P256, ECC_NIST_P384, RSA_3072, ...)`,
    ),
  noKeyGiven: (command: string) =>
    error(`no key: pass --key <key-id>, or run 'kmssig ${command}' inside a repository whose configuration sets keyId`),
  publicKeyWritten: (path: string, keyId: string, spec: string) =>
    `wrote the public key of ${keyId} (${spec}) to ${path}; commit it and list it in verify.publicKeys to verify records offline`,
  badPublicKeyFile: (path: string, why: string) =>
    error(`cannot read the public key ${path}: ${why}; pass a PEM public key (export it with 'kmssig pubkey --out ${path}')`),
  duplicateBaseName: (name: string, first: string, second: string) =>
    error(`${first} and ${second} have the same file name ${q(name)}: a record file keys files by name; sign them into separate records`),
  outputIsInput: (path: string) => error(`--out ${path} is one of the files to sign: write the record to another file`),
  recordFileWritten: (path: string, count: number, keyId: string, alg: string) =>
    `signed ${count} file(s) with ${keyId} (${alg}), record written to ${path}`,
  recordFileVersion: (v: number) =>
    `it is a version-${v} record; a record file is version 1 (it binds bytes only: a downloaded file has no mode), kmssig sign-file writes that`,
  recordFileInvalid: (path: string, reason: string) =>
    error(`${path} is not a valid kmssig record (${reason}): do not trust the files it lists; get the record again from the source`),
  recordFileSignatureInvalid: (path: string, reason: string) =>
    error(`invalid signature in ${path}: ${reason}; do not trust the files it lists, get them and the record again from the source`),
  asymmetricNeedsPublicKey: (path: string, alg: string) =>
    error(
      `${path} is signed with an asymmetric key (${alg}): pass --public-key <pem> to verify it offline, or --key <arn> to fetch the public key from KMS`,
    ),
  symmetricRecordWithPublicKey: () =>
    'a symmetric record (SYMMETRIC_DEFAULT), but --public-key expects an asymmetric one; pass --key <arn> to accept a symmetric key',
  cannotHashArtifact: (path: string, why: string) => error(`cannot read ${path}: ${why}; check its permissions`),
  artifactsVerified: (path: string, count: number, keyId: string, alg: string, signedAt: string, context: string) =>
    ok(
      `${path}: ${count} file(s) verified, signed with ${keyId} (${alg}); signedAt ${signedAt} (unsigned)${context ? `, context ${context}` : ''}`,
    ),
  artifactsFailed: (path: string, failures: string) =>
    error(`${path}: the signature is genuine, but ${failures}; do not use these files, get them again from the source`),
  noValidRecord: (commit: string) =>
    error(
      `no valid signature record on ${commit.slice(0, 12)} or its ancestors: nothing to export; see 'kmssig log ${commit.slice(0, 12)}'`,
    ),
  recordExported: (dir: string, commit: string, alg: string) =>
    `exported the ${alg} record of ${commit.slice(0, 12)} to ${dir}: payload.json, payload.bin, sig.bin`,
  opensslHint: (command: string) => `verify it with: ${command}`,
  symmetricExportHint: (keyId: string) =>
    info(
      `a symmetric record: sig.bin is a KMS ciphertext of payload.bin; 'aws kms decrypt' with the key ${keyId} and the record's encryption context returns payload.bin`,
    ),

  // coverage: every listed path is signed or refused (DESIGN 3.2); reserved context keys (DESIGN 2.2)
  submoduleNotSignable: (paths: readonly string[], commit: string, file: string) =>
    error(
      `${names(paths)} at ${commit.slice(0, 12)} ${paths.length > 1 ? 'are submodules' : 'is a submodule'} matched by the files patterns of ${file}: kmssig cannot sign a submodule's content (a gitlink names a commit of another repository); add ${paths.length > 1 ? 'them' : 'it'} to exclude (exclude: [${paths.map(q).join(', ')}]), and sign the files that matter in the submodule's own repository`,
    ),
  submoduleInCheck: (paths: readonly string[]) =>
    `${names(paths)}: ${paths.length > 1 ? 'submodules' : 'a submodule'} under the files patterns, which kmssig cannot sign or verify; do not use ${paths.length > 1 ? 'them' : 'it'} from here: exclude ${paths.length > 1 ? 'them' : 'it'} in the configuration (a signed change) and verify the submodule in its own repository`,
  emptyPattern: (patterns: readonly string[], commit: string, file: string) =>
    error(
      `the files ${patterns.length > 1 ? 'patterns' : 'pattern'} ${names(patterns)} of ${file} ${patterns.length > 1 ? 'match' : 'matches'} no file at ${commit.slice(0, 12)}, so nothing under ${patterns.length > 1 ? 'them' : 'it'} would be signed: check the spelling (dotfiles must be named explicitly; excluded files do not count), or, for files that come and go, list the pattern in allowEmpty`,
    ),
  emptyPatternWarning: (pattern: string, commit: string) =>
    warn(
      `the files pattern ${q(pattern)} matches no file at ${commit.slice(0, 12)}: nothing under it is signed or verified; fix the pattern, or list it in allowEmpty if its files come and go`,
    ),
  rangeCommitNotCovered: (commit: string, submodules: readonly string[], patterns: readonly string[]) =>
    info(
      `kmssig: ${commit.slice(0, 12)}, an older commit of this push, was signed without ${[...submodules.map((p) => `the submodule ${q(p)}`), ...patterns.map((p) => `files for the pattern ${q(p)}`)].join(', ')}; only a pushed tip must cover every pattern (kmssig check of that commit reports it)`,
    ),
  allowEmptyNotInFiles: (pattern: string) => `${q(pattern)} is not one of the files patterns: write the pattern exactly as it is in files`,
  contextKeyEmpty: () => 'a context key must not be empty',
  contextKeyAws: (key: string) =>
    `${q(key)} is reserved: KMS refuses encryption-context keys that start with 'aws' (any case); rename the key`,
  contextKeyFromGit: (key: string, reserved: readonly string[]) =>
    `${q(key)} is reserved: kmssig sets ${reserved.join(', ')} from git, so a static pair may not take them over; rename the key (the git option says which git fields go into the context)`,

  // install, uninstall and doctor: hook files, hook managers, the notes fetch refspec
  notesPushRefused: (remote: string, reason: string, said: string[]) =>
    error(
      `could not publish refs/notes/kmssig to ${remote}: the server refused it (${reason})${said.length ? `, saying: ${said.join(' / ')}` : ''}; pushing again cannot help: ask the host's admins to allow pushes to refs/notes/kmssig (pre-receive hooks, push rules, protected refs); the signatures are kept in this clone`,
    ),
  chainedExists: (file: string) =>
    error(
      `${file} is a hook in another language and ${file}.kmssig-chained already exists, so kmssig cannot chain it: move one of them away, then run kmssig install again`,
    ),
  hookChained: (file: string) =>
    info(
      `${file} is not an sh script: it was moved to ${file}.kmssig-chained, unchanged, and runs after kmssig with the same arguments and input (kmssig uninstall puts it back)`,
    ),
  // Lines the sh scripts install writes print themselves (git runs them, not kmssig): shell words such as $kmssig_bin stay as they are.
  shHookCannotRun: (hook: string, launcher: string) =>
    error(`kmssig: ${hook} could not run kmssig (${launcher} is missing): nothing was verified or signed; run 'npx kmssig install'`),
  shLauncherGone: (bin: string) =>
    error(`kmssig: the kmssig this clone's hooks run is gone (${bin}): nothing was verified or signed; run 'npx kmssig install' again`),
  shTracksNodeModules: () =>
    error(
      'kmssig: this repository tracks files under node_modules, which would replace the kmssig its hooks run: nothing was run; remove them from the repository, or install kmssig outside it (npm install -g kmssig, then kmssig install)',
    ),
  shNotSetUp: () => error('kmssig: not set up in this clone (no kmssig it can trust): run npx kmssig install'),
  guardInstalled: (dir: string, next: string, scope: string) =>
    info(
      `kmssig's guard: git runs ${dir} first (core.hooksPath, ${scope} config), which verifies and signs with the kmssig fixed at install, then hands each hook on to ${next}; no pull or checkout can change that folder`,
    ),
  guardRestored: (dir: string, next: string) =>
    info(
      `kmssig put its guard back: git runs ${dir} first again, then ${next} (something had reset core.hooksPath; 'kmssig doctor' shows the hooks)`,
    ),
  doctorNoLauncher: (path: string) => `kmssig is not installed in this clone (no ${path}): run 'npx kmssig install'`,
  doctorNoGuard: (note: string) =>
    `${note ? `${note}; ` : ''}no guard in front of it: a pull can remove kmssig's entry before it runs; run 'kmssig install' (or any kmssig hook run puts it back)`,
  blocksRestored: (files: string[]) =>
    info(
      `kmssig put its block back into ${files.join(', ') || 'the hooks'} (the pre-commit framework's install writes its hook files anew)`,
    ),
  globalHooksChained: (scope: string, dir: string, own: string) =>
    info(
      `core.hooksPath is set in your ${scope} git config (${dir}), which serves every repository: kmssig does not write there. This repository now runs its hooks from ${own} (its local core.hooksPath): kmssig's hooks, then your ${scope} hooks of the same name; every other hook there is forwarded. Run kmssig install again after adding hooks to ${dir}; kmssig uninstall undoes it`,
    ),
  notesFetchAdded: (remote: string) => info(`fetching signatures with every fetch from ${remote}`),
  notesFetchMigrated: (remote: string) =>
    info(
      `${remote}: the notes fetch refspec is now a pattern that matches nothing, without error, on a remote with no signatures (the exact one broke git fetch there)`,
    ),
  notesFetchFailed: (remote: string, why: string) => warn(`could not fetch signatures from ${remote}: ${why}`),
  huskyInactive: () =>
    warn('husky is set up in this repository but not active in this clone: run npx husky (or npm install) so that its hooks run'),
  initPlaceholderKey: () =>
    'is still the placeholder kmssig init wrote: set it to the KMS key that signs releases (a key ARN or alias/<name>), or run kmssig init --key <arn|alias> in a repository without configuration',
  initExists: (file: string) =>
    error(
      `${file} already configures kmssig: kmssig init never overwrites a configuration; edit it, or run kmssig install to put the hooks in place`,
    ),
  initWrote: (file: string, keyId: string, files: readonly string[]) => ok(`wrote ${file}: keyId ${keyId}, files ${files.join(', ')}`),
  initNoBuildFolder: (file: string, tried: readonly string[]) =>
    warn(`no build folder found (${tried.join(', ')}): ${file} lists dist/** for now; list your release files under files`),
  initPlaceholder: (file: string) =>
    warn(
      `no --key given: keyId in ${file} is a placeholder that sign, push and check refuse until you set your KMS key (a key ARN or alias/<name>)`,
    ),
  initNotPinned: (key: string, why: string) =>
    warn(`${key} is not pinned in this clone yet (${why}): once KMS answers, pin its ARN with 'kmssig trust --key <arn>'`),
  initNextSteps: (file: string, keyId: string | undefined, context: string | undefined) =>
    plain(
      [
        'Next steps:',
        ...(keyId
          ? []
          : [`  0. set keyId in ${file} to your KMS key (a key ARN or alias/<name>), and pin it here: kmssig trust --key <its ARN>`]),
        `  1. sign once:   git add ${file} && git commit -m "Sign releases with kmssig" && npx kmssig sign`,
        '  2. push:        git push   (the pre-push hook signs each pushed commit and pushes its signatures with it)',
        `  3. in CI:       kmssig check --key <the key ARN that kmssig sign printed>${context ? ` --context ${context}` : ''}`,
        "                  from a kmssig installed outside the checkout, as kmssig's GitHub Action does (docs/ci.md)",
      ].join('\n'),
    ),
  installPlaceholder: () =>
    warn(
      'keyId in .kmssigrc is still the placeholder kmssig init wrote: nothing is pinned yet; set your KMS key, then run kmssig install again',
    ),
  noConfigYet: () => warn('no .kmssigrc yet: the hooks do nothing until you add one (see .kmssigrc.example)'),
  managerConfigured: (manager: string, file: string, hooks: string[]) =>
    info(`${manager}: kmssig added to ${file} for ${hooks.join(', ')}`),
  managerUnchanged: (manager: string, file: string) => info(`${manager}: ${file} already runs kmssig`),
  managerRemoved: (manager: string, file: string) => info(`${manager}: removed what kmssig install added to ${file}`),
  managerNotRemovable: (manager: string, file: string, what: string) =>
    warn(`${manager}: ${file} was changed after kmssig install (${what}); kmssig left it as it is: remove its kmssig entries by hand`),
  managerUnsafe: (manager: string, file: string, why: string, snippet: string) =>
    error(
      `${manager}: kmssig will not edit ${file} (${why}); nothing was changed. Add this to it yourself, then run kmssig install again:\n\n${snippet}`,
    ),
  managerInstalled: (manager: string, command: string) => info(`${manager}: ran ${command}`),
  managerInstallFailed: (manager: string, command: string, why: string) =>
    error(`${manager}: ${command} failed (${why}): run it yourself, then kmssig install --check`),
  managerRunYourself: (manager: string, command: string) =>
    warn(`${manager} is not installed where kmssig can run it: run ${command} so that git runs kmssig, then kmssig install --check`),
  managerLimit: (manager: string, limit: string) => warn(`${manager}: ${limit}`),
  hooksReachKmssig: () => info('every kmssig hook that git will run reaches kmssig'),
  hooksNotReaching: (hooks: string[]) =>
    error(
      `git will not run kmssig for ${hooks.join(', ')}: see the lines above; run kmssig install (and your hook manager's own install), then kmssig install --check`,
    ),
  doctorLine: (hook: string, file: string, via: string, reaches: boolean, note: string): Message => ({
    level: reaches ? 'ok' : 'error',
    text: `${hook.padEnd(13)} ${file}  via ${via}${reaches ? '' : ': does not reach kmssig'}${note ? ` (${note})` : ''}`,
  }),
  // Files on disk chosen by glob patterns (sign-file, verify-file; issue 15).
  patternMatchedNothing: (pattern: string) =>
    error(
      `${pattern} matches no file: check the pattern (quote it so that your shell passes it as it is; dotfiles only when the pattern names them)`,
    ),
  symlinkOutOfFolder: (link: string, target: string, folder: string) =>
    error(
      `${link} is a symlink to ${target}, outside ${folder}: a pattern never follows a symlink out of its folder; name the file itself to sign it`,
    ),
  recordsVerified: (count: number) => ok(`${count} record file(s) verified`),
  recordsFailed: (failed: number, count: number) =>
    error(`${failed} of ${count} record file(s) failed: do not use the files they list, get them again from the source`),
} as const;

/** A release file that came from outside this clone (DESIGN 3.1), as the no-laundering messages name it. */
interface ForeignSource {
  path: string;
  /** The foreign commit that last changed it, or that its bytes came from (`copiedBy`). */
  changedBy?: string;
  /** The user's own commit that copied those bytes in. */
  copiedBy?: string;
  /** Where `changedBy` had them, when that is another path. */
  copiedFrom?: string;
  /** Remote-tracking refs that reach `changedBy`. */
  from: readonly string[];
}

function foreignSource(f: ForeignSource): string {
  const commit = (f.changedBy ?? '').slice(0, 12);
  const what = f.copiedBy
    ? `copied by your commit ${f.copiedBy.slice(0, 12)} from ${commit}${f.copiedFrom ? ` (${f.copiedFrom} there)` : ''}, which this clone did not make`
    : `last changed by ${commit}, which this clone did not make`;
  return `${what}${fromWhere(f.from)}`;
}

const fromWhere = (from: readonly string[]) =>
  from.length > 0 ? ` (from ${from.slice(0, 3).join(', ')})` : ' (on no remote-tracking ref: a pull from a URL, FETCH_HEAD or a bundle)';

function entryKind(mode: string): string {
  if (mode === '120000') return 'a symlink';
  if (mode === '100755') return 'an executable file (100755)';
  return mode === '100644' ? 'a regular file (100644)' : `mode ${mode}`;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function names(items: readonly string[]): string {
  return items.map(q).join(', ');
}

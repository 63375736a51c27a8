import { exitCodeOf, KmssigError } from '../../errors.js';
import type { Repo } from '../../git/repo.js';
import { DEFAULT_MAX_COMMITS } from '../../config/schema.js';
import { openPolicy } from '../../core/policy.js';
import type { CheckReport } from '../../core/report.js';
import { check, checkWithoutConfig } from '../../usecases/check.js';
import { loadNotes } from '../../usecases/notesView.js';
import { readPin } from '../../usecases/pin.js';
import type { Session } from '../../usecases/session.js';
import { messages } from '../../messages.js';
import { stringOption, type CommandSpec } from '../args.js';
import { emitError, emitReport, FORMATS } from '../format/checkOutput.js';
import { createOutput, type Io, type Output } from '../io.js';
import { kmsOptions } from '../kmsOptions.js';
import { openRevision, sessionFromFlags } from '../project.js';
import { fetchNotesOnce, pickRemote } from '../remoteNotes.js';

export const spec: CommandSpec = {
  name: 'check',
  progress: true,
  examples: [
    'kmssig check --key arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --context repo=acme/app',
    'kmssig check --worktree   # the files on disk, before you publish them',
  ],
  usage:
    'kmssig check [--rev <rev> | --worktree] [--allow-local] [--key <arn>]... [--ref <pattern>]... [--context k=v]... [--public-key <pem>]... [--cache] [--format human|json|github]',
  summary:
    'Verify the release files of a revision (default HEAD) against its nearest signed commit. Strict: every listed file must be signed. The CI gate.',
  options: {
    rev: { type: 'string', value: 'rev', help: 'the revision to verify (default HEAD)' },
    worktree: { type: 'boolean', help: 'verify the files on disk instead of the tree of the revision' },
    'allow-local': {
      type: 'boolean',
      help: 'exempt your own changes: files your own commits changed, with bytes from no commit this clone did not create',
    },
    key: { type: 'string', multiple: true, value: 'arn', help: 'allowed key ARN; overrides the pin and verify.keys' },
    ref: {
      type: 'string',
      multiple: true,
      value: 'pattern',
      help: 'allowed branch/tag pattern, enforced on any ref; overrides the pin and verify.refs',
    },
    'public-key': {
      type: 'string',
      multiple: true,
      value: 'pem',
      help: 'public key (PEM) for asymmetric records; overrides the pinned public keys',
    },
    context: {
      type: 'string',
      multiple: true,
      value: 'k=v,...',
      help: 'context pairs every record must carry (such as repo=acme/app); overrides the pin and the configuration',
    },
    format: { type: 'string', value: 'human|json|github', help: 'output format (default human)' },
    'no-fetch': { type: 'boolean', help: 'do not fetch notes or deepen a shallow clone' },
    cache: {
      type: 'boolean',
      help: 'use and fill the caches in the git directory (off by default: a gate trusts only KMS, git and its pins)',
    },
    'no-cache': { type: 'boolean', help: 'use no cache (the default; kept for older workflows)' },
    remote: { type: 'string', value: 'name', help: 'remote to fetch notes from (default origin, or the only remote)' },
    ...kmsOptions,
  },
  notes: ['Exit codes: 0 pass, 1 fail, 2 usage or configuration error, 3 could not verify (KMS, network, git, shallow history).'],
};

const DEEPEN_STEPS = [50, 200, 1000];

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const format = stringOption(values, 'format') ?? 'human';
  if (!FORMATS.includes(format)) throw new KmssigError('USAGE', messages.usage(`--format must be one of ${FORMATS.join(', ')}`, 'check'));
  const rev = stringOption(values, 'rev') ?? 'HEAD';
  try {
    return await checkAndReport(values, io, format, rev);
  } catch (error) {
    emitError(io, createOutput(io), format, rev, exitCodeOf(error), (error as Error)?.message ?? String(error));
    throw error;
  }
}

async function checkAndReport(values: Record<string, unknown>, io: Io, format: string, rev: string): Promise<number> {
  if (values.worktree && values['allow-local'])
    throw new KmssigError('USAGE', messages.usage('--worktree is strict and cannot be combined with --allow-local', 'check'));
  const out = createOutput(io);
  const worktree = values.worktree === true;
  const { repo, commit, loaded } = await openRevision(io, rev, { worktree });
  const fetch = values['no-fetch'] !== true;
  const remote = fetch ? await pickRemote(repo, stringOption(values, 'remote')) : undefined;
  if (remote) await fetchNotesOnce(repo, remote, out);
  if (!loaded)
    return checkWithoutConfiguration(repo, commit, io, format, rev, out, pinsPolicy(values) || (await readPin(repo)) !== undefined);

  const targetRefs = await repo.refsOf(rev, commit);
  const session = await sessionFromFlags(repo, loaded, values, io, {
    cache: values.cache === true,
    targetRefs,
    ...(worktree ? {} : { commit }),
    firstUse: { head: commit, fetched: remote !== undefined },
  });
  for (const line of session.pinLines ?? []) (line.level === 'warn' ? out.warn : out.info)(line);
  if (!fetch && session.notes.refs.size === 0) out.warn(messages.notesNotFetched());
  const report = await checkDeepening(session, { commit, worktree, allowLocal: values['allow-local'] === true }, remote, out);

  if (worktree) await explainConversions(repo, report, out);
  // The policy shown is the one the signed commit's record was held to (flags, pin, its configuration).
  const applied = report.signed ? await session.policyAt(report.signed.commit) : undefined;
  const policy = applied && 'policy' in applied ? applied.policy : session.anchors;
  emitReport(io, out, report, { format, rev, policy, label: `${worktree ? 'working tree at ' : ''}${rev} (${commit.slice(0, 12)})` });
  return report.status === 'fail' ? 1 : 0;
}

/** Flags that pin the policy from outside the repository: with them, a removed configuration is never "before kmssig". */
const pinsPolicy = (values: Record<string, unknown>) =>
  ['key', 'ref', 'context', 'public-key'].some((flag) => Array.isArray(values[flag]) && values[flag].length > 0);

/**
 * A commit without configuration: a failure when something below it is signed
 * or, with a pinned policy, when a commit in its history removed the
 * configuration (DESIGN 3.2, 3.4 item 6); else there is nothing to check.
 */
async function checkWithoutConfiguration(
  repo: Repo,
  commit: string,
  io: Io,
  format: string,
  rev: string,
  out: Output,
  pinned: boolean,
): Promise<number> {
  const report = await checkWithoutConfig({ repo, notes: await loadNotes(repo) }, commit, DEFAULT_MAX_COMMITS, { pinned });
  if (report.status !== 'fail') throw new KmssigError('CONFIG', messages.noConfig(repo.root));
  emitReport(io, out, report, { format, rev, policy: openPolicy, label: `${rev} (${commit.slice(0, 12)})` });
  return 1;
}

/** `--worktree` on converted line endings: name the conversion as the likely cause of "modified". */
async function explainConversions(repo: Repo, report: CheckReport, out: Output): Promise<void> {
  // A checkout without symlinks or execute bits writes another entry type than the commit holds.
  const modes = report.files.filter((f) => f.state === 'modified' && f.mode).length;
  if (modes > 0) {
    const settings = await repo.checkoutWithoutModes();
    if (settings.length > 0) out.warn(messages.worktreeModes(modes, settings));
  }
  const modified = report.files.filter((f) => f.state === 'modified').map((f) => f.path);
  if (modified.length === 0) return;
  const conversions = await repo.conversionsOf(modified);
  if (conversions.length > 0) out.warn(messages.worktreeConverted(modified.length, conversions));
}

/** A shallow clone that ends before the signed commit is deepened step by step, never passed. */
async function checkDeepening(session: Session, options: Parameters<typeof check>[1], remote: string | undefined, out: Output) {
  for (let step = 0; ; step++) {
    try {
      return await check(session, options);
    } catch (error) {
      const shallow = error instanceof KmssigError && error.code === 'HISTORY' && (await session.repo.isShallow());
      if (!shallow || !remote || step >= DEEPEN_STEPS.length) throw error;
      out.info({ level: 'info', text: `shallow clone: fetching ${DEEPEN_STEPS[step]} more commits of history from ${remote}` });
      await session.repo.deepen(remote, DEEPEN_STEPS[step]!).catch((failed: unknown) => {
        throw new KmssigError('HISTORY', messages.deepenFailed((error as Error).message, remote, (failed as Error).message), {
          cause: failed,
        });
      });
      session.notes = await loadNotes(session.repo);
    }
  }
}

import { resolve } from 'node:path';
import { configKmsNote } from '../config/kmsLocation.js';
import { loadConfig, type LoadedConfig } from '../config/loadConfig.js';
import { parseContextArgs } from '../core/context.js';
import type { Pin } from '../core/anchors.js';
import { KmssigError } from '../errors.js';
import { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { commitSource, worktreeSource } from '../usecases/configAt.js';
import { openSession, type Session } from '../usecases/session.js';
import { listOption, stringOption } from './args.js';
import { createOutput, type Io } from './io.js';
import { hookDeadlineMs, kmsTimeoutMs } from './kmsOptions.js';

export interface Project {
  repo: Repo;
  /** The commit acted on. */
  commit: string;
  /** Its configuration: from its tree, or from the disk with `worktree` (DESIGN 3.4, rule 2). */
  loaded: LoadedConfig | undefined;
}

/** The repository around the working folder, a revision and the configuration that governs it. */
export async function openRevision(io: Io, rev = 'HEAD', options: { worktree?: boolean } = {}): Promise<Project> {
  const repo = await Repo.open(io.cwd, io.env);
  const commit = await repo.commitOf(rev);
  const loaded = await loadConfig(options.worktree ? worktreeSource(repo.root) : commitSource(repo, commit));
  return { repo, commit, loaded };
}

/** Like openRevision, but a configuration is required (CONFIG, exit 2, when there is none). */
export async function openProject(io: Io, rev = 'HEAD'): Promise<Project & { loaded: LoadedConfig }> {
  const project = await openRevision(io, rev);
  if (!project.loaded) throw new KmssigError('CONFIG', messages.noConfig(project.repo.root));
  return project as Project & { loaded: LoadedConfig };
}

/**
 * The repository around the working folder and the configuration on disk, as
 * data, when there are both: the single-file tools (pubkey, sign-file) take
 * their key from what the user sees; they verify nothing of the repository.
 */
export async function findProject(io: Io): Promise<{ repo: Repo; loaded: LoadedConfig } | undefined> {
  const repo = await Repo.open(io.cwd, io.env).catch((error: unknown) => {
    if (error instanceof KmssigError && error.code === 'NOT_A_REPO') return undefined;
    throw error;
  });
  const loaded = repo && (await loadConfig(worktreeSource(repo.root)));
  return repo && loaded ? { repo, loaded } : undefined;
}

export interface SessionFlags {
  /** The caches in the git directory: on for hooks and sign, off for check unless --cache. */
  cache: boolean;
  /** The refs the verified revision is on (allowed refs apply to release refs only). */
  targetRefs?: string[];
  /** The commit whose tree the configuration came from (not given for --worktree). */
  commit?: string;
  /** The pin, when the caller has read it already. */
  pinned?: { pin: Pin | undefined };
  /** Hooks: one short deadline for every KMS call (KMSSIG_HOOK_TIMEOUT seconds, default 5). */
  hook?: boolean;
  /** The strict gate: without a pin or key flags, hold records to what first use would pin (SessionOptions.firstUse). */
  firstUse?: { head: string; fetched: boolean };
}

/**
 * A session wired from the command's flags: --key, --ref, --context and
 * --public-key pin the policy from outside; --region and --endpoint (else the
 * environment or the AWS profile) say where KMS is, and a configuration that
 * names either gets a note that it is ignored (DESIGN 3.4, rule 9).
 */
export function sessionFromFlags(
  repo: Repo,
  loaded: LoadedConfig,
  values: Record<string, unknown>,
  io: Io,
  flags: SessionFlags,
): Promise<Session> {
  const context = listOption(values, 'context');
  const note = configKmsNote(loaded);
  if (note) createOutput(io).info(note);
  return openSession({
    repo,
    loaded,
    env: io.env,
    keys: listOption(values, 'key'),
    refs: listOption(values, 'ref'),
    context: context.length > 0 ? parseContextArgs(context) : undefined,
    publicKeys: listOption(values, 'public-key').map((p) => resolve(io.cwd, p)),
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: flags.hook ? Math.min(kmsTimeoutMs(io.env) ?? hookDeadlineMs(io.env), hookDeadlineMs(io.env)) : kmsTimeoutMs(io.env),
    deadlineMs: flags.hook ? hookDeadlineMs(io.env) : undefined,
    cache: flags.cache,
    commit: flags.commit,
    pinned: flags.pinned,
    targetRefs: flags.targetRefs,
    firstUse: flags.firstUse,
  });
}

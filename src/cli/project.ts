import { resolve } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/loadConfig.js';
import { KmssigError } from '../errors.js';
import { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import { openSession, type Session } from '../usecases/session.js';
import { listOption, stringOption } from './args.js';
import type { Io } from './io.js';
import { kmsTimeoutMs } from './kmsOptions.js';

/** The repository around the working folder and its configuration (CONFIG, exit 2, when there is none). */
export async function openProject(io: Io): Promise<{ repo: Repo; loaded: LoadedConfig }> {
  const repo = await Repo.open(io.cwd, io.env);
  const loaded = await loadConfig(repo.root);
  if (!loaded) throw new KmssigError('CONFIG', messages.noConfig(repo.root));
  return { repo, loaded };
}

/**
 * The repository around the working folder and its configuration, when there
 * are both (commands that also work outside a repository, such as pubkey).
 */
export async function findProject(io: Io): Promise<{ repo: Repo; loaded: LoadedConfig } | undefined> {
  const repo = await Repo.open(io.cwd, io.env).catch((error: unknown) => {
    if (error instanceof KmssigError && error.code === 'NOT_A_REPO') return undefined;
    throw error;
  });
  const loaded = repo && (await loadConfig(repo.root));
  return repo && loaded ? { repo, loaded } : undefined;
}

/** A session wired from the command's flags: --key/--ref override the policy, --no-cache turns caches off. */
export function sessionFromFlags(repo: Repo, loaded: LoadedConfig, values: Record<string, unknown>, io: Io): Promise<Session> {
  return openSession({
    repo,
    loaded,
    env: io.env,
    keys: listOption(values, 'key'),
    refs: listOption(values, 'ref'),
    publicKeys: listOption(values, 'public-key').map((p) => resolve(io.cwd, p)),
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: kmsTimeoutMs(io.env),
    noCache: values['no-cache'] === true,
  });
}

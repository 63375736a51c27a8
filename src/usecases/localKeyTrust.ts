import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Repo } from '../git/repo.js';
import { localKeyPath } from '../kms/localKey.js';
import { messages } from '../messages.js';

/**
 * A local development key counts only when the caller pinned it (--key) or this
 * clone registered it (git config kmssig.localKey, which keygen sets): a key
 * file is something a commit can plant, in the working tree or (git-lfs
 * objects, messages) in the git directory, and the configuration that names
 * it comes with the commit being verified.
 */
export function localKeyTrust(repo: Repo, pinned: readonly string[]) {
  const real = (path: string) => realpath(path).catch(() => path);
  return async (keyId: string): Promise<string | undefined> => {
    if (pinned.includes(keyId)) return undefined;
    const file = await real(localKeyPath(keyId, repo.root));
    const registered = await Promise.all((await repo.configGetAll('kmssig.localKey')).map((p) => real(resolve(repo.root, p))));
    return registered.includes(file) ? undefined : messages.localKeyNotRegistered(keyId);
  };
}

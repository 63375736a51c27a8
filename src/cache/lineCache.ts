import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A set of facts kept in the git directory, one hash a line: records whose
 * KMS signature already verified, so that a hook with nothing new to check
 * makes no KMS call. Only positive results are kept; losing the file only
 * costs time.
 */
export interface LineCache {
  has(key: string): Promise<boolean>;
  add(key: string): Promise<void>;
}

export function createLineCache(gitCommonDir: string, name: string): LineCache {
  const file = join(gitCommonDir, 'kmssig', name);
  let loaded: Promise<Set<string>> | undefined;
  const load = () =>
    (loaded ??= readFile(file, 'utf8').then(
      (t) => new Set(t.split('\n')),
      () => new Set<string>(),
    ));
  const hash = (key: string) => createHash('sha256').update(key).digest('hex');
  return {
    async has(key) {
      return (await load()).has(hash(key));
    },
    async add(key) {
      const set = await load();
      const h = hash(key);
      if (set.has(h)) return;
      set.add(h);
      await mkdir(join(gitCommonDir, 'kmssig'), { recursive: true }).catch(() => {});
      await appendFile(file, h + '\n').catch(() => {});
    },
  };
}

/** A cache that remembers nothing (--no-cache). */
export const noCache: LineCache = { has: async () => false, add: async () => {} };

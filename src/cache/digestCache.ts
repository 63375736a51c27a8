import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * SHA-512 of git blobs, keyed by blob id, kept in the git directory. A blob id
 * names exact content, so an entry never goes stale; unchanged large files
 * are not hashed again.
 */
export interface DigestCache {
  lookup(oids: Iterable<string>): Promise<Map<string, string>>;
  store(digests: Map<string, string>): Promise<void>;
}

const LINE = /^([0-9a-f]{40,64}) ([0-9a-f]{128})$/;

export function createDigestCache(gitCommonDir: string): DigestCache {
  const file = join(gitCommonDir, 'kmssig', 'digests');
  let loaded: Promise<Map<string, string>> | undefined;
  const load = () =>
    (loaded ??= readFile(file, 'utf8').then(
      (text) =>
        new Map(
          text.split('\n').flatMap((line) => {
            const m = LINE.exec(line);
            return m ? [[m[1]!, m[2]!] as const] : [];
          }),
        ),
      () => new Map<string, string>(),
    ));
  return {
    async lookup(oids) {
      const all = await load();
      const found = new Map<string, string>();
      for (const oid of oids) {
        const digest = all.get(oid);
        if (digest) found.set(oid, digest);
      }
      return found;
    },
    async store(digests) {
      const all = await load();
      let text = '';
      for (const [oid, digest] of digests) {
        if (all.has(oid)) continue;
        all.set(oid, digest);
        text += `${oid} ${digest}\n`;
      }
      if (text === '') return;
      // Appends of whole lines; a torn last line is skipped by the reader. A
      // cache that cannot be written is only slower, never wrong.
      await mkdir(join(gitCommonDir, 'kmssig'), { recursive: true }).catch(() => {});
      await appendFile(file, text).catch(() => {});
    },
  };
}

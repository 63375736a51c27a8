import { createHash, type Hash } from 'node:crypto';
import { KmssigError } from '../errors.js';
import type { GitRunner } from './exec.js';

/**
 * SHA-512 (hex) of each blob, streamed through one `git cat-file --batch`
 * process: no file is ever held in memory whole, and no process is spawned
 * per file.
 */
export async function hashBlobs(git: GitRunner, oids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(oids)];
  const result = new Map<string, string>();
  if (wanted.length === 0) return result;

  const child = git.spawn(['cat-file', '--batch']);
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });

  let header = Buffer.alloc(0);
  let current: { oid: string; left: number; hash: Hash } | undefined;
  let trailing = false; // the newline after each object's content
  let failure: Error | undefined;

  child.stdout!.on('data', (chunk: Buffer) => {
    let data = chunk;
    while (data.length > 0 && !failure) {
      if (trailing) {
        data = data.subarray(1);
        trailing = false;
      } else if (current) {
        const take = Math.min(current.left, data.length);
        current.hash.update(data.subarray(0, take));
        current.left -= take;
        data = data.subarray(take);
        if (current.left === 0) {
          result.set(current.oid, current.hash.digest('hex'));
          current = undefined;
          trailing = true;
        }
      } else {
        const nl = data.indexOf(10);
        if (nl === -1) {
          header = Buffer.concat([header, data]);
          break;
        }
        const line = Buffer.concat([header, data.subarray(0, nl)]).toString('latin1');
        header = Buffer.alloc(0);
        data = data.subarray(nl + 1);
        const [oid, type, size] = line.split(' ');
        if (type !== 'blob' || size === undefined) {
          failure = new KmssigError('GIT', `git cat-file: object ${oid} is ${type ?? 'unreadable'}; the repository may be incomplete (try git fetch)`);
          child.kill();
          break;
        }
        current = { oid: oid!, left: Number(size), hash: createHash('sha512') };
        if (current.left === 0) {
          result.set(current.oid, current.hash.digest('hex'));
          current = undefined;
          trailing = true;
        }
      }
    }
  });

  child.stdin!.on('error', () => {});
  child.stdin!.end(wanted.join('\n') + '\n');
  const code = await exited;
  if (failure) throw failure;
  if (code !== 0 || result.size !== wanted.length) {
    throw new KmssigError('GIT', `git cat-file --batch failed: ${Buffer.concat(stderr).toString('utf8').trim() || `exit ${code}`}`);
  }
  return result;
}

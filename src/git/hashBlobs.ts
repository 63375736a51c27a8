import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { progress, type ProgressCounter } from '../core/progress.js';
import { KmssigError, type ErrorCode } from '../errors.js';
import type { GitRunner } from './exec.js';

export interface HashBlobsOptions {
  /** Threads that hash at once, each fed by its own `git cat-file --batch` (default: the cores, at most 4). */
  lanes?: number;
  /** Below this many bytes in all, one lane: starting a worker costs more than it saves (default 64 MiB). */
  minParallelBytes?: number;
}

const MAX_LANES = 4;
// The worker module beside this one, when built. Run from TypeScript source
// (tests under tsx), node cannot start a .ts worker: one lane then.
const WORKER = import.meta.url.endsWith('.js') ? new URL('./hashBlobsWorker.js', import.meta.url) : undefined;
const MIN_PARALLEL_BYTES = 64 * 1024 * 1024;
const SAMPLE = 256;

/**
 * SHA-512 (hex) of each blob, streamed through `git cat-file --batch`: no
 * file is ever held in memory whole, and no process is spawned per file.
 * A large set is split by size between this thread and worker threads, each
 * lane with its own `cat-file` process, so that every core hashes.
 */
export async function hashBlobs(git: GitRunner, oids: Iterable<string>, options: HashBlobsOptions = {}): Promise<Map<string, string>> {
  const wanted = [...new Set(oids)];
  progress.expect(0, wanted.length);
  const lanes = WORKER ? Math.min(options.lanes ?? Math.min(availableParallelism(), MAX_LANES), wanted.length) : 1;
  if (lanes < 2) return hashBlobsInOneProcess(git, wanted);
  const minBytes = options.minParallelBytes ?? MIN_PARALLEL_BYTES;
  if (wanted.length > SAMPLE) {
    // Sizes cost a read of every object header (10,000 loose objects: a tenth
    // of a second): a sample first tells whether the set is worth splitting.
    const sample = Array.from({ length: SAMPLE }, (_, i) => wanted[Math.floor((i * wanted.length) / SAMPLE)]!);
    const sampled = await blobSizes(git, sample);
    let bytes = 0;
    for (const size of sampled?.values() ?? []) bytes += size;
    if (!sampled || (bytes / SAMPLE) * wanted.length < minBytes) return hashBlobsInOneProcess(git, wanted);
  }
  const sizes = await blobSizes(git, wanted);
  let total = 0;
  for (const size of sizes?.values() ?? []) total += size;
  // A missing or non-blob object: one lane reports it as it always did.
  if (!sizes || total < minBytes) return hashBlobsInOneProcess(git, wanted);
  progress.expect(total, 0);

  const [own, ...others] = splitBySize(wanted, sizes, lanes);
  const workers: Worker[] = [];
  try {
    const parts = await Promise.all([hashBlobsInOneProcess(git, own!), ...others.map((part) => inWorker(git, part, workers))]);
    const result = new Map<string, string>();
    for (const part of parts) for (const [oid, digest] of part) result.set(oid, digest);
    return result;
  } finally {
    // A lane that failed must not leave the others running (a worker keeps the process alive).
    for (const worker of workers) void worker.terminate();
  }
}

/** Longest first, each to the lane with the fewest bytes so far: the lanes finish close together. */
export function splitBySize(oids: string[], sizes: Map<string, number>, lanes: number): string[][] {
  const parts = Array.from({ length: lanes }, () => ({ bytes: 0, oids: [] as string[] }));
  const bySize = [...oids].sort((a, b) => sizes.get(b)! - sizes.get(a)!);
  for (const oid of bySize) {
    let least = parts[0]!;
    for (const part of parts) if (part.bytes < least.bytes) least = part;
    least.oids.push(oid);
    // A blob costs a little even when empty (its header, its own digest).
    least.bytes += sizes.get(oid)! + 256;
  }
  return parts.map((p) => p.oids).filter((p) => p.length > 0);
}

/** Object sizes from one `git cat-file --batch-check`; undefined when one is missing or not a blob. */
async function blobSizes(git: GitRunner, oids: string[]): Promise<Map<string, number> | undefined> {
  const out = await git.bytes(['cat-file', '--batch-check'], oids.join('\n') + '\n').catch(() => undefined);
  if (!out) return undefined;
  const sizes = new Map<string, number>();
  for (const line of out.toString('latin1').split('\n')) {
    if (line === '') continue;
    const [oid, type, size] = line.split(' ');
    if (type !== 'blob' || size === undefined) return undefined;
    sizes.set(oid!, Number(size));
  }
  return oids.every((oid) => sizes.has(oid)) ? sizes : undefined;
}

function inWorker(git: GitRunner, oids: string[], workers: Worker[]): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER!, { workerData: { cwd: git.cwd, env: git.env, oids, progress: progress.buffer } });
    workers.push(worker);
    let settled = false;
    worker.once('message', (answer: { digests?: [string, string][]; error?: { code: ErrorCode; message: string } }) => {
      settled = true;
      if (answer.digests) resolve(new Map(answer.digests));
      else reject(new KmssigError(answer.error?.code ?? 'GIT', answer.error?.message ?? 'git cat-file --batch failed in a worker thread'));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(new KmssigError('INTERNAL', `hashing worker failed: ${error.message}`, { cause: error }));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new KmssigError('INTERNAL', `hashing worker exited (${code}) without an answer`));
    });
  });
}

/** SHA-512 of each blob through one `git cat-file --batch` process, in this thread. */
export async function hashBlobsInOneProcess(
  git: GitRunner,
  oids: Iterable<string>,
  counter: ProgressCounter = progress,
): Promise<Map<string, string>> {
  const wanted = [...new Set(oids)];
  const result = new Map<string, string>();
  if (wanted.length === 0) return result;

  // --buffer: all requests are written at once, so git need not flush after every object.
  const child = git.spawn(['cat-file', '--batch', '--buffer']);
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
        counter.add(take);
        current.left -= take;
        data = data.subarray(take);
        if (current.left === 0) {
          result.set(current.oid, current.hash.digest('hex'));
          counter.add(0, 1);
          current = undefined;
          trailing = true;
        }
      } else {
        const nl = data.indexOf(10);
        if (nl === -1) {
          header = Buffer.concat([header, data]);
          break;
        }
        const line = (header.length > 0 ? Buffer.concat([header, data.subarray(0, nl)]) : data.subarray(0, nl)).toString('latin1');
        header = Buffer.alloc(0);
        data = data.subarray(nl + 1);
        const [oid, type, size] = line.split(' ');
        if (type !== 'blob' || size === undefined) {
          failure = new KmssigError(
            'GIT',
            `git cat-file: object ${oid} is ${type ?? 'unreadable'}; the repository may be incomplete (try git fetch)`,
          );
          child.kill();
          break;
        }
        current = { oid: oid!, left: Number(size), hash: createHash('sha512') };
        if (current.left === 0) {
          result.set(current.oid, current.hash.digest('hex'));
          counter.add(0, 1);
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

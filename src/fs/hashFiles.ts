import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { progress, type ProgressCounter } from '../core/progress.js';

export interface FileToHash {
  /** Absolute path. */
  path: string;
  /** Size from lstat, to share the work out; the file is read to its end whatever it is. */
  size: number;
}

export interface HashFilesOptions {
  /** Threads that hash at once (default: the cores, at most 4). */
  lanes?: number;
  /** Below this many bytes in all, one lane: starting a worker costs more than it saves (default 64 MiB). */
  minParallelBytes?: number;
}

/** A file that could not be read; `file` is its absolute path. */
export class HashFileError extends Error {
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'HashFileError';
    this.file = file;
  }
}

const MAX_LANES = 4;
// The worker module beside this one, when built. Run from TypeScript source
// (tests under tsx), node cannot start a .ts worker: one lane then.
const WORKER = import.meta.url.endsWith('.js') ? new URL('./hashFilesWorker.js', import.meta.url) : undefined;
const MIN_PARALLEL_BYTES = 64 * 1024 * 1024;
// Large reads into one reused buffer per lane (as hashFile does): memory
// stays flat at any file size and no buffer is allocated per file.
const CHUNK = 1024 * 1024;
// A file that became a symlink after it was listed is not opened: a read never follows a link (DESIGN 3.4, rule 7).
const NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

/**
 * SHA-512 (hex) of many files, by absolute path. A large set is split by size
 * between this thread and worker threads, so that every core hashes.
 */
export async function hashFiles(files: FileToHash[], options: HashFilesOptions = {}): Promise<Map<string, string>> {
  const unique = [...new Map(files.map((f) => [f.path, f])).values()];
  const lanes = WORKER ? Math.min(options.lanes ?? Math.min(availableParallelism(), MAX_LANES), unique.length) : 1;
  const total = unique.reduce((sum, f) => sum + f.size, 0);
  progress.expect(total, unique.length);
  if (lanes < 2 || total < (options.minParallelBytes ?? MIN_PARALLEL_BYTES)) return hashFilesHere(unique.map((f) => f.path));

  const [own, ...others] = splitBySize(unique, lanes);
  const workers: Worker[] = [];
  try {
    // The workers first: this thread's share is hashed synchronously while they run.
    const pending = others.map((part) => inWorker(part, workers));
    for (const p of pending) p.catch(() => {}); // awaited below; a failure here must not leave them unhandled
    const parts = [hashFilesHere(own!), ...(await Promise.all(pending))];
    const result = new Map<string, string>();
    for (const part of parts) for (const [path, digest] of part) result.set(path, digest);
    return result;
  } finally {
    for (const worker of workers) void worker.terminate();
  }
}

/** Longest first, each to the lane with the fewest bytes so far. */
function splitBySize(files: FileToHash[], lanes: number): string[][] {
  const parts = Array.from({ length: lanes }, () => ({ bytes: 0, paths: [] as string[] }));
  for (const file of [...files].sort((a, b) => b.size - a.size)) {
    let least = parts[0]!;
    for (const part of parts) if (part.bytes < least.bytes) least = part;
    least.paths.push(file.path);
    least.bytes += file.size + 4096; // opening a file costs something even when it is empty
  }
  return parts.map((p) => p.paths).filter((p) => p.length > 0);
}

function inWorker(paths: string[], workers: Worker[]): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER!, { workerData: { paths, progress: progress.buffer } });
    workers.push(worker);
    let settled = false;
    worker.once('message', (answer: { digests?: [string, string][]; error?: { file: string; message: string; code?: string } }) => {
      settled = true;
      if (answer.digests) return resolve(new Map(answer.digests));
      const cause = Object.assign(new Error(answer.error?.message ?? 'read failed'), { code: answer.error?.code });
      reject(new HashFileError(answer.error?.file ?? paths[0]!, cause));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`hashing worker exited (${code}) without an answer`));
    });
  });
}

/**
 * SHA-512 (hex) of each file, in this thread, with synchronous reads into one
 * reused buffer: for the many small files of a release, the promise-based file
 * API costs several times the hashing itself.
 */
export function hashFilesHere(paths: string[], counter: ProgressCounter = progress): Map<string, string> {
  const result = new Map<string, string>();
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (const path of paths) result.set(path, hashOne(path, buffer, counter));
  return result;
}

function hashOne(path: string, buffer: Buffer, counter: ProgressCounter): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, NO_FOLLOW);
    const hash = createHash('sha512');
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      counter.add(bytesRead);
    }
    counter.add(0, 1);
    return hash.digest('hex');
  } catch (error) {
    throw new HashFileError(path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// A worker thread of hashBlobs: one lane of blobs, hashed through its own
// `git cat-file --batch` process (run through exec.ts like every git call).
import { parentPort, workerData } from 'node:worker_threads';
import { counterOver } from '../core/progress.js';
import { KmssigError } from '../errors.js';
import { createGitRunner } from './exec.js';
import { hashBlobsInOneProcess } from './hashBlobs.js';

const { cwd, env, oids, progress } = workerData as { cwd: string; env: NodeJS.ProcessEnv; oids: string[]; progress?: SharedArrayBuffer };
try {
  const digests = await hashBlobsInOneProcess(createGitRunner(cwd, env), oids, counterOver(progress));
  parentPort!.postMessage({ digests: [...digests] });
} catch (error) {
  const code = error instanceof KmssigError ? error.code : 'GIT';
  parentPort!.postMessage({ error: { code, message: (error as Error)?.message ?? String(error) } });
}

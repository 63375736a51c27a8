// A worker thread of hashFiles: one lane of files, hashed in this thread.
import { parentPort, workerData } from 'node:worker_threads';
import { counterOver } from '../core/progress.js';
import { HashFileError, hashFilesHere } from './hashFiles.js';

const { paths, progress } = workerData as { paths: string[]; progress?: SharedArrayBuffer };
try {
  parentPort!.postMessage({ digests: [...hashFilesHere(paths, counterOver(progress))] });
} catch (error) {
  const file = error instanceof HashFileError ? error.file : paths[0];
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  parentPort!.postMessage({ error: { file, message: cause?.message ?? (error as Error)?.message ?? String(error), code: cause?.code } });
}

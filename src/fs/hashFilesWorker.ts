// A worker thread of hashFiles: one lane of files, hashed in this thread.
import { parentPort, workerData } from 'node:worker_threads';
import { HashFileError, hashFilesHere } from './hashFiles.js';

const { paths } = workerData as { paths: string[] };
try {
  parentPort!.postMessage({ digests: [...hashFilesHere(paths)] });
} catch (error) {
  const file = error instanceof HashFileError ? error.file : paths[0];
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  parentPort!.postMessage({ error: { file, message: cause?.message ?? (error as Error)?.message ?? String(error), code: cause?.code } });
}

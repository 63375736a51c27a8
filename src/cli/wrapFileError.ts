import { KmssigError } from '../errors.js';
import type { Message } from '../messages.js';

/** Puts the file's name in front of an error's reason (a sentence of its own stays as it is), keeping its code (and so its exit code). */
export function wrapFileError(format: (file: string, why: string) => Message, file: string) {
  return (error: unknown): never => {
    if (error instanceof KmssigError && error.reason) {
      throw new KmssigError(error.code, format(file, error.message), { cause: error });
    }
    throw error;
  };
}

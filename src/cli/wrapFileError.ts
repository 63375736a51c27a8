import { KmssigError } from '../errors.js';

/** Puts the file's name in front of an error's reason, keeping its code (and so its exit code). */
export function wrapFileError(format: (file: string, why: string) => string, file: string) {
  return (error: unknown): never => {
    if (error instanceof KmssigError && !error.message.startsWith('✖')) {
      throw new KmssigError(error.code, format(file, error.message), { cause: error });
    }
    throw error;
  };
}

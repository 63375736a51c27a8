import { KmssigError } from '../../errors.js';
import { Repo } from '../../git/repo.js';
import { createLocalKey, isLocalKeyId } from '../../kms/localKey.js';
import { messages } from '../../messages.js';
import { requirePositionals, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { resolve } from 'node:path';

export const spec: CommandSpec = {
  name: 'keygen',
  examples: ['kmssig keygen local:.git/dev.key   # then keyId: local:.git/dev.key in .kmssigrc'],
  usage: 'kmssig keygen local:<path>',
  summary: 'Create a local development key (AES-256-GCM, mode 0600). It never replaces an existing file. Not for production.',
  options: {},
};

export async function run(_values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [keyId] = requirePositionals(spec, positionals, ['local:path']) as [string];
  if (!isLocalKeyId(keyId)) throw new KmssigError('USAGE', messages.usage(`expected local:<path>, got ${JSON.stringify(keyId)}`, 'keygen'));
  const path = resolve(io.cwd, keyId.slice('local:'.length));
  await createLocalKey(path).catch((caught: unknown) => {
    const error = caught as NodeJS.ErrnoException;
    throw new KmssigError('INPUT', messages.cannotWrite(path, error.code === 'EEXIST' ? 'the file exists' : error.message), {
      cause: error,
    });
  });
  const out = createOutput(io);
  out.result(`created ${keyId}`);
  out.warn(messages.localKeyWarning(keyId));
  // Records signed with a local key verify only in clones that registered it (or with --key).
  const repo = await Repo.open(io.cwd, io.env).catch(() => undefined);
  if (repo) {
    await repo.configAdd('kmssig.localKey', path);
    out.info(messages.localKeyRegistered(path));
  }
  return 0;
}

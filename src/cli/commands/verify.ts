import { resolve } from 'node:path';
import { parseContextArgs } from '../../core/context.js';
import { KmssigError } from '../../errors.js';
import { createKms } from '../../kms/createKms.js';
import { messages } from '../../messages.js';
import { verifyFile } from '../../usecases/verifyFile.js';
import { listOption, requirePositionals, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { kmsOptions, kmsTimeoutMs } from '../kmsOptions.js';
import { wrapFileError } from '../wrapFileError.js';

export const spec: CommandSpec = {
  name: 'verify',
  examples: ['kmssig verify app.tgz app.tgz.sig --context app=web'],
  usage: 'kmssig verify <file> <sig> [--context k1=v1,k2=v2]... [--key <key-id>]...',
  summary:
    'Verify <file> (- for standard input) against a seed-format signature: KMS Decrypt with the context, then a constant-time compare with its SHA-512.',
  options: {
    context: { type: 'string', multiple: true, value: 'k=v,...', help: 'encryption context pairs used when signing' },
    key: {
      type: 'string',
      multiple: true,
      value: 'key-id',
      help: 'allowed key (ID, ARN or alias); a signature by any other key is invalid',
    },
    ...kmsOptions,
  },
};

export async function run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [file, sig] = requirePositionals(spec, positionals, ['file', 'sig']) as [string, string];
  const out = createOutput(io);
  const context = parseContextArgs(listOption(values, 'context'));
  const keys = listOption(values, 'key');
  const kms = createKms({
    baseDir: io.cwd,
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: kmsTimeoutMs(io.env),
  });
  const input = file === '-' ? io.stdin : resolve(io.cwd, file);
  const { keyId } = await verifyFile({ kms, input, signaturePath: resolve(io.cwd, sig), context, keys }).catch((error: unknown) => {
    const invalid = error instanceof KmssigError && error.code === 'INVALID';
    return wrapFileError(invalid ? messages.invalidSignature : messages.couldNotVerify, file)(error);
  });
  out.result(messages.validSignature(keyId));
  if (keys.length === 0) out.warn(messages.keyNotPinned());
  if (keyId.startsWith('local:')) out.warn(messages.localKeyWarning(keyId));
  return 0;
}

import { resolve } from 'node:path';
import { parseContextArgs } from '../../core/context.js';
import { createKms } from '../../kms/createKms.js';
import { isLocalKeyId } from '../../kms/localKey.js';
import { messages } from '../../messages.js';
import { signFile } from '../../usecases/signFile.js';
import { listOption, requirePositionals, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { kmsOptions, kmsTimeoutMs } from '../kmsOptions.js';
import { wrapFileError } from '../wrapFileError.js';

export const spec: CommandSpec = {
  name: 'sign',
  progress: true,
  examples: [
    'kmssig sign   # the release files of HEAD, into refs/notes/kmssig',
    'kmssig sign alias/release app.tgz app.tgz.sig --context app=web   # the kms-sig file format',
  ],
  usage:
    'kmssig sign <key-id> <file> <sig> [--context k1=v1,k2=v2]...\n       kmssig sign [--rev <rev>] [--ref <ref>] [--accept <path>]...',
  summary: [
    'With <key-id> <file> <sig>: write the seed-format signature of <file> (- for standard input) to <sig>:',
    'KMS Encrypt of its SHA-512 with the context; byte-compatible with the Go tool kms-sig.',
    'Without arguments: sign the release files of a commit (from .kmssigrc) into the git note refs/notes/kmssig.',
  ].join('\n'),
  options: {
    context: { type: 'string', multiple: true, value: 'k=v,...', help: 'encryption context pairs (\\, for a comma in a value)' },
    rev: { type: 'string', value: 'rev', help: 'release mode: the commit whose tree is signed (default HEAD)' },
    ref: { type: 'string', value: 'ref', help: 'release mode: the branch or tag it is signed for (default: the current branch)' },
    accept: {
      type: 'string',
      multiple: true,
      value: 'path',
      help: 'release mode: sign this release file although it came from outside this clone unverified (after you reviewed it)',
    },
    ...kmsOptions,
  },
};

export async function run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  if (positionals.length === 0) return (await import('./signRelease.js')).run(values, io);
  const [keyId, file, sig] = requirePositionals(spec, positionals, ['key-id', 'file', 'sig']) as [string, string, string];
  const out = createOutput(io);
  const context = parseContextArgs(listOption(values, 'context'));
  const kms = createKms({
    baseDir: io.cwd,
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: kmsTimeoutMs(io.env),
  });
  if (isLocalKeyId(keyId)) out.warn(messages.localKeyWarning(keyId));
  const input = file === '-' ? io.stdin : resolve(io.cwd, file);
  const { keyId: arn } = await signFile({ kms, keyId, input, output: resolve(io.cwd, sig), context }).catch(
    wrapFileError(messages.signFailed, file),
  );
  out.info(messages.signed(sig, arn));
  return 0;
}

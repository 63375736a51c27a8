import { dirname, resolve } from 'node:path';
import { SYMMETRIC } from '../../core/algorithms.js';
import { isFailure } from '../../core/compare.js';
import { parseContextArgs } from '../../core/context.js';
import { createKms } from '../../kms/createKms.js';
import { isLocalKeyId } from '../../kms/localKey.js';
import { messages } from '../../messages.js';
import { readPublicKeyFiles, verifyArtifacts } from '../../usecases/verifyArtifacts.js';
import { listOption, requirePositionals, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { kmsOptions, kmsTimeoutMs } from '../kmsOptions.js';

export const spec: CommandSpec = {
  name: 'verify-file',
  usage: 'kmssig verify-file <name>.kmssig.json [--dir <folder>] [--public-key <pem>]... [--key <arn>]... [--context k1=v1,k2=v2]...',
  summary: [
    'Verify a record file written by kmssig sign-file and every file it lists.',
    'An asymmetric record verifies offline with --public-key (no AWS call at all); a symmetric one with KMS Decrypt.',
  ].join('\n'),
  options: {
    dir: { type: 'string', value: 'folder', help: 'the folder holding the listed files (default: the folder of the record file)' },
    'public-key': {
      type: 'string',
      multiple: true,
      value: 'pem',
      help: 'PEM public key that an asymmetric record must verify with (offline)',
    },
    key: {
      type: 'string',
      multiple: true,
      value: 'arn',
      help: 'allowed key ARN; a record by any other key is invalid (without --public-key, the public key of an asymmetric record is fetched from KMS)',
    },
    context: { type: 'string', multiple: true, value: 'k=v,...', help: 'context pairs the record must carry with these values' },
    ...kmsOptions,
  },
  notes: [
    'Exit codes: 0 verified, 1 invalid record or signature, or a file modified or missing, 2 usage error, 3 could not verify (KMS, network, credentials).',
  ],
};

export async function run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [recordArg] = requirePositionals(spec, positionals, ['record']) as [string];
  const out = createOutput(io);
  const recordPath = resolve(io.cwd, recordArg);
  const dir = resolve(io.cwd, stringOption(values, 'dir') ?? dirname(recordPath));
  const context = parseContextArgs(listOption(values, 'context'));
  const keys = listOption(values, 'key');
  const publicKeys = await readPublicKeyFiles(listOption(values, 'public-key').map((p) => resolve(io.cwd, p)));
  // Created lazily: an asymmetric record with --public-key never reaches it.
  const kms = createKms({
    baseDir: io.cwd,
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: kmsTimeoutMs(io.env),
  });
  const result = await verifyArtifacts({ kms, recordPath, label: recordArg, dir, publicKeys, keys, context });
  const { record } = result;

  for (const f of result.files) {
    const state = f.state === 'ok' ? 'ok' : f.state === 'missing' ? 'missing' : 'MODIFIED since signing';
    out.result(isFailure(f) ? out.paint('red', `${state.padEnd(8)}  ${f.path}`) : `${state.padEnd(8)}  ${f.path}`);
  }
  if (result.status === 'fail') {
    const failures = result.files.filter(isFailure).map((f) => `${f.path} is ${f.state === 'missing' ? 'missing' : 'modified'}`);
    out.error(messages.artifactsFailed(recordArg, failures.join(', ')));
    return 1;
  }
  const shownContext = Object.entries(record.context)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  out.result(
    out.paint('green', messages.artifactsVerified(recordArg, result.files.length, record.keyId, record.alg, record.signedAt, shownContext)),
  );
  if (record.alg === SYMMETRIC && keys.length === 0) out.warn(messages.keyNotPinned());
  if (isLocalKeyId(record.keyId)) out.warn(messages.localKeyWarning(record.keyId));
  return 0;
}

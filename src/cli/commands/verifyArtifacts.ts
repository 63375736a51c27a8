import { dirname, relative, resolve } from 'node:path';
import { SYMMETRIC } from '../../core/algorithms.js';
import { isFailure } from '../../core/compare.js';
import { parseContextArgs } from '../../core/context.js';
import { createKms } from '../../kms/createKms.js';
import { isLocalKeyId } from '../../kms/localKey.js';
import { messages } from '../../messages.js';
import { KmssigError } from '../../errors.js';
import { findRecordFiles, readPublicKeyFiles, verifyArtifacts } from '../../usecases/verifyArtifacts.js';
import { listOption, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io, type Output } from '../io.js';
import { kmsOptions, kmsTimeoutMs } from '../kmsOptions.js';

export const spec: CommandSpec = {
  name: 'verify-file',
  progress: true,
  examples: ['kmssig verify-file release.kmssig.json --public-key release-signing.pem   # offline'],
  usage:
    'kmssig verify-file <record|folder|pattern>... [--dir <folder>] [--public-key <pem>]... [--key <arn>]... [--context k1=v1,k2=v2]...',
  summary: [
    'Verify a record file written by kmssig sign-file and every file it lists.',
    'An asymmetric record verifies offline with --public-key (no AWS call at all); a symmetric one with KMS Decrypt.',
    "A folder stands for its *.kmssig.json records; a quoted glob pattern (e.g. 'dist/**/*.kmssig.json') for the records it matches.",
  ].join('\n'),
  options: {
    dir: { type: 'string', value: 'folder', help: 'the folder holding the listed files (default: the folder of each record file)' },
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
  if (positionals.length === 0) throw new KmssigError('USAGE', messages.usage('missing <record|folder|pattern>...', spec.name));
  const out = createOutput(io);
  const records = await findRecordFiles(positionals, io.cwd);
  const dirOption = stringOption(values, 'dir');
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
  let failed = 0;
  for (const recordPath of records) {
    // Named as the user named it when one was given, else relative to where they are.
    const named = positionals.find((p) => resolve(io.cwd, p) === recordPath);
    const label = named ?? (relative(io.cwd, recordPath) || recordPath);
    const dir = resolve(io.cwd, dirOption ?? dirname(recordPath));
    try {
      if (!(await verifyOne(out, { kms, recordPath, label, dir, publicKeys, keys, context }))) failed++;
    } catch (error) {
      // A bad record among several is reported and the others still verified; anything else (KMS, usage) stops.
      if (records.length === 1 || !(error instanceof KmssigError) || error.code !== 'INVALID') throw error;
      out.error(error.lines);
      failed++;
    }
  }
  if (records.length > 1) {
    if (failed > 0) out.error(messages.recordsFailed(failed, records.length));
    else out.result(out.paint('green', messages.recordsVerified(records.length)));
  }
  return failed > 0 ? 1 : 0;
}

async function verifyOne(out: Output, options: Parameters<typeof verifyArtifacts>[0] & { label: string }): Promise<boolean> {
  const result = await verifyArtifacts(options);
  const { record } = result;
  const { label, keys } = options;
  for (const f of result.files) {
    const state = f.state === 'ok' ? 'ok' : f.state === 'missing' ? 'missing' : 'MODIFIED since signing';
    out.result(isFailure(f) ? out.paint('red', `${state.padEnd(8)}  ${f.path}`) : `${state.padEnd(8)}  ${f.path}`);
  }
  if (result.status === 'fail') {
    const failures = result.files.filter(isFailure).map((f) => `${f.path} is ${f.state === 'missing' ? 'missing' : 'modified'}`);
    out.error(messages.artifactsFailed(label, failures.join(', ')));
    return false;
  }
  const shownContext = Object.entries(record.context)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  out.result(
    out.paint('green', messages.artifactsVerified(label, result.files.length, record.keyId, record.alg, record.signedAt, shownContext)),
  );
  if (record.alg === SYMMETRIC && keys.length === 0) out.warn(messages.keyNotPinned());
  if (isLocalKeyId(record.keyId)) out.warn(messages.localKeyWarning(record.keyId));
  return true;
}

import { resolve } from 'node:path';
import { SIGNING_ALGORITHMS } from '../../core/algorithms.js';
import { parseContextArgs } from '../../core/context.js';
import { KmssigError } from '../../errors.js';
import { createKms } from '../../kms/createKms.js';
import { isLocalKeyId } from '../../kms/localKey.js';
import { messages } from '../../messages.js';
import { signArtifacts } from '../../usecases/signArtifacts.js';
import { listOption, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { configKmsNote } from '../../config/kmsLocation.js';
import { kmsOptions, kmsTimeoutMs } from '../kmsOptions.js';
import { findProject } from '../project.js';

export const spec: CommandSpec = {
  name: 'sign-file',
  progress: true,
  examples: ["kmssig sign-file 'out/*.tgz' --out release.kmssig.json --key alias/release"],
  usage: 'kmssig sign-file <file|pattern>... --out <name>.kmssig.json [--key <key-id>] [--algorithm <alg>] [--context k1=v1,k2=v2]...',
  summary: [
    'Sign release artifacts that live outside git into one standalone record file (the format of the git-notes records):',
    'files keyed by file name, context from --context, one KMS Encrypt (symmetric key) or Sign (asymmetric key) for the whole set.',
    "Files may be glob patterns, quoted (e.g. 'dist/*.tgz'): dotfiles only when named, symlinks never followed out of the pattern's folder,",
    "'!pattern' leaves out what it matches; a pattern that matches nothing is an error. Check the record with kmssig verify-file.",
  ].join('\n'),
  options: {
    out: { type: 'string', value: 'file', help: 'where the record goes (required), e.g. app-1.2.0.kmssig.json; written atomically' },
    key: { type: 'string', value: 'key-id', help: 'the key (ID, ARN or alias); default: keyId (and algorithm) of the configuration' },
    algorithm: { type: 'string', value: 'alg', help: `signing algorithm of an asymmetric key (${SIGNING_ALGORITHMS.join(', ')})` },
    context: {
      type: 'string',
      multiple: true,
      value: 'k=v,...',
      help: 'context pairs bound to the signature (\\, for a comma in a value)',
    },
    ...kmsOptions,
  },
  notes: [
    'Exit codes: 0 signed, 2 usage or configuration error (also: two files with the same name, a pattern that matches nothing), 3 could not sign (KMS, network, credentials).',
  ],
};

export async function run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const output = stringOption(values, 'out');
  if (output === undefined) throw new KmssigError('USAGE', messages.usage('missing --out <name>.kmssig.json', spec.name));
  if (positionals.length === 0) throw new KmssigError('USAGE', messages.usage('missing <file|pattern>...', spec.name));
  const algorithm = stringOption(values, 'algorithm');
  if (algorithm !== undefined && !(SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new KmssigError('USAGE', messages.usage(`--algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}`, spec.name));
  }
  const context = parseContextArgs(listOption(values, 'context'));
  const out = createOutput(io);
  const given = stringOption(values, 'key');
  const project = given ? undefined : await findProject(io);
  const config = project?.loaded.config;
  const keyId = given ?? config?.keyId;
  if (!keyId) throw new KmssigError('USAGE', messages.noKeyGiven(spec.name));
  const note = configKmsNote(project?.loaded);
  if (note) out.info(note);
  const kms = createKms({
    baseDir: project?.repo.root ?? io.cwd,
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: kmsTimeoutMs(io.env),
  });
  if (isLocalKeyId(keyId)) out.warn(messages.localKeyWarning(keyId));
  const record = await signArtifacts({
    kms,
    keyId,
    algorithm: algorithm ?? (given ? undefined : config?.algorithm),
    files: positionals,
    cwd: io.cwd,
    context,
    output: resolve(io.cwd, output),
  });
  out.result(messages.recordFileWritten(output, Object.keys(record.files).length, record.keyId, record.alg));
  return 0;
}

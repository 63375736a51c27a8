import { resolve } from 'node:path';
import { KmssigError } from '../../errors.js';
import { createKms } from '../../kms/createKms.js';
import { messages } from '../../messages.js';
import { fetchPublicKey, writePublicKey } from '../../usecases/publicKey.js';
import { requirePositionals, stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { configKmsNote } from '../../config/kmsLocation.js';
import { kmsOptions, kmsTimeoutMs } from '../kmsOptions.js';
import { findProject } from '../project.js';

export const spec: CommandSpec = {
  name: 'pubkey',
  examples: ['kmssig pubkey --key alias/release-signing --out release-signing.pem'],
  usage: 'kmssig pubkey [--key <key-id>] [--out <file>]',
  summary: [
    'Fetch the public key of an asymmetric KMS signing key (GetPublicKey) and write it as PEM (SPKI), to <file> (atomically) or to standard output.',
    'Commit it and list it in verify.publicKeys: records of that key then verify offline, with no AWS access.',
  ].join('\n'),
  options: {
    key: { type: 'string', value: 'key-id', help: 'the key (ID, ARN or alias); default: keyId of the configuration' },
    out: { type: 'string', value: 'file', help: 'write the PEM to this file instead of standard output' },
    ...kmsOptions,
  },
  notes: [
    'Needs kms:GetPublicKey on the key. Exit codes: 0 done, 2 usage, configuration or not a signing key, 3 KMS unreachable or denied.',
  ],
};

export async function run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  requirePositionals(spec, positionals, []);
  const out = createOutput(io);
  const given = stringOption(values, 'key');
  // The configuration is read only when it supplies the key: --key works anywhere.
  const project = given ? undefined : await findProject(io);
  const keyId = given ?? project?.loaded.config.keyId;
  if (!keyId) throw new KmssigError('USAGE', messages.noKeyGiven('pubkey'));
  const note = configKmsNote(project?.loaded);
  if (note) out.info(note);
  const kms = createKms({
    baseDir: project?.repo.root ?? io.cwd,
    region: stringOption(values, 'region'),
    endpoint: stringOption(values, 'endpoint'),
    timeoutMs: kmsTimeoutMs(io.env),
  });
  const key = await fetchPublicKey(kms, keyId);
  const file = stringOption(values, 'out');
  if (file === undefined) {
    io.stdout.write(key.pem);
    return 0;
  }
  await writePublicKey(resolve(io.cwd, file), key);
  out.info(messages.publicKeyWritten(file, key.keyId, key.spec));
  return 0;
}

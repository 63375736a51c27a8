import { join, relative, resolve } from 'node:path';
import { KmssigError } from '../../errors.js';
import { messages } from '../../messages.js';
import { exportRecord, opensslVerifyCommand } from '../../usecases/exportRecord.js';
import { stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { kmsOptions } from '../kmsOptions.js';
import { openProject, sessionFromFlags } from '../project.js';

export const spec: CommandSpec = {
  name: 'export-record',
  examples: ['kmssig export-record main --out record/   # then openssl or boto3 can check it (docs/formats.md)'],
  usage: 'kmssig export-record [<rev>] --out <folder>',
  summary: [
    'Write the parts of the valid signature record of <rev> (default HEAD, or its nearest signed ancestor) to <folder>,',
    'so that standard tools can check kmssig: payload.json (the canonical payload), payload.bin (P = SHA-512 of it, the 64 bytes KMS signed)',
    'and sig.bin (the raw signature). For an ECDSA_SHA_256 record: openssl dgst -sha256 -verify pub.pem -signature sig.bin payload.bin',
    '(RSA-PSS: add -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:auto).',
  ].join('\n'),
  options: {
    out: { type: 'string', value: 'folder', help: 'the folder to write to (created if missing; files in it are replaced)' },
    ...kmsOptions,
  },
  notes: ['Exit codes: 0 exported, 1 no valid record, 2 usage or configuration error, 3 could not verify (KMS, network, git).'],
};

export async function run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const outArg = stringOption(values, 'out');
  if (outArg === undefined) throw new KmssigError('USAGE', messages.usage('missing --out <folder>', spec.name));
  if (positionals.length > 1)
    throw new KmssigError('USAGE', messages.usage(`unexpected argument ${JSON.stringify(positionals[1])}`, spec.name));
  const out = createOutput(io);
  const { repo, commit: start, loaded } = await openProject(io, positionals[0] ?? 'HEAD');
  const session = await sessionFromFlags(repo, loaded, values, io, {
    cache: true,
    targetRefs: await repo.refsOf(positionals[0] ?? 'HEAD', start),
  });
  const { commit, record } = await exportRecord(session, start, resolve(io.cwd, outArg));
  out.result(messages.recordExported(outArg, commit, record.alg));
  // With one pinned public key the hint names it; with several, the reader picks the right one.
  const pinned = loaded.config.verify.publicKeys;
  const pem = pinned.length === 1 ? pinned[0] : undefined;
  const command = opensslVerifyCommand(
    record.alg,
    { payloadBin: join(outArg, 'payload.bin'), sig: join(outArg, 'sig.bin') },
    pem ? relative(io.cwd, join(repo.root, pem)) || pem : 'pub.pem',
  );
  if (command) out.result(messages.opensslHint(command));
  else out.info(messages.symmetricExportHint(record.keyId));
  return 0;
}

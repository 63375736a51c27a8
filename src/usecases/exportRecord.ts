import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SYMMETRIC, type Algorithm } from '../core/algorithms.js';
import { payloadDigest, payloadOf, type SignatureRecord } from '../core/record.js';
import { KmssigError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import { messages } from '../messages.js';
import { findSignedCommit } from './findSignedCommit.js';
import type { Session } from './session.js';

export interface ExportedRecord {
  /** The commit whose record was exported: the start, or its nearest signed ancestor. */
  commit: string;
  record: SignatureRecord;
  /** Absolute paths of payload.json, payload.bin and sig.bin. */
  files: { payloadJson: string; payloadBin: string; sig: string };
}

/**
 * Writes the parts of the valid record of a commit (or of its nearest signed
 * ancestor) so that standard tools can check it (DESIGN 2.2): payload.json
 * (the canonical payload), payload.bin (P = SHA-512 of it, the 64 bytes KMS
 * signed) and sig.bin (the raw signature, or the KMS ciphertext of a
 * symmetric record). Only a record that verifies here is exported.
 */
export async function exportRecord(session: Session, start: string, outDir: string): Promise<ExportedRecord> {
  const walk = await findSignedCommit({ ...session, start });
  if (walk.found.length === 0) {
    if (walk.end === 'bound') throw new KmssigError('HISTORY', messages.walkBound(start, session.maxCommits));
    if (walk.end === 'shallow') throw new KmssigError('HISTORY', messages.shallowHistory(start));
    throw new KmssigError('INVALID', messages.noValidRecord(start));
  }
  const { commit, record } = walk.found[0]!;
  const files = { payloadJson: join(outDir, 'payload.json'), payloadBin: join(outDir, 'payload.bin'), sig: join(outDir, 'sig.bin') };
  try {
    await mkdir(outDir, { recursive: true });
    await writeFileAtomic(files.payloadJson, payloadOf(record));
    await writeFileAtomic(files.payloadBin, payloadDigest(record));
    await writeFileAtomic(files.sig, Buffer.from(record.sig, 'base64'));
  } catch (error) {
    throw new KmssigError('INPUT', messages.cannotWrite(outDir, (error as Error).message), { cause: error });
  }
  return { commit, record, files };
}

/** The openssl command line that verifies an exported asymmetric record with its PEM public key. */
export function opensslVerifyCommand(
  alg: Algorithm,
  files: { payloadBin: string; sig: string },
  publicKey = 'pub.pem',
): string | undefined {
  if (alg === SYMMETRIC) return undefined;
  const pss = alg.startsWith('RSASSA_PSS_') ? ' -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:auto' : '';
  return `openssl dgst -sha${alg.slice(-3)} -verify ${shellWord(publicKey)}${pss} -signature ${shellWord(files.sig)} ${shellWord(files.payloadBin)}`;
}

const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

import canonicalize from 'canonicalize';
import { isAlgorithm, type Algorithm } from './algorithms.js';
import type { Context } from './context.js';
import { sha512, SHA512_HEX } from './digest.js';
import { pathProblem } from './paths.js';

/** One signature over a set of files at one commit for one ref (DESIGN 2.2). */
export interface SignatureRecord {
  v: 1;
  alg: Algorithm;
  keyId: string;
  context: Context;
  files: Record<string, string>;
  sig: string;
  signedAt: string;
}

/** The signed part: everything but `sig` and `signedAt`. */
export type UnsignedRecord = Omit<SignatureRecord, 'sig' | 'signedAt'>;

export type ParsedRecord = { ok: true; record: SignatureRecord; line: string } | { ok: false; reason: string; line: string };

const RECORD_KEYS = ['alg', 'context', 'files', 'keyId', 'sig', 'signedAt', 'v'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// A JSON escape such as \ud800 parses to half a character: it has no UTF-8 form, so
// no payload (canonicalize throws on it) and no file name can hold it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** RFC 8785 canonical JSON of the signed part, as UTF-8 bytes. */
export function payloadOf(record: UnsignedRecord): Buffer {
  const { v, alg, keyId, context, files } = record;
  return Buffer.from(canonicalize({ v, alg, keyId, context, files }) as string, 'utf8');
}

/** P = SHA-512(payload): the 64 bytes that KMS encrypts or signs. */
export function payloadDigest(record: UnsignedRecord): Buffer {
  return sha512(payloadOf(record));
}

/** One JSON line; canonical, so identical records are identical lines. */
export function serializeRecord(record: SignatureRecord): string {
  return canonicalize(record) as string;
}

/** Never throws: anything that is not exactly a v1 record is reported as invalid. */
export function parseRecord(line: string): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON', line };
  }
  const reason = recordProblem(value);
  return reason === undefined ? { ok: true, record: value as SignatureRecord, line } : { ok: false, reason, line };
}

/** Parses a note: one record per line (JSON Lines); blank lines are ignored. */
export function parseNote(text: string): ParsedRecord[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(parseRecord);
}

function recordProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'not a JSON object';
  const keys = Object.keys(value).sort();
  const extra = keys.filter((k) => !RECORD_KEYS.includes(k));
  if (extra.length > 0) return `unknown field ${extra.map((k) => JSON.stringify(k)).join(', ')}`;
  const missing = RECORD_KEYS.filter((k) => !keys.includes(k));
  if (missing.length > 0) return `missing field ${missing.join(', ')}`;
  if (value.v !== 1) return `unsupported version ${JSON.stringify(value.v)}`;
  if (!isAlgorithm(value.alg)) return `unknown alg ${JSON.stringify(value.alg)}`;
  if (typeof value.keyId !== 'string' || value.keyId === '' || LONE_SURROGATE.test(value.keyId)) return 'keyId is not a non-empty string';
  if (typeof value.signedAt !== 'string' || Number.isNaN(Date.parse(value.signedAt)) || LONE_SURROGATE.test(value.signedAt))
    return 'signedAt is not a date';
  if (typeof value.sig !== 'string' || value.sig === '' || !BASE64.test(value.sig)) return 'sig is not base64';
  // One signature, one line: trailing bits that decoding drops would make other lines with the same signature.
  if (Buffer.from(value.sig, 'base64').toString('base64') !== value.sig) return 'sig is not canonical base64';
  return contextProblem(value.context) ?? filesProblem(value.files);
}

function contextProblem(context: unknown): string | undefined {
  if (!isPlainObject(context)) return 'context is not an object';
  for (const [key, val] of Object.entries(context)) {
    if (typeof val !== 'string') return `context.${key} is not a string`;
    if (key === '' || /^aws/i.test(key)) return `context key ${JSON.stringify(key)} is not allowed`;
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(val)) return `context.${key} is not well-formed Unicode`;
  }
  return undefined;
}

function filesProblem(files: unknown): string | undefined {
  if (!isPlainObject(files)) return 'files is not an object';
  const paths = Object.keys(files);
  if (paths.length === 0) return 'files is empty';
  for (const path of paths) {
    const problem = LONE_SURROGATE.test(path) ? 'not well-formed Unicode' : pathProblem(path);
    if (problem) return `file ${JSON.stringify(path)}: ${problem}`;
    const digest = files[path];
    if (typeof digest !== 'string' || !SHA512_HEX.test(digest)) return `file ${JSON.stringify(path)}: digest is not SHA-512 hex`;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

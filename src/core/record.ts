import canonicalize from 'canonicalize';
import { isAlgorithm, type Algorithm } from './algorithms.js';
import type { Context } from './context.js';
import { sha512, SHA512_HEX } from './digest.js';
import { pathProblem } from './paths.js';

/**
 * A file's entry type and mode as git stores it in a tree (DESIGN 3.4, rule 7):
 * a regular file, an executable file, a symlink (whose bytes are its target text).
 */
export const FILE_MODES = ['100644', '100755', '120000'] as const;
export type FileMode = (typeof FILE_MODES)[number];
export const REGULAR_FILE: FileMode = '100644';

/** What a version-2 record signs of one path: its entry type and mode, and the SHA-512 (hex) of its bytes. */
export interface FileEntry {
  mode: FileMode;
  sha512: string;
}

interface RecordFields {
  alg: Algorithm;
  keyId: string;
  context: Context;
  sig: string;
  signedAt: string;
}

/** Version 1: path -> SHA-512 hex. It binds bytes only, so it covers regular, non-executable files (100644) only. */
export interface SignatureRecordV1 extends RecordFields {
  v: 1;
  files: Record<string, string>;
}

/** Version 2, what kmssig writes: path -> its entry type and mode with its SHA-512. */
export interface SignatureRecordV2 extends RecordFields {
  v: 2;
  files: Record<string, FileEntry>;
}

/** One signature over a set of files at one commit for one ref (DESIGN 2.2). */
export type SignatureRecord = SignatureRecordV1 | SignatureRecordV2;

/** The signed part: everything but `sig` and `signedAt`. */
export type UnsignedRecord = Omit<SignatureRecordV1, 'sig' | 'signedAt'> | Omit<SignatureRecordV2, 'sig' | 'signedAt'>;

/** The record version kmssig writes into notes. */
export const RECORD_VERSION = 2 as const;

/**
 * The largest note a reader reads (DESIGN 3.4, rule 8); a larger one is not
 * read, counts as absent and is reported, and kmssig never writes one. A
 * version-2 entry costs 161 bytes besides its path (`"<path>":{"mode":"100644",
 * "sha512":"<128 hex>"},`), so a record of 100,000 files with paths of 100
 * bytes on average is 26.1 MB: 64 MiB holds two of them (a commit signed for
 * a branch and for a tag), or one whose paths average 500 bytes.
 */
export const NOTE_MAX_BYTES = 64 * 1024 * 1024;

export type ParsedRecord = { ok: true; record: SignatureRecord; line: string } | { ok: false; reason: string; line: string };

const RECORD_KEYS = ['alg', 'context', 'files', 'keyId', 'sig', 'signedAt', 'v'];
const ENTRY_KEYS = ['mode', 'sha512'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// A JSON escape such as \ud800 parses to half a character: it has no UTF-8 form, so
// no payload (canonicalize throws on it) and no file name can hold it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What a record says of each path, whatever its version: a version-1 record
 * binds bytes only, and is read as signing regular files (100644), so an
 * executable bit or a symlink never passes against it (DESIGN 3.4, rule 7).
 */
export function signedEntries(record: UnsignedRecord): Record<string, FileEntry> {
  if (record.v === 2) return record.files;
  let entries = v1Entries.get(record.files);
  if (!entries) {
    entries = Object.fromEntries(Object.entries(record.files).map(([path, sha]) => [path, { mode: REGULAR_FILE, sha512: sha }]));
    v1Entries.set(record.files, entries);
  }
  return entries;
}
// A version-1 record's files read as entries, once per record (a check compares them per path).
const v1Entries = new WeakMap<object, Record<string, FileEntry>>();

/** What a record says of one path, or undefined when it does not list it. */
export function signedEntry(record: UnsignedRecord, path: string): FileEntry | undefined {
  const entries = signedEntries(record);
  return Object.hasOwn(entries, path) ? entries[path] : undefined;
}

/** Whether two entries are the same file as a reader gets it: the same type and mode, the same bytes. */
export const sameEntry = (a: FileEntry, b: FileEntry) => a.mode === b.mode && a.sha512 === b.sha512;

/** RFC 8785 canonical JSON of the signed part, as UTF-8 bytes. */
export function payloadOf(record: UnsignedRecord): Buffer {
  const { v, alg, keyId, context, files } = record;
  return Buffer.from(canonicalize({ v, alg, keyId, context, files }) as string, 'utf8');
}

/** P = SHA-512(payload): the 64 bytes that KMS encrypts or signs. */
export function payloadDigest(record: UnsignedRecord): Buffer {
  return sha512(payloadOf(record));
}

/**
 * What a record claims, whatever line it is written on: its signed part and
 * its signature (signedAt, key order and white space aside). Two records with
 * the same claim verify alike, so each claim is verified once (DESIGN 3.4, rule 8).
 */
export function claimOf(record: SignatureRecord): string {
  return `${payloadDigest(record).toString('base64')} ${record.sig}`;
}

/** One JSON line; canonical, so identical records are identical lines. */
export function serializeRecord(record: SignatureRecord): string {
  return canonicalize(record) as string;
}

/** Never throws: anything that is not exactly a version-1 or version-2 record is reported as invalid. */
export function parseRecord(line: string): ParsedRecord {
  const parsed = parseRecordUnless(line, () => undefined);
  return 'refused' in parsed ? { ok: false, reason: parsed.refused, line } : parsed;
}

/** What a record says before its files: enough to tell whether it can count. */
export type RecordHead = Pick<SignatureRecord, 'v' | 'alg' | 'keyId' | 'context'>;

/**
 * parseRecord, asking `refuse` about the head of the record (its version,
 * alg, key and context, once they are valid) before its files are checked:
 * a record refused there is not read further (the paths and digests of a
 * large record cost most of its parse; DESIGN 3.4, rule 8).
 */
export function parseRecordUnless(
  line: string,
  refuse: (head: RecordHead) => string | undefined,
): ParsedRecord | { ok: false; refused: string; line: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON', line };
  }
  const reason = headProblem(value);
  if (reason !== undefined) return { ok: false, reason, line };
  const record = value as SignatureRecord;
  const refused = refuse(record);
  if (refused !== undefined) return { ok: false, refused, line };
  const files = filesProblem(record.files, record.v);
  return files === undefined ? { ok: true, record, line } : { ok: false, reason: files, line };
}

/** Parses a note: one record per line (JSON Lines); blank lines are ignored. */
export function parseNote(text: string): ParsedRecord[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(parseRecord);
}

/** Everything but the files (checked last: they are most of a record). */
function headProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'not a JSON object';
  const keys = Object.keys(value).sort();
  const extra = keys.filter((k) => !RECORD_KEYS.includes(k));
  if (extra.length > 0) return `unknown field ${extra.map((k) => JSON.stringify(k)).join(', ')}`;
  const missing = RECORD_KEYS.filter((k) => !keys.includes(k));
  if (missing.length > 0) return `missing field ${missing.join(', ')}`;
  if (value.v !== 1 && value.v !== 2) return `unsupported version ${JSON.stringify(value.v)}`;
  if (!isAlgorithm(value.alg)) return `unknown alg ${JSON.stringify(value.alg)}`;
  if (typeof value.keyId !== 'string' || value.keyId === '' || LONE_SURROGATE.test(value.keyId)) return 'keyId is not a non-empty string';
  if (typeof value.signedAt !== 'string' || Number.isNaN(Date.parse(value.signedAt)) || LONE_SURROGATE.test(value.signedAt))
    return 'signedAt is not a date';
  if (typeof value.sig !== 'string' || value.sig === '' || !BASE64.test(value.sig)) return 'sig is not base64';
  // One signature, one line: trailing bits that decoding drops would make other lines with the same signature.
  if (Buffer.from(value.sig, 'base64').toString('base64') !== value.sig) return 'sig is not canonical base64';
  return contextProblem(value.context);
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

function filesProblem(files: unknown, v: 1 | 2): string | undefined {
  if (!isPlainObject(files)) return 'files is not an object';
  const paths = Object.keys(files);
  if (paths.length === 0) return 'files is empty';
  for (const path of paths) {
    const problem = LONE_SURROGATE.test(path) ? 'not well-formed Unicode' : pathProblem(path);
    if (problem) return `file ${JSON.stringify(path)}: ${problem}`;
    const bad = v === 1 ? digestProblem(files[path]) : entryProblem(files[path]);
    if (bad) return `file ${JSON.stringify(path)}: ${bad}`;
  }
  return undefined;
}

function digestProblem(digest: unknown): string | undefined {
  return typeof digest === 'string' && SHA512_HEX.test(digest) ? undefined : 'digest is not SHA-512 hex';
}

/** A version-2 entry is exactly {mode, sha512}, with one of the three modes kmssig signs. */
function entryProblem(entry: unknown): string | undefined {
  if (!isPlainObject(entry)) return 'entry is not an object {mode, sha512} (a version-2 record)';
  const keys = Object.keys(entry).sort();
  if (keys.length !== ENTRY_KEYS.length || keys.some((k, i) => k !== ENTRY_KEYS[i]))
    return `entry has fields ${keys.map((k) => JSON.stringify(k)).join(', ') || '(none)'}, not exactly "mode", "sha512"`;
  if (!(FILE_MODES as readonly unknown[]).includes(entry.mode)) return `mode ${JSON.stringify(entry.mode)} is not 100644, 100755 or 120000`;
  return digestProblem(entry.sha512);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

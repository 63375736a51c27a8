import { createHash } from 'node:crypto';
import { after, before } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EncryptCommand } from '@aws-sdk/client-kms';
import canonicalize from 'canonicalize';
import { run, runCli, type CliResult } from './cli.js';
import { commitFiles, git, gitEnv, initRepo, tempDir } from './git.js';
import { adminClient, createKey } from './kms.js';
import { startMoto, type Moto } from './moto.js';
import { useKmsEnv } from './inProcess.js';

/**
 * The world of the release-record tests: one moto_server with the release key
 * (alias/release), temp repositories made with real git, the built CLI.
 */
export interface RecordsWorld {
  moto: Moto;
  keyArn: string;
  /** Environment of every kmssig run: moto, dummy credentials, git identity, no global git config. */
  env: NodeJS.ProcessEnv;
  /** A new temp folder owned by the world (removed by cleanup). */
  dir(): string;
  /** A new repository with a configuration file and files committed on main. Returns its path. */
  repo(options: RepoOptions): string;
  kmssig(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export interface RepoOptions {
  /** The configuration: an object written as JSON, or the file's text as is. */
  config?: object | string;
  /** Where the configuration goes (default .kmssigrc). */
  configFile?: string;
  files: Record<string, string>;
}

/** The configuration most tests use. */
export const CONFIG = { keyId: 'alias/release', files: ['dist/**'], context: { repo: 'acme/app' } };

export const both = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
export const sha512hex = (data: string | Buffer) => createHash('sha512').update(data).digest('hex');
export const short = (oid: string) => oid.slice(0, 12);

export async function startRecordsWorld(): Promise<RecordsWorld> {
  const moto = await startMoto();
  const dirs: { cleanup: () => void }[] = [];
  let keyArn: string;
  try {
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
  } catch (error) {
    await moto.stop();
    throw error;
  }
  const env = { ...gitEnv(), ...moto.env };
  const world: RecordsWorld = {
    moto,
    keyArn,
    env,
    dir() {
      const d = tempDir('kmssig-records-');
      dirs.push(d);
      return d.path;
    },
    repo({ config = CONFIG, configFile = '.kmssigrc', files }) {
      const repo = initRepo(join(world.dir(), 'repo'));
      const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2) + '\n';
      commitFiles(repo, { [configFile]: text, ...files }, 'release');
      return repo;
    },
    kmssig: (cwd, args, extra = {}) => runCli(args, { cwd, env: { ...env, ...extra } }),
    async cleanup() {
      await moto.stop();
      for (const d of dirs) d.cleanup();
    },
  };
  return world;
}

export const head = (repo: string, rev = 'HEAD') => git(repo, ['rev-parse', rev]).trim();

/** The record lines of the note on a commit (refs/notes/kmssig); [] when there is none. */
export function noteLines(repo: string, rev = 'HEAD'): string[] {
  try {
    return git(repo, ['notes', '--ref=kmssig', 'show', rev])
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

export function noteRecords(repo: string, rev = 'HEAD'): Record<string, any>[] {
  return noteLines(repo, rev).map((l) => JSON.parse(l));
}

/** Replaces the note on a commit with these lines, as anyone with push rights to the notes could. */
export function setNote(repo: string, rev: string, lines: string[]): void {
  const file = join(repo, '.git', 'kmssig-test-note');
  writeFileSync(file, lines.join('\n') + '\n');
  git(repo, ['notes', '--ref=kmssig', 'add', '-f', '-F', file, rev]);
}

/** Writes a file (creating folders) without committing it. */
export function writeFile(repo: string, path: string, content: string): void {
  mkdirSync(join(repo, path, '..'), { recursive: true });
  writeFileSync(join(repo, path), content);
}

/**
 * A record with a genuine signature made outside kmssig (the AWS SDK,
 * Encrypt of SHA-512 of the canonical payload under the record's context):
 * what a holder of kms:Encrypt could write. Tests use it to show that a
 * correctly signed record is still refused when the policy says no.
 * `claimKeyId` writes another key into the record than the one that encrypts.
 */
export async function craftRecord(
  endpoint: string,
  keyArn: string,
  fields: {
    context: Record<string, string>;
    files: Record<string, string | { mode: string; sha512: string }>;
    v?: unknown;
    alg?: string;
    claimKeyId?: string;
  },
): Promise<Record<string, unknown>> {
  const keyId = fields.claimKeyId ?? keyArn;
  const unsigned = { v: fields.v ?? 1, alg: fields.alg ?? 'SYMMETRIC_DEFAULT', keyId, context: fields.context, files: fields.files };
  const digest = createHash('sha512')
    .update(canonicalize(unsigned) as string, 'utf8')
    .digest();
  const out = await adminClient(endpoint).send(new EncryptCommand({ KeyId: keyArn, Plaintext: digest, EncryptionContext: fields.context }));
  return { ...unsigned, sig: Buffer.from(out.CiphertextBlob!).toString('base64'), signedAt: '2026-01-02T03:04:05Z' };
}

/** The SHA-512 hex of each path as committed at a revision (what a record's `files` must hold). */
export function committedDigests(repo: string, rev: string, paths: string[]): Record<string, string> {
  return Object.fromEntries(paths.map((p) => [p, sha512hex(Buffer.from(git(repo, ['cat-file', 'blob', `${rev}:${p}`]), 'utf8'))]));
}

/** Runs python3 with an inline script; the script reads `input` on standard input. */
export function python(script: string, input: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return run('python3', ['-c', script], { cwd: process.cwd(), env, input });
}

/**
 * For a describe block: one records world (moto and its key) for all its
 * tests, handed to `set` before they run and cleaned up after; with
 * `inProcess`, also the KMS environment of in-process CLI runs.
 */
export function useRecordsWorld(set: (world: RecordsWorld) => void, { inProcess = false } = {}): void {
  let world: RecordsWorld | undefined;
  before(async () => {
    world = await startRecordsWorld();
    if (inProcess) useKmsEnv(world.moto.env);
    set(world);
  });
  after(async () => {
    await world?.cleanup();
  });
}

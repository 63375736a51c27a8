import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { clone, commitFiles, git, gitEnv, initRepo, tempDir } from './git.js';
import type { Moto } from './moto.js';

/**
 * A CI set-up with real parts: a bare remote, a signer clone that signs with
 * `kmssig sign` and publishes refs/notes/kmssig, and CI-style clones made
 * with `git clone --depth 1 file://<bare>`.
 */
export interface CiWorld {
  root: string;
  bare: string;
  /** file:// URL of the bare remote (--depth needs one). */
  url: string;
  signer: string;
  /** Environment for the CLI: moto as KMS and git without the user's config. */
  env: NodeJS.ProcessEnv;
  /** `kmssig sign` in the signer clone (extra args such as --ref); asserts success. */
  sign(args?: string[]): Promise<void>;
  /** Pushes refs (default: the current branch) and refs/notes/kmssig to the remote. */
  publish(...refs: string[]): void;
  /** A CI clone; default `--depth 1` (so shallow) of the default branch. */
  ciClone(name: string, args?: string[]): string;
  check(cwd: string, args?: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  cleanup(): void;
}

export const RELEASE_FILES = { 'dist/app.tgz': 'binary v1', 'dist/manifest.json': '{"v":1}', 'README.md': 'hello' };

export async function createCiWorld(moto: Moto, keyId: string, options: { config?: Record<string, unknown> } = {}): Promise<CiWorld> {
  const dir = tempDir('kmssig-ci-');
  const root = dir.path;
  const bare = initRepo(join(root, 'remote.git'), { bare: true });
  const url = `file://${bare}`;
  const signer = clone(url, join(root, 'signer'));
  git(signer, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  writeFileSync(join(signer, '.kmssigrc'), JSON.stringify({ keyId, files: ['dist/**'], ...options.config }, null, 2));
  commitFiles(signer, RELEASE_FILES, 'first release');
  const env = { ...moto.env, ...gitEnv() };
  const world: CiWorld = {
    root,
    bare,
    url,
    signer,
    env,
    async sign(args = []) {
      const out = await runCli(['sign', ...args], { cwd: signer, env });
      assert.equal(out.code, 0, `kmssig sign failed: ${out.stdout}${out.stderr}`);
      assert.match(out.stdout, /signed \d+ release files at [0-9a-f]{12}/);
    },
    publish(...refs) {
      const branch = git(signer, ['symbolic-ref', '--short', 'HEAD']).trim();
      git(signer, ['push', '-q', 'origin', ...(refs.length > 0 ? refs : [branch]), 'refs/notes/kmssig']);
    },
    ciClone(name, args = ['--depth', '1']) {
      return clone(url, join(root, name), args);
    },
    check(cwd, args = [], extra = {}) {
      return runCli(['check', ...args], { cwd, env: { ...env, ...extra } });
    },
    cleanup: dir.cleanup,
  };
  return world;
}

/** Appends `count` commits that change only a non-release file, fast (git fast-import). */
export function addUnsignedHistory(repo: string, count: number): void {
  const branch = git(repo, ['symbolic-ref', 'HEAD']).trim();
  const parent = git(repo, ['rev-parse', 'HEAD']).trim();
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = `entry ${i}\n`;
    const message = `log ${i}\n`;
    chunks.push(
      `commit ${branch}\ncommitter Test Author <author@example.com> ${1_700_000_000 + i} +0000\ndata ${message.length}\n${message}`,
      i === 0 ? `from ${parent}\n` : '',
      `M 100644 inline changelog.txt\ndata ${content.length}\n${content}\n`,
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: repo,
    input: chunks.join(''),
    env: { ...process.env, ...gitEnv() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  git(repo, ['reset', '-q', '--hard']);
}

/** Lines of a check's stdout that are GitHub workflow-command errors. */
export const errorAnnotations = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::error'));

/** Parses a check's stdout as one JSON document; fails the test with the output when it is not. */
export function parseJson(out: CliResult): Record<string, any> {
  try {
    return JSON.parse(out.stdout);
  } catch (error) {
    throw new assert.AssertionError({
      message: `--format json did not print one JSON document (${(error as Error).message}):\n${out.stdout}\n${out.stderr}`,
    });
  }
}

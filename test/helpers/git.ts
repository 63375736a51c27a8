import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the built `kmssig` on PATH for hooks (node_modules/.bin-like). */
export const BIN_DIR = fileURLToPath(new URL('./bin/', import.meta.url));

/** A temp folder that a test owns; removed by `cleanup()`. */
export function tempDir(prefix = 'kmssig-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Real git with a pinned identity and no gpg signing, gc or advice. */
export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...gitEnv(), ...env },
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function gitEnv(): NodeJS.ProcessEnv {
  return {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.com',
  };
}

export function initRepo(path: string, options: { bare?: boolean } = {}): string {
  mkdirSync(path, { recursive: true });
  git(path, ['init', '-q', '-b', 'main', ...(options.bare ? ['--bare'] : [])]);
  if (!options.bare) configure(path);
  return path;
}

export function configure(path: string): void {
  for (const [k, v] of [
    ['user.name', 'Test Author'],
    ['user.email', 'author@example.com'],
    ['commit.gpgSign', 'false'],
    ['tag.gpgSign', 'false'],
    ['gc.auto', '0'],
    ['advice.detachedHead', 'false'],
    ['pull.rebase', 'false'],
  ] as const) {
    git(path, ['config', k, v]);
  }
}

export function clone(remote: string, path: string, args: string[] = []): string {
  git(dirname(path), ['clone', '-q', ...args, remote, path]);
  configure(path);
  return path;
}

/** Writes files (path -> content) and commits them. Returns the new commit id. */
export function commitFiles(repo: string, files: Record<string, string | Buffer>, message = 'change'): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', message]);
  return git(repo, ['rev-parse', 'HEAD']).trim();
}

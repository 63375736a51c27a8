import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { run, runCli, type CliResult } from './cli.js';
import { BIN_DIR, gitEnv } from './git.js';
import { createKey } from './kms.js';
import { startMoto, type Moto } from './moto.js';

/**
 * The world of the hook tests: moto as KMS, a bare repository as the remote,
 * clones in one temp folder, the built CLI on PATH for the installed hooks.
 * Every git command runs as a real process with that environment.
 */
export interface HookWorld {
  moto: Moto;
  keyArn: string;
  root: string;
  bare: string;
  /** Environment of every git and kmssig command: identity, moto, PATH with the built CLI. */
  env: NodeJS.ProcessEnv;
  git(cwd: string, args: string[], options?: RunOptions): Promise<CliResult>;
  /** git that must succeed; returns its stdout. */
  gitOk(cwd: string, args: string[], options?: RunOptions): Promise<string>;
  kmssig(cwd: string, args: string[], options?: RunOptions): Promise<CliResult>;
  /** Clones the bare remote into root/<name>; with hooks (default), runs `kmssig install` there. */
  clone(name: string, options?: { hooks?: boolean }): Promise<string>;
  /** Writes files and commits them (no hooks run on commit). Returns the commit id. */
  commit(repo: string, files: Record<string, string>, message?: string): Promise<string>;
  /** The record lines the remote holds on a commit (refs/notes/kmssig of the bare repository). */
  remoteRecords(commit: string): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
}

export const CONFIG = { keyId: 'alias/release', files: ['dist/**'], context: { repo: 'acme/app' } };

export const both = (r: CliResult) => r.stdout + r.stderr;

/** moto with the release key (alias/release), shared by the worlds of one test file. */
export interface Kms {
  moto: Moto;
  keyArn: string;
}

export async function startKms(): Promise<Kms> {
  const moto = await startMoto();
  try {
    return { moto, keyArn: await createKey(moto.endpoint, { alias: 'alias/release' }) };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

/** A new remote and clones; with seed (default), clone `a` has pushed a signed first release. */
export async function createWorld(kms: Kms, options: { seed?: boolean } = {}): Promise<HookWorld> {
  const { moto, keyArn } = kms;
  const root = mkdtempSync(join(tmpdir(), 'kmssig-hooks-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...gitEnv(),
      ...moto.env,
      PATH: `${BIN_DIR}:${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      TMPDIR: join(root, 'tmp'),
      HOME: join(root, 'home'),
    };
    mkdirSync(join(root, 'tmp'));
    mkdirSync(join(root, 'home'));
    const git = (cwd: string, args: string[], o: RunOptions = {}) => run('git', args, { cwd, env: { ...env, ...o.env }, input: o.input });
    const gitOk = async (cwd: string, args: string[], o: RunOptions = {}) => {
      const r = await git(cwd, args, o);
      assert.equal(r.code, 0, `git ${args.join(' ')} failed in ${cwd}:\n${both(r)}`);
      return r.stdout;
    };
    const kmssig = (cwd: string, args: string[], o: RunOptions = {}) => runCli(args, { cwd, env: { ...env, ...o.env }, input: o.input });
    const bare = join(root, 'remote.git');
    await gitOk(root, ['init', '-q', '--bare', '-b', 'main', bare]);

    const world: HookWorld = {
      moto,
      keyArn,
      root,
      bare,
      env,
      git,
      gitOk,
      kmssig,
      async clone(name, { hooks = true } = {}) {
        const path = join(root, name);
        await gitOk(root, ['clone', '-q', bare, path]);
        for (const [k, v] of Object.entries({
          'commit.gpgSign': 'false',
          'tag.gpgSign': 'false',
          'gc.auto': '0',
          'advice.detachedHead': 'false',
          'pull.rebase': 'false',
        })) {
          await gitOk(path, ['config', k, v]);
        }
        if (hooks) {
          const r = await kmssig(path, ['install']);
          assert.equal(r.code, 0, both(r));
        }
        return path;
      },
      async commit(repo, files, message = 'change') {
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(dirname(join(repo, path)), { recursive: true });
          writeFileSync(join(repo, path), content);
        }
        await gitOk(repo, ['add', '-A']);
        await gitOk(repo, ['commit', '-q', '--no-verify', '-m', message]);
        return (await gitOk(repo, ['rev-parse', 'HEAD'])).trim();
      },
      async remoteRecords(commit) {
        const r = await git(bare, ['notes', '--ref=kmssig', 'show', commit]);
        if (r.code !== 0) return [];
        return r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      },
      async cleanup() {
        rmSync(root, { recursive: true, force: true });
      },
    };
    if (options.seed !== false) {
      // A: the first release, signed on push by A's hooks.
      const a = await world.clone('a');
      await world.commit(a, { '.kmssigrc': JSON.stringify(CONFIG), 'dist/app.txt': 'app v1\n', 'README.md': 'readme\n' }, 'release v1');
      await gitOk(a, ['push', '-q', '-u', 'origin', 'main']);
    }
    return world;
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** The context of each record: what a test asserts about who signed what for which ref. */
export const contexts = (records: Record<string, unknown>[]) => records.map((r) => r.context as Record<string, string>);

/**
 * For a describe block: one moto per file (started before its tests), a
 * fresh world per call of `world()`, every world cleaned up after its test.
 */
export function useHookWorlds(): { world: (options?: { seed?: boolean }) => Promise<HookWorld>; kms: () => Kms } {
  let kms: Kms | undefined;
  const worlds: HookWorld[] = [];
  before(async () => {
    kms = await startKms();
  });
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.cleanup();
  });
  after(async () => {
    await kms?.moto.stop();
  });
  return {
    kms: () => kms!,
    world: async (options) => {
      const w = await createWorld(kms!, options);
      worlds.push(w);
      return w;
    },
  };
}

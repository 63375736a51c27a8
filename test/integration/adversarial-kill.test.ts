import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { parseNote } from '../../src/core/record.js';
import { KmssigError } from '../../src/errors.js';
import { createAwsKms } from '../../src/kms/awsKms.js';
import { verifyDigest } from '../../src/usecases/verifyFile.js';
import { BIN } from '../helpers/cli.js';
import { commitFiles, git, gitEnv } from '../helpers/git.js';
import { both, useRecordsWorld, type RecordsWorld } from '../helpers/records.js';

/**
 * Issue 8, a signing process killed with SIGKILL: at random moments of
 * `kmssig sign` (release records into notes, and seed signatures of a big
 * file), and at the worst moment for the notes, while git is writing them.
 * Afterwards every note line parses, a signature file is absent, the old
 * bytes or complete and valid, and the next run succeeds.
 */
const ROUNDS = 5;
/** git with room for notes of several MB (the helper's default buffer is 1 MB). */
const gitBig = (cwd: string, args: string[]) =>
  execFileSync('git', args, { cwd, env: { ...process.env, ...gitEnv() }, encoding: 'utf8', maxBuffer: 64 << 20 });

describe('adversarial: signing processes killed with SIGKILL', () => {
  let world!: RecordsWorld;
  useRecordsWorld((w) => (world = w), { inProcess: true });

  /**
   * Starts the built CLI in its own process group and SIGKILLs it (the node
   * process only, as a killed signer) after `delayMs` or as soon as
   * `killWhen()` holds; resolves once every process of the group, git
   * children included, has exited. Returns the exit code, or null when killed.
   */
  async function killed(args: string[], cwd: string, options: { delayMs?: number; killWhen?: () => boolean; env?: NodeJS.ProcessEnv }) {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, ...world.env, NO_COLOR: '1', ...options.env },
      detached: true,
      stdio: 'ignore',
    });
    let running = true;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))).finally(() => (running = false));
    const deadline = Date.now() + (options.delayMs ?? 60_000);
    while (running && Date.now() < deadline && !options.killWhen?.()) await sleep(10);
    const outcome = running ? undefined : { code: await exited };
    if (!outcome) child.kill('SIGKILL');
    const code = await exited;
    for (let i = 0; i < 600; i++) {
      try {
        process.kill(-child.pid!, 0);
      } catch {
        return outcome ? code : null;
      }
      await sleep(50);
    }
    assert.fail('the killed process group did not finish');
  }

  /** How long a run takes here (only to spread kill points over it; nothing is asserted about it). */
  async function duration(run: () => Promise<{ code: number }>): Promise<number> {
    const start = Date.now();
    assert.equal((await run()).code, 0);
    return Date.now() - start;
  }

  /** Every note line on every commit parses as a record, and refs/notes/kmssig is not locked. */
  function assertNotesWhole(repo: string) {
    assert.equal(existsSync(join(repo, '.git', 'refs', 'notes', 'kmssig.lock')), false, 'a stale notes lock');
    const listed = git(repo, ['notes', '--ref=kmssig', 'list']).split('\n').filter(Boolean);
    for (const entry of listed) {
      const commit = entry.split(' ')[1]!;
      const text = gitBig(repo, ['notes', '--ref=kmssig', 'show', commit]);
      assert.ok(text.endsWith('\n'), `the note on ${commit} ends mid-line`);
      for (const parsed of parseNote(text))
        assert.ok(parsed.ok, `a half-written note line on ${commit}: ${parsed.ok ? '' : parsed.reason} (${parsed.line.length} chars)`);
    }
    return listed.length;
  }

  it(`release signing killed at random moments (${ROUNDS} rounds): notes stay whole and the next run succeeds`, async () => {
    const big = Buffer.alloc(24 * 1024 * 1024, 'release bytes ');
    const repo = world.repo({ files: { 'dist/small.bin': 'small' } });
    writeFileSync(join(repo, 'dist', 'big.bin'), big);
    commitFiles(repo, {}, 'a big release file');
    // Kill points spread over the length of an undisturbed run (start, hashing, KMS, notes).
    const span = await duration(() => world.kmssig(repo, ['sign', '--ref', 'calibrate']));
    for (let round = 0; round < ROUNDS; round++) {
      const delayMs = Math.floor(Math.random() * span);
      await killed(['sign', '--ref', `round-${round}`], repo, { delayMs });
      assertNotesWhole(repo);
    }
    const sign = await world.kmssig(repo, ['sign', '--ref', 'main']);
    assert.equal(sign.code, 0, both(sign));
    assertNotesWhole(repo);
    const check = await world.kmssig(repo, ['check', '--no-cache', '--no-fetch']);
    assert.equal(check.code, 0, both(check));
  });

  it('killed while git writes the note: the note is absent, the old one, or the whole new one, never a part', async () => {
    // A record of 3000 files (over 500 KB) is larger than what the socket between node and git buffers
    // (~200 KB): a writer killed half-way leaves git a part of the text, which it would store.
    const files = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`dist/components/module-${String(i).padStart(4, '0')}-with-a-long-name.bin`, `m${i}`]),
    );
    const repo = world.repo({ files });

    // A git on PATH that announces `notes ... add` and waits before running it.
    const shim = join(world.dir(), 'bin');
    mkdirSync(shim);
    const mark = join(shim, 'notes-add');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(shim, 'git'),
      `#!/bin/sh\ncase " $* " in *" notes "*" add "*) touch "${mark}"; sleep 2; "${realGit}" "$@"; rc=$?; touch "${mark}.done"; exit $rc;; esac\nexec "${realGit}" "$@"\n`,
    );
    chmodSync(join(shim, 'git'), 0o755);
    const signKilled = async (ref: string) => {
      rmSync(mark, { force: true });
      rmSync(`${mark}.done`, { force: true });
      const code = await killed(['sign', '--ref', ref], repo, {
        env: { PATH: `${shim}:${process.env.PATH}` },
        killWhen: () => existsSync(mark),
      });
      assert.equal(code, null, 'the signer was killed while git wrote the note');
      while (!existsSync(`${mark}.done`)) await sleep(20);
      assertNotesWhole(repo);
      return gitBig(repo, ['notes', '--ref=kmssig', 'list', 'HEAD']) === ''
        ? []
        : gitBig(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']).split('\n').filter(Boolean);
    };

    // The first record of a commit (no note yet), then a second one beside it.
    const first = await signKilled('main');
    assert.ok(first.length <= 1, `${first.length} lines`);
    const main = await world.kmssig(repo, ['sign', '--ref', 'main']);
    assert.equal(main.code, 0, both(main));
    const before = gitBig(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']);
    assert.ok(before.length > 500_000, `the note is ${before.length} bytes`);
    const second = await signKilled('other');
    assert.ok(second.length === 1 || second.length === 2, `${second.length} lines`);
    assert.ok(second.includes(before.trim()), 'the earlier record is still there');

    const again = await world.kmssig(repo, ['sign', '--ref', 'other']);
    assert.equal(again.code, 0, both(again));
    assert.equal(gitBig(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']).split('\n').filter(Boolean).length, 2);
    assert.equal((await world.kmssig(repo, ['check', '--no-cache', '--no-fetch'])).code, 0);
  });

  it(`seed signing of a big file killed at random moments (${ROUNDS} rounds): the signature is absent, old, or whole and valid`, async () => {
    const dir = world.dir();
    const file = join(dir, 'release.tgz');
    const sig = join(dir, 'release.tgz.sig');
    const kms = createAwsKms({});
    const context = { env: 'prod' };
    let content = Buffer.alloc(48 * 1024 * 1024, 'tarball ');
    let previous: Buffer | undefined;
    const verdict = async (digest: Buffer, signature: Buffer) =>
      verifyDigest({ kms, digest, signature, context, keys: [world.keyArn] }).then(
        () => 'valid',
        (error: unknown) => (error instanceof KmssigError ? error.code : 'crash'),
      );
    writeFileSync(file, content);
    const span = await duration(() =>
      world.kmssig(dir, ['sign', 'alias/release', 'release.tgz', 'calibrate.sig', '--context', 'env=prod']),
    );
    for (let round = 0; round < ROUNDS; round++) {
      content = Buffer.concat([content, Buffer.from(`round ${round}\n`)]);
      writeFileSync(file, content);
      const digest = createHash('sha512').update(content).digest();
      const code = await killed(['sign', 'alias/release', 'release.tgz', 'release.tgz.sig', '--context', 'env=prod'], dir, {
        delayMs: Math.floor(Math.random() * span),
      });
      if (!existsSync(sig)) {
        assert.equal(previous, undefined, `round ${round}: the old signature disappeared`);
        assert.notEqual(code, 0);
        continue;
      }
      const now = readFileSync(sig);
      if (previous && now.equals(previous)) {
        assert.notEqual(code, 0, `round ${round}: exit 0 but the old signature is still there`);
      } else {
        assert.equal(
          await verdict(digest, now),
          'valid',
          `round ${round}: a new signature file that does not verify (${now.length} bytes, exit ${code})`,
        );
      }
      previous = now;
    }
    const res = await world.kmssig(dir, ['sign', 'alias/release', 'release.tgz', 'release.tgz.sig', '--context', 'env=prod']);
    assert.equal(res.code, 0, both(res));
    assert.equal(await verdict(createHash('sha512').update(content).digest(), readFileSync(sig)), 'valid');
  });
});

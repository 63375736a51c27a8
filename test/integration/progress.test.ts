import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, run, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/git.js';

const ERASE = '\r\x1b[K';
// A pseudo-terminal for the CLI's standard output and error (python's pty, which moto already needs python for).
const onTty = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  run('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, BIN, ...args], {
    cwd,
    env: { CI: undefined, NO_COLOR: undefined, GITHUB_ACTIONS: undefined, ...env },
  });

describe('progress on a terminal while files are hashed', () => {
  const dir = tempDir('kmssig-progress-');
  const key = `local:${join(dir.path, 'dev.key')}`;
  before(async () => {
    assert.equal((await runCli(['keygen', key], { cwd: dir.path })).code, 0);
    // 320 MiB: past the 256 MiB after which the line shows, however fast this machine hashes.
    const fd = openSync(join(dir.path, 'big.bin'), 'w');
    const chunk = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 320; i++) writeSync(fd, chunk);
    closeSync(fd);
  });
  after(() => dir.cleanup());

  it('one updating line with bytes, files and rate, erased before the result is printed', async () => {
    const out = await onTty(dir.path, ['sign', key, 'big.bin', 'big.sig']);
    assert.equal(out.code, 0, out.stdout);
    assert.match(out.stdout, /\r\x1b\[Khashing [\d.]+ MiB of 320\.0 MiB, [01] of 1 files, [\d.]+ (MiB|GiB)\/s/);
    const result = out.stdout.indexOf('signed with');
    assert.ok(result > 0, out.stdout);
    assert.equal(out.stdout.slice(result - ERASE.length, result), ERASE, 'the line is erased before the result, never glued to it');
    assert.doesNotMatch(out.stdout.slice(result), /hashing/, 'nothing of it after the result');
  });

  for (const [name, args, env] of [
    ['through a pipe', [], undefined],
    ['with --quiet', ['--quiet'], {}],
    ['with CI set', [], { CI: 'true' }],
    ['with NO_COLOR set', [], { NO_COLOR: '1' }],
  ] as const) {
    it(`nothing of it ${name}`, async () => {
      const argv = ['sign', key, 'big.bin', 'quiet.sig', ...args];
      const out = env === undefined ? await runCli(argv, { cwd: dir.path, env: { CI: undefined } }) : await onTty(dir.path, argv, env);
      assert.equal(out.code, 0, out.stdout + out.stderr);
      assert.match(out.stdout + out.stderr, /signed with/);
      assert.doesNotMatch(out.stdout + out.stderr, /hashing|\x1b\[K/);
    });
  }

  it('nothing of it for quick work on a terminal', async () => {
    const out = await onTty(dir.path, ['sign', key, 'dev.key', 'small.sig']);
    assert.equal(out.code, 0, out.stdout);
    assert.doesNotMatch(out.stdout, /hashing|\x1b\[K/);
  });

  it('check, sign-file and verify-file take --quiet too', async () => {
    for (const command of ['check', 'sign-file', 'verify-file', 'sign']) {
      const help = await runCli([command, '--help'], { cwd: dir.path });
      assert.match(help.stdout, /-q, --quiet\s+no progress line on the terminal/, command);
    }
  });
});

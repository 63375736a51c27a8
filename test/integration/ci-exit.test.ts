import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, run, runCli } from '../helpers/cli.js';
import { createCiWorld, errorAnnotations, parseJson, type CiWorld } from '../helpers/ciWorld.js';
import { clone, commitFiles, git, gitEnv, initRepo, tempDir } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import { freePort, startMoto, type Moto } from '../helpers/moto.js';

const ANSI = /\x1b\[/;
const head = (repo: string) => git(repo, ['rev-parse', 'HEAD']).trim();

/** Runs the CLI with its stdout on a pseudo-terminal (stderr discarded), so color decisions are real. */
function runOnTty(cwd: string, args: string[], env: NodeJS.ProcessEnv) {
  const spawnOnPty = 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';
  return run('python3', ['-c', spawnOnPty, 'sh', '-c', 'exec "$0" "$@" 2>/dev/null', process.execPath, BIN, ...args], { cwd, env });
}

describe('kmssig check in CI: exit codes and the JSON document', () => {
  let moto: Moto;
  let keyArn: string;
  const worlds: CiWorld[] = [];
  const dirs: { cleanup: () => void }[] = [];
  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
  });
  after(async () => {
    await moto.stop();
    for (const w of worlds) w.cleanup();
    for (const d of dirs) d.cleanup();
  });

  async function signedWorld(config: Record<string, unknown> = {}): Promise<CiWorld> {
    const world = await createCiWorld(moto, 'alias/release', { config });
    worlds.push(world);
    await world.sign();
    world.publish();
    return world;
  }

  it('KMS unreachable exits 3 in every format, never 0', async () => {
    const world = await signedWorld();
    const ci = world.ciClone('ci');
    const closed = { AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${await freePort()}` };

    const human = await world.check(ci, [], closed);
    assert.equal(human.code, 3, human.stdout + human.stderr);
    assert.match(human.stderr, /KMS Decrypt failed .*AWS_ENDPOINT_URL_KMS/);
    assert.doesNotMatch(human.stdout, /verified/);

    const json = await world.check(ci, ['--format', 'json'], closed);
    assert.equal(json.code, 3);
    const doc = parseJson(json);
    assert.equal(doc.result, 'error');
    assert.equal(doc.exitCode, 3);
    assert.match(doc.problem, /KMS Decrypt failed/);

    const github = await world.check(ci, ['--format', 'github'], closed);
    assert.equal(github.code, 3);
    assert.deepEqual(errorAnnotations(github.stdout).length, 1);
    assert.match(github.stdout, /^::error title=kmssig::KMS Decrypt failed/m);
    assert.doesNotMatch(github.stdout, /::notice/);

    // A workspace where a check passed before: --no-cache asks KMS again, and fails closed.
    assert.equal((await world.check(ci)).code, 0);
    const again = await world.check(ci, ['--no-cache'], closed);
    assert.equal(again.code, 3, again.stdout + again.stderr);
  });

  it('no AWS credentials exits 3 with what to configure', async () => {
    const world = await signedWorld();
    const ci = world.ciClone('ci');
    const nowhere = join(world.root, 'no-aws');
    const out = await world.check(ci, [], {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(nowhere, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(nowhere, 'credentials'),
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    assert.equal(out.code, 3, out.stdout + out.stderr);
    assert.match(out.stderr, /credentials/i);
    assert.doesNotMatch(out.stdout, /verified/);
  });

  it('no configuration exits 2', async () => {
    const dir = tempDir('kmssig-ci-');
    dirs.push(dir);
    const bare = initRepo(join(dir.path, 'remote.git'), { bare: true });
    const dev = clone(`file://${bare}`, join(dir.path, 'dev'));
    git(dev, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
    commitFiles(dev, { 'dist/app.tgz': 'binary' }, 'no kmssig here');
    git(dev, ['push', '-q', 'origin', 'main']);
    const ci = clone(`file://${bare}`, join(dir.path, 'ci'), ['--depth', '1']);
    const env = { ...moto.env, ...gitEnv() };

    const out = await runCli(['check'], { cwd: ci, env });
    assert.equal(out.code, 2, out.stdout + out.stderr);
    assert.match(out.stderr, /no kmssig configuration in .*: create \.kmssigrc/);
    const json = await runCli(['check', '--format', 'json'], { cwd: ci, env });
    assert.equal(json.code, 2);
    assert.deepEqual({ result: parseJson(json).result, exitCode: parseJson(json).exitCode }, { result: 'error', exitCode: 2 });
  });

  it('a configuration removed by an unsigned change does not pass', async () => {
    const world = await signedWorld();
    git(world.signer, ['rm', '-q', '.kmssigrc']);
    git(world.signer, ['commit', '-q', '-m', 'drop kmssig']);
    git(world.signer, ['push', '-q', 'origin', 'main']);
    const out = await world.check(world.ciClone('ci'));
    assert.equal(out.code, 2, out.stdout + out.stderr);
    assert.doesNotMatch(out.stdout, /verified/);
  });

  it('outside a git repository exits 2', async () => {
    const dir = tempDir('kmssig-ci-');
    dirs.push(dir);
    const env = { ...moto.env, ...gitEnv(), GIT_CEILING_DIRECTORIES: dirname(dir.path) };
    const out = await runCli(['check'], { cwd: dir.path, env });
    assert.equal(out.code, 2, out.stdout + out.stderr);
    assert.match(out.stderr, /is not inside a git repository/);
    const github = await runCli(['check', '--format', 'github'], { cwd: dir.path, env });
    assert.equal(github.code, 2);
    assert.match(github.stdout, /^::error title=kmssig::.* is not inside a git repository/m);
  });

  it('--format json is one document: the result, every file with its state, the record used, the policy applied', async () => {
    const world = await signedWorld({ context: { repo: 'acme/app' }, verify: { requireContext: ['author'] } });
    const signed = head(world.signer);
    const ci = world.ciClone('ci');

    const pass = await world.check(ci, ['--format', 'json', '--key', keyArn, '--ref', 'main']);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    const doc = parseJson(pass);
    assert.equal(doc.result, 'pass');
    assert.equal(doc.rev, 'HEAD');
    assert.equal(doc.commit, signed);
    assert.deepEqual(doc.files, [
      { path: '.kmssigrc', state: 'ok', description: 'ok', signedCommit: signed },
      { path: 'dist/app.tgz', state: 'ok', description: 'ok', signedCommit: signed },
      { path: 'dist/manifest.json', state: 'ok', description: 'ok', signedCommit: signed },
    ]);
    assert.equal(doc.signed.commit, signed);
    assert.equal(doc.signed.keyId, keyArn);
    assert.equal(doc.signed.alg, 'SYMMETRIC_DEFAULT');
    assert.deepEqual(doc.signed.context, { commit: signed, branch: 'main', author: 'Test Author <author@example.com>', repo: 'acme/app' });
    assert.match(doc.signed.signedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(doc.policy, { keys: [keyArn], refs: ['main'], context: { repo: 'acme/app' }, requireContext: ['author'] });
    assert.equal(doc.problem, null);

    rmSync(join(world.signer, 'dist/manifest.json'));
    commitFiles(world.signer, { 'dist/app.tgz': 'tampered', 'dist/extra.bin': 'new' }, 'unsigned');
    git(world.signer, ['push', '-q', 'origin', 'main']);
    const next = world.ciClone('ci-next');
    const fail = await world.check(next, ['--format', 'json']);
    assert.equal(fail.code, 1, fail.stdout + fail.stderr);
    const failed = parseJson(fail);
    assert.equal(failed.result, 'fail');
    assert.equal(failed.commit, head(next));
    assert.equal(failed.signed.commit, signed);
    assert.deepEqual(Object.fromEntries(failed.files.map((f: { path: string; state: string }) => [f.path, f.state])), {
      '.kmssigrc': 'ok',
      'dist/app.tgz': 'modified',
      'dist/extra.bin': 'unsigned',
      'dist/manifest.json': 'missing',
    });
    assert.deepEqual(failed.policy.keys, [], 'no pin given and none configured');
  });

  it('colors only on a terminal, never in JSON, even with FORCE_COLOR', async () => {
    const world = await signedWorld();
    const ci = world.ciClone('ci');
    const colorful = { ...world.env, FORCE_COLOR: '1', NO_COLOR: undefined, TERM: 'xterm-256color' };

    const piped = await runCli(['check', '--format', 'json'], { cwd: ci, env: colorful });
    assert.equal(piped.code, 0, piped.stdout + piped.stderr);
    assert.doesNotMatch(piped.stdout, ANSI);
    assert.equal(parseJson(piped).result, 'pass');
    assert.doesNotMatch((await runCli(['check'], { cwd: ci, env: colorful })).stdout, ANSI, 'no colors into a pipe');

    const tty = await runOnTty(ci, ['check', '--format', 'json'], colorful);
    assert.equal(tty.code, 0, tty.stdout);
    assert.doesNotMatch(tty.stdout, ANSI);
    assert.equal(JSON.parse(tty.stdout.replace(/\r\n/g, '\n')).result, 'pass');
    // The same terminal does get colors in the human format: the JSON check above is not vacuous.
    const human = await runOnTty(ci, ['check'], colorful);
    assert.equal(human.code, 0, human.stdout);
    assert.match(human.stdout, ANSI);
  });
});

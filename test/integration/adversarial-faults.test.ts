import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { git } from '../helpers/git.js';
import { startKmsProxy, type Fault, type KmsProxy } from '../helpers/proxy.js';
import { both, head, noteLines, startRecordsWorld, type RecordsWorld } from '../helpers/records.js';

/**
 * Issue 8, a flaky network: the fault proxy in front of moto throttles,
 * answers 500, delays past the timeout (KMSSIG_KMS_TIMEOUT=1) or resets the
 * connection. Signing gets through throttling on every other request (the
 * SDK retries); under a fault on every request, verification exits 3 (never
 * 0) and signing exits 3 leaving no note and no signature file behind.
 */
const FAULTS: [string, Fault][] = [
  ['throttling on every request', { kind: 'throttle' }],
  ['500 on every request', { kind: 'error500' }],
  ['a delay past the timeout', { kind: 'delay', ms: 4000 }],
  ['a connection reset', { kind: 'reset' }],
];

describe('adversarial: KMS faults (proxy in front of moto)', () => {
  let world: RecordsWorld;
  let proxy: KmsProxy;
  let repo: string;
  let signed: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    world = await startRecordsWorld();
    proxy = await startKmsProxy(world.moto.endpoint);
    env = { ...world.env, AWS_ENDPOINT_URL_KMS: proxy.endpoint, KMSSIG_KMS_TIMEOUT: '1' };
    repo = world.repo({ files: { 'dist/app.bin': 'app v1' } });
    signed = head(repo);
    writeFileSync(join(repo, 'release.txt'), 'release 1.0.0\n');
  });
  after(async () => {
    await proxy?.close();
    await world?.cleanup();
  });

  const kmssig = (args: string[]) => runCli(args, { cwd: repo, env });
  const seedArgs = (sig: string) => ['sign', 'alias/release', 'release.txt', sig, '--context', 'env=prod'];
  /** Runs with a fault on the requests `decide` picks; the proxy is healthy again afterwards. */
  async function under(decide: (operation: string, n: number) => Fault | undefined, run: () => Promise<CliResult>) {
    proxy.setFault(decide);
    try {
      return await run();
    } finally {
      proxy.setFault(undefined);
    }
  }

  it('signing gets through throttling on every other request (retries), and the result verifies', async () => {
    proxy.reset();
    const sign = await under(
      (_op, n) => (n % 2 === 1 ? { kind: 'throttle' } : undefined),
      () => kmssig(['sign']),
    );
    assert.equal(sign.code, 0, both(sign));
    assert.ok((proxy.calls.get('Encrypt') ?? 0) >= 2, `Encrypt was retried: ${JSON.stringify([...proxy.calls])}`);
    assert.equal(noteLines(repo, signed).length, 1);
    const seed = await under(
      (_op, n) => (n % 2 === 1 ? { kind: 'throttle' } : undefined),
      () => kmssig(seedArgs('release.txt.sig')),
    );
    assert.equal(seed.code, 0, both(seed));
    const check = await kmssig(['check', '--no-cache', '--no-fetch']);
    assert.equal(check.code, 0, both(check));
    const verify = await kmssig(['verify', 'release.txt', 'release.txt.sig', '--context', 'env=prod']);
    assert.equal(verify.code, 0, both(verify));
  });

  for (const [name, fault] of FAULTS) {
    it(`verification under ${name} exits 3, never 0`, async () => {
      const check = await under(
        () => fault,
        () => kmssig(['check', '--no-cache', '--no-fetch', '--format', 'json']),
      );
      assert.equal(check.code, 3, both(check));
      assert.equal(JSON.parse(check.stdout).result, 'error');
      assert.match(check.stderr, /KMS Decrypt failed/);
      // Seed verify goes through the same KMS client and retries: run under the fast faults only, to keep the suite short.
      if (fault.kind === 'throttle' || fault.kind === 'delay') return;
      const verify = await under(
        () => fault,
        () => kmssig(['verify', 'release.txt', 'release.txt.sig', '--context', 'env=prod']),
      );
      assert.equal(verify.code, 3, both(verify));
      assert.match(verify.stderr, /could not verify release\.txt/);
      assert.doesNotMatch(verify.stdout, /valid signature/);
    });

    it(`signing under ${name} exits 3 and leaves no note and no signature file`, async () => {
      // A new commit to sign; DescribeKey goes through, the fault hits Encrypt.
      git(repo, ['commit', '-q', '--allow-empty', '-m', `sign under ${name}`]);
      const commit = head(repo);
      const notesBefore = git(repo, ['notes', '--ref=kmssig', 'list']);
      const sign = await under(
        (op) => (op === 'Encrypt' ? fault : undefined),
        () => kmssig(['sign']),
      );
      assert.equal(sign.code, 3, both(sign));
      assert.match(sign.stderr, /KMS Encrypt failed/);
      assert.deepEqual(noteLines(repo, commit), []);
      assert.equal(git(repo, ['notes', '--ref=kmssig', 'list']), notesBefore, 'refs/notes/kmssig is untouched');

      if (fault.kind === 'error500' || fault.kind === 'reset') {
        const fresh = `fresh-${fault.kind}.sig`;
        const seed = await under(
          (op) => (op === 'Encrypt' ? fault : undefined),
          () => kmssig(seedArgs(fresh)),
        );
        assert.equal(seed.code, 3, both(seed));
        assert.equal(existsSync(join(repo, fresh)), false, 'no signature file');
      }
      const old = readFileSync(join(repo, 'release.txt.sig'));
      const over = await under(
        (op) => (op === 'Encrypt' ? fault : undefined),
        () => kmssig(seedArgs('release.txt.sig')),
      );
      assert.equal(over.code, 3, both(over));
      assert.deepEqual(readFileSync(join(repo, 'release.txt.sig')), old, 'the old signature is untouched');
      assert.deepEqual(
        git(repo, ['status', '--porcelain', '--ignored'])
          .split('\n')
          .filter((l) => /\.tmp$/.test(l)),
        [],
        'no temp file left behind',
      );
      // Once KMS answers again, the same commands succeed.
      const again = await kmssig(['sign']);
      assert.equal(again.code, 0, both(again));
    });
  }
});

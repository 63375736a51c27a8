// The single-file seed format (issue 2, DESIGN 2.1 and 3.3) through real
// processes of the built CLI against a real KMS API server (moto_server).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DecryptCommand } from '@aws-sdk/client-kms';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/git.js';
import { adminClient, createKey } from '../helpers/kms.js';
import { freePort, startMoto, type Moto } from '../helpers/moto.js';
import { startKmsProxy, type KmsProxy } from '../helpers/proxy.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** A line of a JavaScript stack trace ("    at fn (file:1:2)"). */
const STACK_LINE = /^\s+at\s.*:\d+:\d+\)?$/m;

describe('kmssig sign / verify (seed format) against moto_server', () => {
  let moto: Moto;
  let proxy: KmsProxy;
  let keyArn: string;
  let keyId: string;
  let otherArn: string;
  const alias = 'alias/seed-release';
  const dir = tempDir('kmssig-seed-');
  let n = 0;

  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias });
    keyId = keyArn.split('/').pop()!;
    otherArn = await createKey(moto.endpoint);
    proxy = await startKmsProxy(moto.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await moto?.stop();
    dir.cleanup();
  });

  /** A fresh folder of its own for each test, holding release.txt. */
  function workspace(content: string | Buffer = 'release 1.0.0\n'): string {
    const path = join(dir.path, `w${++n}`);
    mkdirSync(path);
    writeFileSync(join(path, 'release.txt'), content);
    return path;
  }

  /**
   * Runs the built CLI against moto and checks what must hold for every run:
   * the SDK's Node.js support notice never reaches stderr (the variable that
   * the test runner sets to hide it is removed here), and no stack trace
   * appears unless --debug was given.
   */
  async function kmssig(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string | Buffer }): Promise<CliResult> {
    const result = await runCli(args, {
      cwd: options.cwd,
      input: options.input,
      env: { ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, KMSSIG_DEBUG: undefined, ...options.env },
    });
    const all = result.stdout + result.stderr;
    assert.doesNotMatch(all, /NodeVersionSupportWarning|AWS SDK for JavaScript \(v3\)/, `SDK notice leaked:\n${all}`);
    if (!args.includes('--debug')) assert.doesNotMatch(all, STACK_LINE, `stack trace without --debug:\n${all}`);
    return result;
  }

  async function signed(cwd: string, key: string, extra: string[] = []): Promise<Buffer> {
    const r = await kmssig(['sign', key, 'release.txt', 'release.txt.sig', ...extra], { cwd });
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(join(cwd, 'release.txt.sig'));
  }

  const expectExit = (r: CliResult, code: number) =>
    assert.equal(r.code, code, `expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);

  describe('exit 0: a valid signature', () => {
    it('signs with a key ARN and verifies with --key pinned to it, printing the ARN KMS returned', async () => {
      const cwd = workspace();
      const sign = await kmssig(['sign', keyArn, 'release.txt', 'release.txt.sig'], { cwd });
      expectExit(sign, 0);
      assert.match(sign.stderr, new RegExp(`signed with ${keyArn}`));
      const sig = readFileSync(join(cwd, 'release.txt.sig'));
      assert.ok(sig.length > 64, 'the signature is the raw CiphertextBlob of a 64-byte digest');
      const verify = await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd });
      expectExit(verify, 0);
      assert.equal(verify.stdout, `valid signature from ${keyArn}\n`);
      assert.doesNotMatch(verify.stderr, /not pinned/);
    });

    it('signs with a bare key ID and verifies with --key <key ID>', async () => {
      const cwd = workspace();
      await signed(cwd, keyId);
      const verify = await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyId], { cwd });
      expectExit(verify, 0);
      assert.equal(verify.stdout, `valid signature from ${keyArn}\n`);
    });

    it('signs with an alias and verifies with --key <alias> and with --key <ARN>', async () => {
      const cwd = workspace();
      await signed(cwd, alias);
      for (const key of [alias, keyArn]) {
        const verify = await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', key], { cwd });
        expectExit(verify, 0);
        assert.equal(verify.stdout, `valid signature from ${keyArn}\n`);
      }
    });

    it('without --key names the signing key and says in one line that the key was not pinned', async () => {
      const cwd = workspace();
      await signed(cwd, otherArn);
      const verify = await kmssig(['verify', 'release.txt', 'release.txt.sig'], { cwd });
      expectExit(verify, 0);
      assert.equal(verify.stdout, `valid signature from ${otherArn}\n`);
      const lines = verify.stderr.split('\n').filter((l) => /not pinned/.test(l));
      assert.equal(lines.length, 1, verify.stderr);
    });

    it('--key repeats: a signature by any of the listed keys is valid', async () => {
      const cwd = workspace();
      await signed(cwd, otherArn);
      const verify = await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn, '--key', otherArn], { cwd });
      expectExit(verify, 0);
      assert.equal(verify.stdout, `valid signature from ${otherArn}\n`);
    });

    it('--key repeats: a pinned key that does not exist does not hide another that verifies; alone, it cannot decide (exit 3)', async () => {
      const cwd = workspace();
      await signed(cwd, keyArn);
      const missing = 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000';
      const verify = await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', missing, '--key', keyArn], { cwd });
      expectExit(verify, 0);
      assert.equal(verify.stdout, `valid signature from ${keyArn}\n`);
      expectExit(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', missing], { cwd }), 3);
    });

    it('"-" signs standard input, and verifies standard input', async () => {
      const cwd = workspace('on disk, same bytes as stdin\n');
      const sign = await kmssig(['sign', keyArn, '-', 'stdin.sig'], { cwd, input: 'on disk, same bytes as stdin\n' });
      expectExit(sign, 0);
      // The signature covers what came on stdin: it verifies the file with the same bytes...
      expectExit(await kmssig(['verify', 'release.txt', 'stdin.sig', '--key', keyArn], { cwd }), 0);
      // ...and verify reads stdin too: the same bytes pass, other bytes do not.
      const same = await kmssig(['verify', '-', 'stdin.sig', '--key', keyArn], { cwd, input: 'on disk, same bytes as stdin\n' });
      expectExit(same, 0);
      assert.equal(same.stdout, `valid signature from ${keyArn}\n`);
      expectExit(await kmssig(['verify', '-', 'stdin.sig', '--key', keyArn], { cwd, input: 'other bytes\n' }), 1);
    });

    it('--context repeats and the pairs merge into one encryption context', async () => {
      const cwd = workspace();
      const sig = await signed(cwd, keyArn, ['--context', 'env=prod', '--context', 'team=web,app=shop']);
      for (const context of [
        ['--context', 'app=shop,env=prod,team=web'],
        ['--context', 'team=web', '--context', 'env=prod', '--context', 'app=shop'],
      ]) {
        expectExit(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn, ...context], { cwd }), 0);
      }
      // Every pair is bound: leaving out the one from the first --context fails.
      expectExit(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn, '--context', 'team=web,app=shop'], { cwd }), 1);
      // And it is exactly this context that KMS saw.
      const out = await adminClient(moto.endpoint).send(
        new DecryptCommand({ CiphertextBlob: sig, EncryptionContext: { env: 'prod', team: 'web', app: 'shop' } }),
      );
      assert.deepEqual(Buffer.from(out.Plaintext!), sha512(readFileSync(join(cwd, 'release.txt'))));
    });

    it('"\\," puts a comma into a value', async () => {
      const cwd = workspace();
      const sig = await signed(cwd, keyArn, ['--context', 'targets=linux\\,darwin,env=prod']);
      const out = await adminClient(moto.endpoint).send(
        new DecryptCommand({ CiphertextBlob: sig, EncryptionContext: { targets: 'linux,darwin', env: 'prod' } }),
      );
      assert.equal(out.KeyId, keyArn);
      expectExit(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--context', 'env=prod,targets=linux\\,darwin'], { cwd }), 0);
      // Without the escape the value stops at the comma and "darwin" is a malformed pair.
      expectExit(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--context', 'targets=linux,darwin,env=prod'], { cwd }), 2);
    });

    it('a value keeps everything after the first "="', async () => {
      const cwd = workspace();
      const sig = await signed(cwd, keyArn, ['--context', 'query=a=b=c']);
      const out = await adminClient(moto.endpoint).send(new DecryptCommand({ CiphertextBlob: sig, EncryptionContext: { query: 'a=b=c' } }));
      assert.equal(out.KeyId, keyArn);
    });
  });

  describe('exit 1: an invalid signature', () => {
    const invalid = (r: CliResult, why: RegExp) => {
      expectExit(r, 1);
      assert.equal(r.stdout, '', 'nothing on stdout claims validity');
      assert.match(r.stderr, /invalid signature for release\.txt/);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    };

    it('wrong context', async () => {
      const cwd = workspace();
      await signed(cwd, keyArn, ['--context', 'env=prod']);
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--context', 'env=dev', '--key', keyArn], { cwd }), /context/);
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd }), /context/);
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--context', 'env=prod,extra=1'], { cwd }), /context/);
    });

    it('modified file', async () => {
      const cwd = workspace();
      await signed(cwd, keyArn);
      writeFileSync(join(cwd, 'release.txt'), 'release 1.0.0\ninjected\n');
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd }), /modified/);
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig'], { cwd }), /modified/);
    });

    it('one flipped byte in the signature', async () => {
      const cwd = workspace();
      const sig = await signed(cwd, keyArn);
      const flipped = Buffer.from(sig);
      flipped[flipped.length - 1]! ^= 0x01;
      writeFileSync(join(cwd, 'release.txt.sig'), flipped);
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd }), /corrupt/);
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig'], { cwd }), /corrupt/);
    });

    it('a flipped byte anywhere never verifies (exit 1, or 3 where moto answers AccessDenied for a garbled key reference)', async () => {
      const cwd = workspace();
      const sig = await signed(cwd, keyArn);
      for (const at of [0, 17, 35, 36, 50, 63, 64, 100]) {
        const flipped = Buffer.from(sig);
        flipped[at % flipped.length]! ^= 0x80;
        writeFileSync(join(cwd, `flip${at}.sig`), flipped);
        const r = await kmssig(['verify', 'release.txt', `flip${at}.sig`, '--key', keyArn], { cwd });
        assert.ok(r.code === 1 || r.code === 3, `byte ${at}: exit ${r.code}\n${r.stderr}`);
        assert.doesNotMatch(r.stdout, /valid signature/);
      }
    });

    it('a signature from another key with --key pinned: "signed by a key that is not allowed"', async () => {
      const cwd = workspace();
      await signed(cwd, otherArn);
      for (const key of [keyArn, alias, keyId]) {
        const r = await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', key], { cwd });
        invalid(r, /signed by a key that is not allowed/);
      }
    });

    it('truncated signature', async () => {
      const cwd = workspace();
      const sig = await signed(cwd, keyArn);
      for (const length of [sig.length - 1, 64, 20, 1]) {
        writeFileSync(join(cwd, 'release.txt.sig'), sig.subarray(0, length));
        invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd }), /corrupt|not allowed|empty/);
      }
    });

    it('empty signature', async () => {
      const cwd = workspace();
      writeFileSync(join(cwd, 'release.txt.sig'), '');
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd }), /empty/);
      invalid(await kmssig(['verify', 'release.txt', 'release.txt.sig'], { cwd }), /empty/);
    });
  });

  describe('exit 2: usage and input errors', () => {
    const usage = (r: CliResult, why: RegExp) => {
      expectExit(r, 2);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    };

    it('missing file (sign, verify) and missing signature file', async () => {
      const cwd = workspace();
      usage(await kmssig(['sign', keyArn, 'absent.txt', 'absent.sig'], { cwd }), /cannot read .*absent\.txt: no such file/);
      assert.equal(existsSync(join(cwd, 'absent.sig')), false);
      await signed(cwd, keyArn);
      usage(await kmssig(['verify', 'absent.txt', 'release.txt.sig'], { cwd }), /cannot read .*absent\.txt: no such file/);
      usage(await kmssig(['verify', 'release.txt', 'absent.sig'], { cwd }), /cannot read .*absent\.sig: no such file/);
    });

    it('unreadable file: a directory where a file is expected (reading fails even as root)', async () => {
      const cwd = workspace();
      mkdirSync(join(cwd, 'folder'));
      usage(await kmssig(['sign', keyArn, 'folder', 'folder.sig'], { cwd }), /cannot read .*folder/);
      assert.equal(existsSync(join(cwd, 'folder.sig')), false);
      await signed(cwd, keyArn);
      usage(await kmssig(['verify', 'folder', 'release.txt.sig'], { cwd }), /cannot read .*folder/);
      usage(await kmssig(['verify', 'release.txt', 'folder'], { cwd }), /cannot read .*folder/);
    });

    it('malformed context', async () => {
      const cwd = workspace();
      for (const context of ['novalue', '=value', 'a=1,broken', 'a=1,=2']) {
        usage(await kmssig(['sign', keyArn, 'release.txt', 'release.txt.sig', '--context', context], { cwd }), /malformed context pair/);
        usage(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--context', context], { cwd }), /malformed context pair/);
      }
      assert.equal(existsSync(join(cwd, 'release.txt.sig')), false);
    });

    it('a context key that starts with "aws" (any case) is refused', async () => {
      const cwd = workspace();
      for (const context of ['awsRegion=us-east-1', 'AWS:SourceArn=x', 'env=prod,Aws=1']) {
        usage(await kmssig(['sign', keyArn, 'release.txt', 'release.txt.sig', '--context', context], { cwd }), /reserved/);
      }
      assert.equal(existsSync(join(cwd, 'release.txt.sig')), false);
      // "aws" later in the key is an ordinary key.
      await signed(cwd, keyArn, ['--context', 'my-aws-account=1']);
    });

    it('unknown command', async () => {
      const r = await kmssig(['sing', keyArn, 'release.txt', 'release.txt.sig'], { cwd: workspace() });
      usage(r, /unknown command "sing".*kmssig --help/);
    });

    it('wrong number of arguments', async () => {
      const cwd = workspace();
      usage(await kmssig(['sign', keyArn, 'release.txt'], { cwd }), /missing <sig>/);
      usage(await kmssig(['sign', keyArn, 'release.txt', 'a.sig', 'b.sig'], { cwd }), /unexpected argument "b\.sig"/);
      usage(await kmssig(['verify', 'release.txt'], { cwd }), /missing <sig>/);
      usage(await kmssig(['verify', 'release.txt', 'a.sig', 'b.sig'], { cwd }), /unexpected argument "b\.sig"/);
      usage(await kmssig(['verify', 'release.txt', 'a.sig', '--bogus'], { cwd }), /--bogus/);
      assert.deepEqual(readdirSync(cwd), ['release.txt']);
    });
  });

  describe('exit 3: could not sign or verify', () => {
    const unavailable = (r: CliResult, why: RegExp) => {
      expectExit(r, 3);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /could not (sign|verify) release\.txt/);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    };

    it('KMS unreachable (a closed loopback port)', async () => {
      const cwd = workspace();
      const sig = await signed(cwd, keyArn);
      const closed = `http://127.0.0.1:${await freePort()}`;
      const env = { AWS_ENDPOINT_URL_KMS: closed };
      unavailable(await kmssig(['sign', keyArn, 'release.txt', 'new.sig'], { cwd, env }), /ECONNREFUSED.*check the network/);
      unavailable(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd, env }), /ECONNREFUSED/);
      unavailable(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--endpoint', closed], { cwd }), /ECONNREFUSED/);
      assert.equal(existsSync(join(cwd, 'new.sig')), false);
      assert.deepEqual(readFileSync(join(cwd, 'release.txt.sig')), sig);
    });

    it('access denied', async () => {
      const cwd = workspace();
      await signed(cwd, keyArn);
      proxy.setFault(() => ({ kind: 'deny' }));
      proxy.reset();
      try {
        const env = { AWS_ENDPOINT_URL_KMS: proxy.endpoint };
        unavailable(await kmssig(['sign', keyArn, 'release.txt', 'new.sig'], { cwd, env }), /AccessDenied.*credentials may use this key/);
        unavailable(await kmssig(['verify', 'release.txt', 'release.txt.sig'], { cwd, env }), /AccessDenied/);
        // A pinned verify must not mistake a real denial for "another key" (moto's answer for that case).
        unavailable(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd, env }), /AccessDenied/);
        assert.ok((proxy.calls.get('Encrypt') ?? 0) >= 1 && (proxy.calls.get('Decrypt') ?? 0) >= 2, JSON.stringify([...proxy.calls]));
      } finally {
        proxy.setFault(undefined);
      }
      assert.equal(existsSync(join(cwd, 'new.sig')), false);
    });

    it('unknown key (NotFoundException)', async () => {
      const cwd = workspace();
      await signed(cwd, keyArn);
      for (const key of [
        '0b0e0e0e-0000-4000-8000-000000000000',
        'alias/no-such-key',
        keyArn.replace(keyId, '0b0e0e0e-0000-4000-8000-000000000000'),
      ]) {
        unavailable(await kmssig(['sign', key, 'release.txt', 'new.sig'], { cwd }), /NotFoundException.*check the key ID/);
      }
      unavailable(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', 'alias/no-such-key'], { cwd }), /NotFoundException/);
      assert.equal(existsSync(join(cwd, 'new.sig')), false);
    });

    it('missing credentials (nothing but loopback is ever contacted)', async () => {
      const cwd = workspace();
      await signed(cwd, keyArn);
      const empty = join(cwd, 'empty-home');
      mkdirSync(empty);
      const env: NodeJS.ProcessEnv = {
        AWS_ENDPOINT_URL_KMS: proxy.endpoint,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_DEFAULT_PROFILE: undefined,
        AWS_ROLE_ARN: undefined,
        AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
        AWS_EC2_METADATA_DISABLED: 'true',
        HOME: empty,
        AWS_CONFIG_FILE: join(empty, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(empty, 'credentials'),
      };
      proxy.reset();
      unavailable(await kmssig(['sign', keyArn, 'release.txt', 'new.sig'], { cwd, env }), /credentials/i);
      unavailable(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd, env }), /credentials/i);
      assert.equal(proxy.total(), 0, 'no request reaches KMS without credentials');
      assert.equal(existsSync(join(cwd, 'new.sig')), false);
    });

    it('timeout: KMS answers later than KMSSIG_KMS_TIMEOUT, with retries, and the command ends', { timeout: 60_000 }, async () => {
      const cwd = workspace();
      await signed(cwd, keyArn);
      proxy.setFault(() => ({ kind: 'delay', ms: 30_000 }));
      proxy.reset();
      try {
        const env = { AWS_ENDPOINT_URL_KMS: proxy.endpoint, KMSSIG_KMS_TIMEOUT: '1' };
        unavailable(await kmssig(['sign', keyArn, 'release.txt', 'new.sig'], { cwd, env }), /Timeout|timed out|ETIMEDOUT/i);
        assert.ok((proxy.calls.get('Encrypt') ?? 0) >= 2, `the SDK retries: ${JSON.stringify([...proxy.calls])}`);
        unavailable(
          await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd, env }),
          /Timeout|timed out|ETIMEDOUT/i,
        );
      } finally {
        proxy.setFault(undefined);
      }
      assert.equal(existsSync(join(cwd, 'new.sig')), false);
    });
  });

  describe('a failed sign writes nothing', () => {
    const previous = Buffer.from('previous signature bytes \x00\x01\x02\xff');
    const failures: [string, () => Promise<{ args: string[]; env?: NodeJS.ProcessEnv; code: number }>][] = [
      [
        'KMS unreachable',
        async () => ({
          args: ['sign', keyArn, 'release.txt', 'release.txt.sig', '--endpoint', `http://127.0.0.1:${await freePort()}`],
          code: 3,
        }),
      ],
      ['unknown key', async () => ({ args: ['sign', 'alias/no-such-key', 'release.txt', 'release.txt.sig'], code: 3 })],
      [
        'access denied',
        async () => ({ args: ['sign', keyArn, 'release.txt', 'release.txt.sig'], env: { AWS_ENDPOINT_URL_KMS: proxy.endpoint }, code: 3 }),
      ],
      ['missing input file', async () => ({ args: ['sign', keyArn, 'absent.txt', 'release.txt.sig'], code: 2 })],
      ['malformed context', async () => ({ args: ['sign', keyArn, 'release.txt', 'release.txt.sig', '--context', 'oops'], code: 2 })],
    ];
    for (const [name, make] of failures) {
      it(`${name}: the existing signature keeps its bytes, no new or temp file appears`, async () => {
        const cwd = workspace();
        writeFileSync(join(cwd, 'release.txt.sig'), previous);
        proxy.setFault(name === 'access denied' ? () => ({ kind: 'deny' }) : undefined);
        try {
          const { args, env, code } = await make();
          expectExit(await kmssig(args, { cwd, env }), code);
        } finally {
          proxy.setFault(undefined);
        }
        assert.deepEqual(readFileSync(join(cwd, 'release.txt.sig')), previous);
        assert.deepEqual(readdirSync(cwd).sort(), ['release.txt', 'release.txt.sig']);
      });
    }

    it('a failed sign with no previous signature leaves no signature file', async () => {
      const cwd = workspace();
      expectExit(await kmssig(['sign', 'alias/no-such-key', 'release.txt', 'release.txt.sig'], { cwd }), 3);
      assert.deepEqual(readdirSync(cwd), ['release.txt']);
    });

    it('when the final rename fails (the signature path is a folder), the temp file is removed', async () => {
      const cwd = workspace();
      mkdirSync(join(cwd, 'out.sig'));
      writeFileSync(join(cwd, 'out.sig', 'keep'), 'x');
      const r = await kmssig(['sign', keyArn, 'release.txt', 'out.sig'], { cwd });
      expectExit(r, 2);
      assert.match(r.stderr, /cannot write .*out\.sig/);
      assert.deepEqual(readdirSync(cwd).sort(), ['out.sig', 'release.txt']);
      assert.deepEqual(readdirSync(join(cwd, 'out.sig')), ['keep']);
    });

    it('a successful sign replaces the old signature whole, leaving no temp file', async () => {
      const cwd = workspace();
      writeFileSync(join(cwd, 'release.txt.sig'), previous);
      const sig = await signed(cwd, keyArn);
      assert.notDeepEqual(sig, previous);
      assert.deepEqual(readdirSync(cwd).sort(), ['release.txt', 'release.txt.sig']);
      expectExit(await kmssig(['verify', 'release.txt', 'release.txt.sig', '--key', keyArn], { cwd }), 0);
    });
  });

  describe('output', () => {
    it('no stack trace without --debug; --debug shows one', async () => {
      const cwd = workspace();
      const args = ['sign', keyArn, 'release.txt', 'new.sig', '--endpoint', `http://127.0.0.1:${await freePort()}`];
      const plain = await kmssig(args, { cwd });
      expectExit(plain, 3);
      assert.doesNotMatch(plain.stderr, STACK_LINE);
      const debug = await kmssig([...args, '--debug'], { cwd });
      expectExit(debug, 3);
      assert.match(debug.stderr, STACK_LINE);
      assert.match(debug.stderr, /caused by/);
    });

    it('the SDK support notice never reaches stderr, even with the variable unset in the environment', async () => {
      // kmssig() already asserts this for every run; this run makes sure a real
      // KMS call is made with the variable absent from the environment.
      const cwd = workspace();
      const r = await kmssig(['sign', keyArn, 'release.txt', 'release.txt.sig'], {
        cwd,
        env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
      });
      expectExit(r, 0);
      assert.equal(r.stderr, `signed with ${keyArn}, signature written to release.txt.sig\n`);
    });

    it('kmssig --help lists the commands; kmssig version prints the versions', async () => {
      const cwd = workspace();
      const help = await kmssig(['--help'], { cwd });
      expectExit(help, 0);
      for (const command of ['sign', 'verify', 'version', 'demo', 'keygen']) assert.match(help.stdout, new RegExp(`^  ${command}\\s`, 'm'));
      assert.match(help.stdout, /Exit codes: 0.*1.*2.*3/);
      const signHelp = await kmssig(['sign', '--help'], { cwd });
      expectExit(signHelp, 0);
      assert.match(signHelp.stdout, /kmssig sign <key-id> <file> <sig>/);
      assert.match(signHelp.stdout, /--context/);
      const verifyHelp = await kmssig(['verify', '--help'], { cwd });
      assert.match(verifyHelp.stdout, /--key/);
      const version = await kmssig(['version'], { cwd });
      expectExit(version, 0);
      assert.equal(version.stdout, `kmssig ${pkg.version} (Node.js ${process.version})\n`);
      const bare = await kmssig([], { cwd });
      expectExit(bare, 2);
      assert.match(bare.stdout, /Commands:/);
    });

    it('kmssig demo runs end to end with no AWS configuration, labels the key, and cleans up', async () => {
      const cwd = workspace();
      const empty = join(cwd, 'home');
      mkdirSync(empty);
      const r = await kmssig(['demo'], {
        cwd,
        env: { AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, HOME: empty },
      });
      expectExit(r, 0);
      assert.match(r.stdout, /demo finished/);
      assert.match(r.stdout, /→ exit 1/, 'the demo shows a refused verification');
      assert.match(r.stdout + r.stderr, /not for production/);
      const folder = /kmssig demo in (\S+)/.exec(r.stdout)?.[1];
      assert.ok(folder, r.stdout);
      assert.equal(existsSync(folder), false, 'the demo removes its temp folder');
    });
  });
});

function sha512(data: Buffer): Buffer {
  return createHash('sha512').update(data).digest();
}

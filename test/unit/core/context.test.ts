import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertContextKeys, parseContextArgs, stripUserInfo } from '../../../src/core/context.js';
import { KmssigError } from '../../../src/errors.js';

/** Asserts a usage/input error: exit code 2, with the offending text in the message. */
function rejectsInput(run: () => unknown, mentions: RegExp) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KmssigError, String(error));
    assert.equal(error.code, 'INPUT');
    assert.equal(error.exitCode, 2);
    assert.match(error.message, mentions);
    return true;
  });
}

describe('parseContextArgs (the seed syntax k1=v1,k2=v2)', () => {
  it('splits on "," and then on the first "="', () => {
    assert.deepEqual(parseContextArgs(['env=prod,team=web']), { env: 'prod', team: 'web' });
    assert.deepEqual(parseContextArgs(['url=https://x/?a=b&c=d']), { url: 'https://x/?a=b&c=d' });
    assert.deepEqual(parseContextArgs(['k=a=b=c']), { k: 'a=b=c' });
  });

  it('no --context is an empty context', () => {
    assert.deepEqual(parseContextArgs([]), {});
    assert.deepEqual(parseContextArgs(['']), {});
  });

  it('several --context flags merge', () => {
    assert.deepEqual(parseContextArgs(['env=prod', 'team=web,app=shop', 'commit=abc']), {
      env: 'prod',
      team: 'web',
      app: 'shop',
      commit: 'abc',
    });
  });

  it('"\\," puts a comma into a value; other backslashes stay as they are', () => {
    assert.deepEqual(parseContextArgs(['targets=linux\\,darwin\\,win,env=prod']), { targets: 'linux,darwin,win', env: 'prod' });
    assert.deepEqual(parseContextArgs(['path=C:\\dir\\file']), { path: 'C:\\dir\\file' });
    assert.deepEqual(parseContextArgs(['trail=x\\']), { trail: 'x\\' });
    assert.deepEqual(parseContextArgs(['k\\,ey=v']), { 'k,ey': 'v' });
  });

  it('keeps spaces and empty values as the seed does (no trimming)', () => {
    assert.deepEqual(parseContextArgs([' a = b ']), { ' a ': ' b ' });
    assert.deepEqual(parseContextArgs(['empty=']), { empty: '' });
  });

  it('skips empty pairs between commas', () => {
    assert.deepEqual(parseContextArgs(['a=1,,b=2,']), { a: '1', b: '2' });
  });

  it('refuses a pair without "=" or without a key (exit 2, naming the pair)', () => {
    rejectsInput(() => parseContextArgs(['novalue']), /malformed context pair "novalue"/);
    rejectsInput(() => parseContextArgs(['=value']), /malformed context pair "=value"/);
    rejectsInput(() => parseContextArgs(['a=1,broken']), /"broken"/);
    rejectsInput(() => parseContextArgs(['a=1', 'linux\\,darwin']), /"linux,darwin"/);
  });

  it('refuses keys that start with "aws" in any case (KMS reserves them)', () => {
    for (const key of ['aws', 'awsRegion', 'AWS:SourceArn', 'Aws-x', 'aWs']) {
      rejectsInput(() => parseContextArgs([`${key}=1`]), new RegExp(`"${key}" is reserved`));
    }
    assert.deepEqual(parseContextArgs(['my-aws=1,laws=2']), { 'my-aws': '1', laws: '2' });
  });
});

describe('assertContextKeys (contexts from configuration or records)', () => {
  it('accepts string pairs and refuses reserved or empty keys and non-string values', () => {
    assert.doesNotThrow(() => assertContextKeys({ commit: 'abc', branch: 'main' }));
    rejectsInput(() => assertContextKeys({ awsAccount: '1' }), /reserved/);
    rejectsInput(() => assertContextKeys({ '': 'v' }), /malformed/);
    rejectsInput(() => assertContextKeys({ n: 1 as unknown as string }), /malformed/);
  });
});

describe('stripUserInfo', () => {
  const cases: [string, string][] = [
    ['https://user:token@github.com/acme/app.git', 'https://github.com/acme/app.git'],
    ['https://ghp_abc123@github.com/acme/app.git', 'https://github.com/acme/app.git'],
    ['HTTPS://User:Pass@Host.example:8443/x', 'HTTPS://Host.example:8443/x'],
    ['ssh://git@git.example.com:2222/acme/app.git', 'ssh://git.example.com:2222/acme/app.git'],
    ['git+ssh://deploy@host/repo', 'git+ssh://host/repo'],
    // A raw "@" in the password: the user-info ends at the last "@" before the path.
    ['https://user:p@ss@host/repo', 'https://host/repo'],
    ['https://oauth2:a@b@c@gitlab.example/group/repo.git', 'https://gitlab.example/group/repo.git'],
  ];
  for (const [input, output] of cases) {
    it(`${input} → ${output}`, () => {
      assert.equal(stripUserInfo(input), output);
    });
  }

  it('leaves URLs without user-info unchanged, also when "@" is in the path, query or fragment', () => {
    for (const url of [
      'https://github.com/acme/app.git',
      'https://host/users/@me/repo',
      'https://host?ref=a@b',
      'https://host#a@b',
      'file:///srv/git/app.git',
      '/srv/git/app.git',
      '../app.git',
    ]) {
      assert.equal(stripUserInfo(url), url);
    }
  });

  it('leaves scp-like addresses (no scheme, no secret) unchanged', () => {
    assert.equal(stripUserInfo('git@github.com:acme/app.git'), 'git@github.com:acme/app.git');
  });

  it('never leaves any part of the secret behind', () => {
    for (const secret of ['t0ken', 'p@ss', 'a:b', 'x@y@z', '%40enc']) {
      const url = `https://user:${secret}@host.example/repo.git`;
      const stripped = stripUserInfo(url);
      assert.equal(stripped, 'https://host.example/repo.git');
      assert.ok(!stripped.includes(secret));
    }
  });
});

// Compatibility proof for the version-2 record (docs/formats.md, "Making or
// checking a record with another tool"): python3 with boto3, following only
// the steps written there, makes a record that kmssig's strict check accepts
// (a symlink and an executable among the files), and checks kmssig's own
// record; the entry mode is part of what both sides sign.
import assert from 'node:assert/strict';
import { symlinkSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, runCli } from '../helpers/cli.js';
import { commitFiles, git, gitEnv, initRepo, tempDir } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';

// argv: sign <repo> <key-arn> [<path>=<mode> ...] | verify <repo> <commit>
// sign: the record of HEAD's release files (.kmssigrc, dist/**), its note written with git notes;
// a <path>=<mode> argument writes that mode instead of the tree's (what a forger would try).
const PY = `
import base64, hashlib, json, os, subprocess, sys
import boto3
kms = boto3.client('kms', endpoint_url=os.environ['KMSSIG_TEST_ENDPOINT'], region_name='us-east-1')
def git(repo, *args, data=None):
    return subprocess.run(['git', '-C', repo, *args], input=data, capture_output=True, check=True).stdout
def canonical(x):
    return json.dumps(x, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
def entries(repo, commit):
    files = {}
    for item in git(repo, 'ls-tree', '-r', '-z', commit).split(b'\\0'):
        if not item:
            continue
        meta, path = item.split(b'\\t', 1)
        mode, kind, blob = meta.decode().split(' ')
        path = path.decode('utf-8')
        if path == '.kmssigrc' or path.startswith('dist/'):
            data = git(repo, 'cat-file', 'blob', blob)
            files[path] = {'mode': mode, 'sha512': hashlib.sha512(data).hexdigest()}
    return files
def context_of(repo, commit):
    author = git(repo, 'log', '-1', '--format=%an <%ae>', commit).decode().strip()
    return {'commit': commit, 'branch': 'main', 'author': author, 'repo': 'acme/app'}
what, repo = sys.argv[1], sys.argv[2]
if what == 'sign':
    key = sys.argv[3]
    commit = git(repo, 'rev-parse', 'HEAD').decode().strip()
    files = entries(repo, commit)
    for change in sys.argv[4:]:
        path, mode = change.split('=')
        files[path]['mode'] = mode
    context = context_of(repo, commit)
    unsigned = {'v': 2, 'alg': 'SYMMETRIC_DEFAULT', 'keyId': key, 'context': context, 'files': files}
    p = hashlib.sha512(canonical(unsigned)).digest()
    blob = kms.encrypt(KeyId=key, Plaintext=p, EncryptionContext=context)['CiphertextBlob']
    record = dict(unsigned, sig=base64.b64encode(blob).decode(), signedAt='2026-12-03T12:00:00Z')
    git(repo, 'notes', '--ref=kmssig', 'add', '-f', '-m', canonical(record).decode('utf-8'), commit)
    print(json.dumps({'files': files}))
elif what == 'verify':
    commit = sys.argv[3]
    lines = [l for l in git(repo, 'notes', '--ref=kmssig', 'show', commit).decode().split('\\n') if l.strip()]
    out = []
    for line in lines:
        record = json.loads(line)
        assert sorted(record) == ['alg', 'context', 'files', 'keyId', 'sig', 'signedAt', 'v'], sorted(record)
        assert record['v'] == 2 and record['alg'] == 'SYMMETRIC_DEFAULT'
        assert line == canonical(record).decode('utf-8'), 'kmssig writes canonical JSON'
        unsigned = {k: record[k] for k in ['v', 'alg', 'keyId', 'context', 'files']}
        p = hashlib.sha512(canonical(unsigned)).digest()
        got = kms.decrypt(CiphertextBlob=base64.b64decode(record['sig']), EncryptionContext=record['context'], KeyId=record['keyId'])
        out.append({'genuine': got['Plaintext'] == p and got['KeyId'] == record['keyId'],
                    'covers': record['files'] == entries(repo, commit), 'files': record['files']})
    print(json.dumps(out))
`;

describe('record version 2: compatibility with an independent client (python3 + boto3)', () => {
  let moto: Moto;
  let keyArn: string;
  const dir = tempDir('kmssig-record-compat-');
  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
  });
  after(async () => {
    await moto?.stop();
    dir.cleanup();
  });
  const env = () => ({ ...gitEnv(), ...moto.env, KMSSIG_TEST_ENDPOINT: moto.endpoint, AWS_DEFAULT_REGION: 'us-east-1' });
  async function python<T>(args: string[]): Promise<T> {
    const r = await run('python3', ['-c', PY, ...args], { cwd: dir.path, env: env() });
    assert.equal(r.code, 0, `python3 + boto3 failed:\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }
  const strict = (repo: string) =>
    runCli(['check', '--key', keyArn, '--ref', 'main', '--context', 'repo=acme/app', '--no-fetch'], { cwd: repo, env: env() });

  let n = 0;
  /** A release with a regular file, an executable and a symlink, committed on main. */
  function release(): string {
    const repo = initRepo(join(dir.path, `repo${++n}`));
    commitFiles(repo, {
      '.kmssigrc': JSON.stringify({ keyId: 'alias/release', files: ['dist/**'], context: { repo: 'acme/app' } }) + '\n',
      'dist/app.txt': 'app 1.0\n',
      'dist/run.sh': '#!/bin/sh\necho run\n',
    });
    chmodSync(join(repo, 'dist/run.sh'), 0o755);
    symlinkSync('app.txt', join(repo, 'dist/latest'));
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'an executable and a link']);
    return repo;
  }

  it('boto3 makes the record from the documented steps, and kmssig check accepts it', async () => {
    const repo = release();
    const made = await python<{ files: Record<string, { mode: string }> }>(['sign', repo, keyArn]);
    assert.deepEqual(Object.fromEntries(Object.entries(made.files).map(([p, e]) => [p, e.mode])), {
      '.kmssigrc': '100644',
      'dist/app.txt': '100644',
      'dist/latest': '120000',
      'dist/run.sh': '100755',
    });
    const ok = await strict(repo);
    assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
    assert.match(ok.stdout, /4 release file\(s\) verified/);
  });

  it("the mode is signed: boto3's genuine signature over another mode than the tree's fails in kmssig", async () => {
    const repo = release();
    await python(['sign', repo, keyArn, 'dist/run.sh=100644']);
    const bad = await strict(repo);
    assert.equal(bad.code, 1, `${bad.stdout}\n${bad.stderr}`);
    assert.match(bad.stdout, /dist\/run\.sh .*an executable file \(100755\) where a regular file \(100644\) was signed/);
  });

  it("kmssig signs, and boto3 checks its record: genuine, and its entries are the tree's", async () => {
    const repo = release();
    const signed = await runCli(['sign'], { cwd: repo, env: env() });
    assert.equal(signed.code, 0, signed.stderr);
    const commit = git(repo, ['rev-parse', 'HEAD']).trim();
    const [checked, ...more] = await python<{ genuine: boolean; covers: boolean }[]>(['verify', repo, commit]);
    assert.equal(more.length, 0);
    assert.deepEqual({ genuine: checked!.genuine, covers: checked!.covers }, { genuine: true, covers: true });
  });
});

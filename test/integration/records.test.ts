import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createKey } from '../helpers/kms.js';
import { runCli } from '../helpers/cli.js';
import { commitFiles, git, initRepo, tempDir } from '../helpers/git.js';
import { startKmsProxy } from '../helpers/proxy.js';
import { CONFIG, both, head, noteLines, noteRecords, python, sha512hex, startRecordsWorld, type RecordsWorld } from '../helpers/records.js';

describe('release records against moto', () => {
  let moto: Moto;
  let keyArn: string;
  const dirs: { cleanup: () => void }[] = [];
  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
  });
  after(async () => {
    await moto.stop();
    for (const d of dirs) d.cleanup();
  });

  function repoWithRelease() {
    const dir = tempDir();
    dirs.push(dir);
    const repo = initRepo(join(dir.path, 'repo'));
    writeFileSync(join(repo, '.kmssigrc'), JSON.stringify({ keyId: 'alias/release', files: ['dist/**'], context: { repo: 'acme/app' } }));
    commitFiles(repo, { 'dist/app.tgz': 'binary', 'dist/manifest.json': '{}', 'README.md': 'hi' });
    return repo;
  }

  it('signs the listed files of HEAD and check passes', async () => {
    const repo = repoWithRelease();
    const sign = await runCli(['sign'], { cwd: repo, env: moto.env });
    assert.equal(sign.code, 0, sign.stderr);
    const note = git(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']);
    const record = JSON.parse(note.trim());
    assert.equal(record.keyId, keyArn);
    assert.deepEqual(Object.keys(record.files).sort(), ['.kmssigrc', 'dist/app.tgz', 'dist/manifest.json']);
    const check = await runCli(['check'], { cwd: repo, env: moto.env });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});

// An independent client (python3 + boto3) decrypts the record's sig with the
// record's context and compares the plaintext with SHA-512 of the canonical
// JSON it computes itself. RFC 8785 sorts keys by UTF-16 code units, which
// differs from Python's code-point order once a key holds a character beyond
// the BMP, so the script sorts by UTF-16 itself.
const CANONICAL_CHECK = String.raw`
import base64, hashlib, json, os, sys
import boto3

def canonical(value):
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode('utf-16-be'))
        return '{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' + canonical(v) for k, v in items) + '}'
    assert isinstance(value, (str, int)) and not isinstance(value, bool), repr(value)
    return json.dumps(value, ensure_ascii=False)

record = json.loads(sys.stdin.read())
signed = {k: v for k, v in record.items() if k not in ('sig', 'signedAt')}
payload = canonical(signed)
# For records of strings and integers, sorting by code point gives the same text
# unless keys mix astral and high-BMP characters (the test names say which).
simple = json.dumps(signed, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
kms = boto3.client('kms', endpoint_url=os.environ['AWS_ENDPOINT_URL_KMS'], region_name=os.environ['AWS_REGION'])
out = kms.decrypt(CiphertextBlob=base64.b64decode(record['sig'], validate=True), EncryptionContext=record['context'], KeyId=record['keyId'])
try:
    wrong = dict(record['context'], commit='0' * 40)
    kms.decrypt(CiphertextBlob=base64.b64decode(record['sig']), EncryptionContext=wrong, KeyId=record['keyId'])
    other_context = 'decrypted'
except kms.exceptions.InvalidCiphertextException:
    other_context = 'refused'
print(json.dumps({
    'plaintext': out['Plaintext'].hex(),
    'expected': hashlib.sha512(payload.encode('utf-8')).hexdigest(),
    'keyId': out['KeyId'],
    'payload': payload,
    'simple': simple,
    'otherContext': other_context,
}, ensure_ascii=False))
`;

describe('record format and signing calls', () => {
  let world: RecordsWorld;
  before(async () => {
    world = await startRecordsWorld();
  });
  after(async () => {
    await world?.cleanup();
  });

  it('sig decrypts with boto3, under the record context, to SHA-512 of the RFC 8785 payload without sig and signedAt', async () => {
    const repo = world.repo({
      files: {
        'dist/app.tgz': 'binary',
        'dist/Zebra.txt': 'upper case sorts before lower case',
        'dist/café au lait.txt': 'non-ASCII and a space',
        'dist/back\\slash.txt': 'a backslash is an ordinary character',
        'dist/quote"d.txt': 'a quote is escaped in JSON',
      },
    });
    // An executable and a symlink: version 2 signs each file's entry type and mode (issue 24).
    writeFileSync(join(repo, 'dist/run.sh'), '#!/bin/sh\n');
    chmodSync(join(repo, 'dist/run.sh'), 0o755);
    symlinkSync('app.tgz', join(repo, 'dist/latest'));
    git(repo, ['add', '-A']);
    const author = { GIT_AUTHOR_NAME: 'Zoë "Q" Ünal', GIT_AUTHOR_EMAIL: 'zoe@example.com' };
    git(repo, ['commit', '-q', '--amend', '--no-edit', '--reset-author'], author);
    const commit = head(repo);
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const [line] = noteLines(repo);
    const record = JSON.parse(line!);
    assert.deepEqual(Object.keys(record).sort(), ['alg', 'context', 'files', 'keyId', 'sig', 'signedAt', 'v']);
    assert.deepEqual(record.context, { commit, branch: 'main', author: 'Zoë "Q" Ünal <zoe@example.com>', repo: 'acme/app' });
    assert.equal(record.keyId, world.keyArn);
    assert.equal(record.v, 2);
    assert.deepEqual(record.files['dist/run.sh'], { mode: '100755', sha512: sha512hex('#!/bin/sh\n') });
    assert.deepEqual(record.files['dist/latest'], { mode: '120000', sha512: sha512hex('app.tgz') });
    assert.equal(record.files['dist/app.tgz'].mode, '100644');

    const py = await python(CANONICAL_CHECK, line!, world.env);
    assert.equal(py.code, 0, py.stderr);
    const out = JSON.parse(py.stdout);
    assert.equal(out.plaintext, out.expected, `payload computed by python: ${out.payload}`);
    assert.equal(out.payload, out.simple);
    assert.equal(out.keyId, world.keyArn);
    assert.equal(out.otherContext, 'refused', 'the signature must be bound to the context');
    // The canonical text has no white space, sorted keys, and neither sig nor signedAt.
    assert.ok(out.payload.startsWith('{"alg":"SYMMETRIC_DEFAULT","context":{"author":'), out.payload);
    assert.ok(!out.payload.includes('"sig"') && !out.payload.includes('signedAt'));
    assert.ok(out.payload.includes('"dist/Zebra.txt":') && out.payload.indexOf('"dist/Zebra.txt"') < out.payload.indexOf('"dist/app.tgz"'));
    assert.ok(out.payload.includes(`"dist/latest":{"mode":"120000","sha512":"${sha512hex('app.tgz')}"}`), out.payload);
    assert.ok(out.payload.endsWith('"v":2}'), out.payload);
  });

  it('canonical order is by UTF-16 code units (astral versus high-BMP file names)', async () => {
    // U+1F4E6 (a surrogate pair, 0xD83D...) sorts before U+FB01 in RFC 8785, after it by code point.
    const repo = world.repo({ files: { 'dist/\u{1F4E6}.txt': 'package', 'dist/\uFB01le.txt': 'ligature' } });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const py = await python(CANONICAL_CHECK, noteLines(repo)[0]!, world.env);
    assert.equal(py.code, 0, py.stderr);
    const out = JSON.parse(py.stdout);
    assert.equal(out.plaintext, out.expected, `payload computed by python: ${out.payload}`);
    assert.notEqual(out.payload, out.simple, 'the names were chosen so that the two orders differ');
    assert.ok(out.payload.indexOf('\u{1F4E6}') < out.payload.indexOf('\uFB01'));
  });

  it('a 200-file release is signed with one Encrypt and at most one DescribeKey; re-signing and checking never Encrypt', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`dist/part-${String(i).padStart(3, '0')}.bin`] = `content of part ${i}\n`;
    const repo = world.repo({ files });
    const proxy = await startKmsProxy(world.moto.endpoint);
    try {
      const env = { AWS_ENDPOINT_URL_KMS: proxy.endpoint };
      const sign = await world.kmssig(repo, ['sign'], env);
      assert.equal(sign.code, 0, both(sign));
      assert.equal(proxy.calls.get('Encrypt'), 1);
      assert.ok((proxy.calls.get('DescribeKey') ?? 0) <= 1, JSON.stringify([...proxy.calls]));
      assert.equal(
        proxy.total(),
        (proxy.calls.get('Encrypt') ?? 0) + (proxy.calls.get('DescribeKey') ?? 0),
        JSON.stringify([...proxy.calls]),
      );
      const [record] = noteRecords(repo);
      assert.equal(Object.keys(record!.files).length, 201); // 200 files and the configuration

      proxy.reset();
      const again = await world.kmssig(repo, ['sign'], env);
      assert.equal(again.code, 0, both(again));
      assert.equal(proxy.calls.get('Encrypt') ?? 0, 0);
      assert.equal(noteLines(repo).length, 1);

      proxy.reset();
      const check = await world.kmssig(repo, ['check', '--no-cache'], env);
      assert.equal(check.code, 0, both(check));
      assert.equal(proxy.calls.get('Encrypt') ?? 0, 0);
      assert.equal(proxy.calls.get('Decrypt'), 1, JSON.stringify([...proxy.calls]));
    } finally {
      await proxy.close();
    }
  });

  it('signing the same commit and ref twice leaves the note as it was; another branch adds a second line', async () => {
    const repo = world.repo({ files: { 'dist/app.tgz': 'binary' } });
    const first = await world.kmssig(repo, ['sign']);
    assert.equal(first.code, 0, both(first));
    const before = git(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']);
    const notesCommit = head(repo, 'refs/notes/kmssig');

    const second = await world.kmssig(repo, ['sign']);
    assert.equal(second.code, 0, both(second));
    assert.match(second.stdout, /already signed/);
    assert.equal(git(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']), before, 'no duplicate, nothing replaced (same signedAt)');
    assert.equal(head(repo, 'refs/notes/kmssig'), notesCommit, 'the notes ref did not move');

    git(repo, ['branch', 'feature']);
    const feature = await world.kmssig(repo, ['sign', '--ref', 'feature']);
    assert.equal(feature.code, 0, both(feature));
    const lines = noteLines(repo);
    assert.equal(lines.length, 2);
    assert.ok(lines.includes(before.trim()), 'the first record is kept byte for byte');
    assert.deepEqual(
      noteRecords(repo)
        .map((r) => r.context.branch)
        .sort(),
      ['feature', 'main'],
    );

    const featureAgain = await world.kmssig(repo, ['sign', '--ref', 'refs/heads/feature']);
    assert.equal(featureAgain.code, 0, both(featureAgain));
    assert.equal(noteLines(repo).length, 2);

    const log = await world.kmssig(repo, ['log']);
    assert.equal(log.code, 0, both(log));
    assert.equal(log.stdout.match(/✔ verified/g)?.length, 2, log.stdout);
  });

  it('signs the tree of --rev, not the working tree, and for a tag on a detached HEAD', async () => {
    const repo = world.repo({ files: { 'dist/app.tgz': 'v1' } });
    const v1 = head(repo);
    git(repo, ['tag', 'v1.0']);
    writeFileSync(join(repo, 'dist/app.tgz'), 'edited on disk, never committed');
    const sign = await world.kmssig(repo, ['sign', '--rev', 'v1.0', '--ref', 'v1.0']);
    assert.equal(sign.code, 0, both(sign));
    const [record] = noteRecords(repo, v1);
    assert.equal(record!.context.tag, 'v1.0');
    assert.equal(record!.context.branch, undefined);
    assert.equal(record!.context.commit, v1);
    const check = await world.kmssig(repo, ['check']);
    assert.equal(check.code, 0, both(check));

    git(repo, ['checkout', '-q', '--detach', 'v1.0']);
    git(repo, ['notes', '--ref=kmssig', 'remove', 'HEAD']);
    const detached = await world.kmssig(repo, ['sign']);
    assert.equal(detached.code, 0, both(detached));
    assert.equal(noteRecords(repo)[0]!.context.tag, 'v1.0');

    // Detached with no tag (or two): there is no clear ref, so sign asks for --ref.
    commitFiles(repo, { 'dist/app.tgz': 'v2' });
    const noTag = await world.kmssig(repo, ['sign']);
    assert.equal(noTag.code, 2, both(noTag));
    assert.match(noTag.stderr, /--ref/);
    assert.deepEqual(noteLines(repo), []);
    assert.equal((await world.kmssig(repo, ['sign', '--ref', 'main'])).code, 0);
    assert.equal(noteRecords(repo)[0]!.context.branch, 'main');
  });

  it('the record is exactly the configured context: static pairs, commit, ref and author', async () => {
    const repo = world.repo({
      config: { ...CONFIG, context: { repo: 'acme/app', stage: 'prod' }, git: { author: false } },
      files: { 'dist/app.tgz': 'x' },
    });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    assert.deepEqual(noteRecords(repo)[0]!.context, { commit: head(repo), branch: 'main', repo: 'acme/app', stage: 'prod' });
  });
});

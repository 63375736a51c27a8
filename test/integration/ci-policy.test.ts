import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCiWorld, errorAnnotations, parseJson, type CiWorld } from '../helpers/ciWorld.js';
import { commitFiles, git } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';

// The reason a record of another key does not count (with or without repeating the record's claim).
const KEY_NOT_ALLOWED = /(key that is not allowed|not among the allowed keys)/;
const head = (repo: string) => git(repo, ['rev-parse', 'HEAD']).trim();

describe('kmssig check in CI: annotations, policy pins and revisions', () => {
  let moto: Moto;
  let keyArn: string;
  let otherArn: string;
  const worlds: CiWorld[] = [];
  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
    otherArn = await createKey(moto.endpoint);
  });
  after(async () => {
    await moto.stop();
    for (const w of worlds) w.cleanup();
  });

  async function signedWorld(config: Record<string, unknown> = {}): Promise<CiWorld> {
    const world = await createCiWorld(moto, 'alias/release', { config });
    worlds.push(world);
    await world.sign();
    world.publish();
    return world;
  }

  it('an unsigned release change fails with an ::error annotation naming each failing file', async () => {
    const world = await signedWorld();
    const signed = head(world.signer);
    // Pushed without signing (--no-verify, a web edit, a rogue committer).
    rmSync(join(world.signer, 'dist/manifest.json'));
    commitFiles(world.signer, { 'dist/app.tgz': 'tampered', 'dist/a,b:c.bin': 'new' }, 'unsigned release change');
    git(world.signer, ['push', '-q', 'origin', 'main']);
    const unsigned = head(world.signer);

    const ci = world.ciClone('ci');
    const out = await world.check(ci, ['--format', 'github']);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    const at = `(at ${unsigned.slice(0, 12)})`;
    assert.deepEqual(errorAnnotations(out.stdout), [
      `::error file=dist/a%2Cb%3Ac.bin,title=kmssig::dist/a,b:c.bin: not signed ${at}`,
      `::error file=dist/app.tgz,title=kmssig::dist/app.tgz: modified since ${signed.slice(0, 12)} ${at}`,
      `::error file=dist/manifest.json,title=kmssig::dist/manifest.json: signed but missing ${at}`,
      `::error title=kmssig::kmssig: 3 release file(s) failed verification at ${unsigned.slice(0, 12)}`,
    ]);
    assert.doesNotMatch(out.stdout, /\.kmssigrc/, 'files that verified get no annotation');
    assert.doesNotMatch(out.stdout, /::notice/);

    const human = await world.check(ci);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /dist\/app\.tgz \(modified since [0-9a-f]{12}\)/);
  });

  it('--key pins the key: another key fails even when the repository config allows the signing key', async () => {
    const world = await signedWorld({ verify: { keys: [keyArn] } });
    const ci = world.ciClone('ci');
    assert.equal((await world.check(ci)).code, 0, 'the configuration alone allows the signing key');

    const pinned = await world.check(ci, ['--key', otherArn, '--format', 'json']);
    assert.equal(pinned.code, 1, pinned.stdout + pinned.stderr);
    const doc = parseJson(pinned);
    assert.equal(doc.result, 'fail');
    assert.deepEqual(doc.policy.keys, [otherArn], 'the flag replaces verify.keys, it does not add to it');
    assert.equal(doc.signed, null, 'a record of a key that is not pinned is never shown as the record used');
    assert.ok(doc.files.every((f: { state: string }) => f.state === 'unsigned'));
    assert.ok(
      doc.rejected.some((r: { reason: string }) => KEY_NOT_ALLOWED.test(r.reason)),
      JSON.stringify(doc.rejected),
    );

    const annotated = await world.check(ci, ['--key', otherArn, '--format', 'github']);
    assert.equal(annotated.code, 1, annotated.stdout + annotated.stderr);
    assert.match(
      annotated.stdout,
      new RegExp(`^::warning title=kmssig::a record on [0-9a-f]{12} did not count: .*${KEY_NOT_ALLOWED.source}`, 'm'),
    );
    assert.doesNotMatch(annotated.stdout + annotated.stderr, /never signed/, 'a record that did not count is not "never signed"');

    const several = await world.check(ci, ['--key', otherArn, '--key', keyArn]);
    assert.equal(several.code, 0, several.stdout + several.stderr);
  });

  it('--key is not bypassed by a public key and a forged asymmetric record added to the repository', async () => {
    const world = await signedWorld();
    const { signer } = world;
    // Someone with push rights and no KMS rights: their own EC key, pinned in the config they change.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const config = JSON.parse(readFileSync(join(signer, '.kmssigrc'), 'utf8'));
    writeFileSync(join(signer, '.kmssigrc'), JSON.stringify({ ...config, verify: { publicKeys: ['keys/evil.pem'] } }));
    const files: Record<string, string> = {
      'dist/app.tgz': 'tampered',
      'keys/evil.pem': publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    const commit = commitFiles(signer, files, 'harmless change');
    const digest = (path: string) =>
      createHash('sha512')
        .update(readFileSync(join(signer, path)))
        .digest('hex');
    const unsigned = {
      v: 1,
      alg: 'ECDSA_SHA_256',
      keyId: keyArn, // claims the pinned key
      context: { commit, branch: 'main', author: 'Test Author <author@example.com>' },
      files: Object.fromEntries(['.kmssigrc', 'dist/app.tgz', 'dist/manifest.json', 'keys/evil.pem'].map((p) => [p, digest(p)])),
    };
    const P = createHash('sha512')
      .update(canonicalize(unsigned) as string)
      .digest();
    const record = {
      ...unsigned,
      sig: sign('sha256', P, privateKey).toString('base64'),
      signedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    git(signer, ['notes', '--ref=kmssig', 'add', '-m', canonicalize(record) as string, commit]);
    world.publish();

    const ci = world.ciClone('ci');
    const pinned = await world.check(ci, ['--key', keyArn, '--format', 'json']);
    assert.equal(pinned.code, 1, pinned.stdout + pinned.stderr);
    const doc = parseJson(pinned);
    assert.equal(doc.result, 'fail');
    assert.notEqual(doc.signed?.commit, commit, 'the forged record is never the record used');
  });

  it('--key overrides a repository config that allows only another key', async () => {
    const world = await signedWorld({ verify: { keys: [otherArn] } });
    const ci = world.ciClone('ci');
    const byConfig = await world.check(ci);
    assert.equal(byConfig.code, 1, byConfig.stdout + byConfig.stderr);
    const pinned = await world.check(ci, ['--key', keyArn]);
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
  });

  it('--ref overrides verify.refs, and is enforced wherever it is given', async () => {
    const world = await signedWorld({ verify: { refs: ['release/*'] } });
    const ci = world.ciClone('ci');
    // verify.refs names the release refs: main is not one, so its own records count on it (no false alarm).
    const byConfig = await world.check(ci);
    assert.equal(byConfig.code, 0, byConfig.stdout + byConfig.stderr);
    // On a release ref the configuration's refs apply: a record signed for main does not count there.
    const full = world.ciClone('full', []);
    git(full, ['checkout', '-q', '-b', 'release/1']);
    const onRelease = await world.check(full);
    assert.equal(onRelease.code, 1, onRelease.stdout + onRelease.stderr);
    assert.match(onRelease.stdout + onRelease.stderr, /not among the allowed refs/);

    const main = await world.check(ci, ['--ref', 'main', '--format', 'json']);
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.deepEqual(parseJson(main).policy.refs, ['main']);
    assert.equal((await world.check(ci, ['--ref', 'refs/tags/*'])).code, 1);
    assert.equal((await world.check(ci, ['--ref', 'refs/tags/*', '--ref', 'refs/heads/*'])).code, 0);
  });

  it('tags, detached HEAD and --rev work', async () => {
    const world = await signedWorld();
    const { signer } = world;
    const release1 = head(signer);
    // Release 2 is signed for its tag only, not for the branch.
    const release2 = commitFiles(signer, { 'dist/app.tgz': 'binary v2' }, 'release 2');
    git(signer, ['tag', 'v2.0']);
    await world.sign(['--ref', 'v2.0']);
    world.publish('main', 'v2.0');
    commitFiles(signer, { 'dist/app.tgz': 'binary v3, unsigned' }, 'work in progress');
    git(signer, ['push', '-q', 'origin', 'main']);

    // A tag build: depth 1, detached HEAD at the tag.
    const tagClone = world.ciClone('ci-tag', ['--depth', '1', '--branch', 'v2.0']);
    assert.equal(git(tagClone, ['rev-parse', '--abbrev-ref', 'HEAD']).trim(), 'HEAD', 'detached');
    const tag = await world.check(tagClone, ['--ref', 'refs/tags/v*', '--format', 'json']);
    assert.equal(tag.code, 0, tag.stdout + tag.stderr);
    const doc = parseJson(tag);
    assert.equal(doc.signed.commit, release2);
    assert.equal(doc.signed.context.tag, 'v2.0');
    assert.equal(doc.signed.context.branch, undefined);
    // Only branch records allowed: the tag's record does not count, the nearest branch record is release 1.
    const branchOnly = await world.check(tagClone, ['--ref', 'main', '--format', 'json']);
    assert.equal(branchOnly.code, 1, branchOnly.stdout + branchOnly.stderr);
    assert.equal(parseJson(branchOnly).signed.commit, release1);

    // A full clone of main: HEAD is unsigned; --rev picks a signed revision by tag, by commit id, or a detached checkout.
    const full = world.ciClone('ci-full', []);
    assert.equal((await world.check(full)).code, 1);
    const byTag = await world.check(full, ['--rev', 'v2.0']);
    assert.equal(byTag.code, 0, byTag.stdout + byTag.stderr);
    assert.match(byTag.stdout, new RegExp(`v2\\.0 \\(${release2.slice(0, 12)}\\): 3 release file\\(s\\) verified`));
    const byId = await world.check(full, ['--rev', release1, '--format', 'json']);
    assert.equal(byId.code, 0, byId.stdout + byId.stderr);
    assert.equal(parseJson(byId).commit, release1);
    git(full, ['checkout', '-q', '--detach', release1]);
    assert.equal((await world.check(full)).code, 0);
    const missing = await world.check(full, ['--rev', 'no-such-rev']);
    assert.equal(missing.code, 2, missing.stdout + missing.stderr);
    assert.match(missing.stderr, /revision "no-such-rev" does not exist/);
  });
});

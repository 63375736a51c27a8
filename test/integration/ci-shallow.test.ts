import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addUnsignedHistory, createCiWorld, parseJson, type CiWorld } from '../helpers/ciWorld.js';
import { clone, commitFiles, configure, git, initRepo } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';

const FIX = /fetch-depth: 0/;
const isShallow = (repo: string) => git(repo, ['rev-parse', '--is-shallow-repository']).trim() === 'true';
const commitCount = (repo: string) => Number(git(repo, ['rev-list', '--count', 'HEAD']).trim());
const refs = (repo: string) => git(repo, ['for-each-ref', '--format=%(objectname) %(refname)']).split('\n').filter(Boolean);

describe('kmssig check in fresh and shallow CI clones', () => {
  let moto: Moto;
  const worlds: CiWorld[] = [];
  before(async () => {
    moto = await startMoto();
    await createKey(moto.endpoint, { alias: 'alias/release' });
  });
  after(async () => {
    await moto.stop();
    for (const w of worlds) w.cleanup();
  });

  async function signedWorld(): Promise<CiWorld> {
    const world = await createCiWorld(moto, 'alias/release');
    worlds.push(world);
    await world.sign();
    world.publish();
    return world;
  }

  /**
   * A signed feature branch merged into main by something that does not sign
   * (the CI system, a merge button): the merge commit is on the remote's main,
   * and, GitHub-style, at refs/pull/1/merge. Main also got an unsigned change
   * to a file that is not a release file.
   */
  async function mergeWorld() {
    const world = await signedWorld();
    const { signer } = world;
    git(signer, ['checkout', '-q', '-b', 'feature']);
    const featureHead = commitFiles(signer, { 'dist/app.tgz': 'binary v2' }, 'feature: new app');
    await world.sign();
    world.publish('feature');
    git(signer, ['checkout', '-q', 'main']);
    commitFiles(signer, { 'README.md': 'hello, merge' }, 'docs');
    git(signer, ['push', '-q', 'origin', 'main']);

    const merger = clone(world.url, join(world.root, 'merger'));
    git(merger, ['checkout', '-q', '--detach', 'origin/main']);
    git(merger, ['merge', '-q', '--no-ff', '-m', 'Merge pull request #1', 'origin/feature']);
    const prMerge = git(merger, ['rev-parse', 'HEAD']).trim();
    git(merger, ['push', '-q', 'origin', 'HEAD:refs/pull/1/merge']);
    git(merger, ['checkout', '-q', 'main']);
    git(merger, ['merge', '-q', '--no-ff', '-m', 'Merge branch feature', 'origin/feature']);
    const mainMerge = git(merger, ['rev-parse', 'HEAD']).trim();
    git(merger, ['push', '-q', 'origin', 'main']);
    return { world, featureHead, prMerge, mainMerge };
  }

  it('a signed head passes in a depth-1 clone without notes: check fetches them, says so, and touches no other ref', async () => {
    const world = await signedWorld();
    const ci = world.ciClone('ci');
    assert.equal(isShallow(ci), true);
    assert.deepEqual(
      refs(ci).filter((r) => r.includes('refs/notes/')),
      [],
      'a fresh clone has no notes',
    );
    const before = refs(ci);

    const out = await world.check(ci);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stderr, /fetched signatures \(refs\/notes\/kmssig\) from origin/);
    assert.match(out.stdout, /3 release file\(s\) verified/);
    const added = refs(ci).filter((r) => !before.includes(r));
    assert.deepEqual(
      added.map((r) => r.split(' ')[1]),
      ['refs/notes/remotes/origin/kmssig'],
    );
    assert.equal(commitCount(ci), 1, 'a signed head needs no deepening');
  });

  it('--no-fetch does not fetch the notes and fails closed', async () => {
    const world = await signedWorld();
    const shallow = world.ciClone('ci-shallow');
    const out = await world.check(shallow, ['--no-fetch']);
    assert.equal(out.code, 3, out.stdout + out.stderr);
    assert.doesNotMatch(out.stderr, /fetched signatures/);
    assert.doesNotMatch(out.stdout, /verified/);
    assert.match(out.stderr, /--no-fetch/, 'says that the notes were not fetched');
    assert.deepEqual(
      refs(shallow).filter((r) => r.includes('refs/notes/')),
      [],
    );
    assert.equal(commitCount(shallow), 1, '--no-fetch does not deepen either');

    // A full clone without notes: the history is all there, nothing is signed in it.
    const full = world.ciClone('ci-full', []);
    const fullOut = await world.check(full, ['--no-fetch']);
    assert.equal(fullOut.code, 1, fullOut.stdout + fullOut.stderr);
    assert.match(fullOut.stderr, /--no-fetch/);
  });

  it('fetches the notes again in a reused workspace, so a newly signed head passes', async () => {
    const world = await signedWorld();
    const ci = world.ciClone('ci-reused');
    assert.equal((await world.check(ci)).code, 0);

    commitFiles(world.signer, { 'dist/app.tgz': 'binary v2' }, 'release 2');
    await world.sign();
    world.publish();
    // What a CI runner that keeps its workspace does: fetch the branch, check it out.
    git(ci, ['fetch', '-q', '--depth', '1', 'origin', 'main']);
    git(ci, ['checkout', '-q', '--detach', 'FETCH_HEAD']);

    const out = await world.check(ci, ['--format', 'json']);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const doc = parseJson(out);
    assert.equal(doc.result, 'pass');
    assert.equal(doc.signed.commit, git(ci, ['rev-parse', 'HEAD']).trim());
  });

  it('a CI merge commit over the signed head passes in a depth-1 clone after deepening', async () => {
    const { world, featureHead, prMerge, mainMerge } = await mergeWorld();

    const ci = world.ciClone('ci-merge');
    assert.equal(git(ci, ['rev-parse', 'HEAD']).trim(), mainMerge);
    assert.equal(commitCount(ci), 1, 'the parents of the merge are beyond the shallow boundary');
    const out = await world.check(ci, ['--format', 'json']);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stderr, /shallow clone: fetching \d+ more commits of history from origin/);
    const doc = parseJson(out);
    assert.equal(doc.result, 'pass');
    assert.equal(doc.commit, mainMerge);
    assert.equal(doc.signed.commit, featureHead, 'the nearest signed commit is the merged feature head');
    assert.equal(doc.signed.context.branch, 'feature');
    assert.ok(commitCount(ci) > 1, 'history was deepened');

    // The way actions/checkout fetches a pull request: one commit, detached, no branch.
    const gha = initRepo(join(world.root, 'ci-gha'));
    git(gha, ['remote', 'add', 'origin', world.url]);
    git(gha, ['fetch', '-q', '--no-tags', '--depth=1', 'origin', '+refs/pull/1/merge:refs/remotes/pull/1/merge']);
    git(gha, ['checkout', '-q', '--detach', 'refs/remotes/pull/1/merge']);
    const ghaOut = await world.check(gha, ['--format', 'github']);
    assert.equal(ghaOut.code, 0, ghaOut.stdout + ghaOut.stderr);
    assert.match(
      ghaOut.stdout,
      new RegExp(
        `^::notice title=kmssig::kmssig: 3 release file\\(s\\) verified at ${prMerge.slice(0, 12)} against ${featureHead.slice(0, 12)}$`,
        'm',
      ),
    );
  });

  it('an unsigned release change on top of a merge fails after deepening', async () => {
    const { world } = await mergeWorld();
    const { signer } = world;
    git(signer, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    commitFiles(signer, { 'dist/manifest.json': '{"v":"evil"}' }, 'unsigned change');
    git(signer, ['push', '-q', 'origin', 'main']);
    const ci = world.ciClone('ci-evil');
    const out = await world.check(ci, ['--format', 'github']);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.match(out.stdout, /^::error file=dist\/manifest\.json,title=kmssig::dist\/manifest\.json: modified since [0-9a-f]{12}/m);
  });

  it('fails with exit 3 and the fix when deepening is not allowed, and passes once history is fetched', async () => {
    const { world } = await mergeWorld();
    const ci = world.ciClone('ci-nofetch');
    git(ci, ['fetch', '-q', 'origin', '+refs/notes/kmssig:refs/notes/remotes/origin/kmssig']);
    const out = await world.check(ci, ['--no-fetch']);
    assert.equal(out.code, 3, out.stdout + out.stderr);
    assert.match(out.stderr, FIX);
    assert.doesNotMatch(out.stdout, /verified/);
    assert.equal(commitCount(ci), 1, '--no-fetch never deepens');

    git(ci, ['fetch', '-q', '--unshallow', 'origin']);
    const fixed = await world.check(ci, ['--no-fetch']);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  });

  it('fails with exit 3 and the fix when the signed commit is beyond every deepening step', async () => {
    const world = await signedWorld();
    const depth = 1300;
    addUnsignedHistory(world.signer, depth);
    git(world.signer, ['push', '-q', 'origin', 'main']);
    const ci = world.ciClone('ci-deep');

    const out = await world.check(ci, ['--format', 'json']);
    assert.equal(out.code, 3, out.stdout + out.stderr);
    assert.match(out.stderr, FIX);
    assert.match(out.stderr, /shallow clone: fetching/);
    assert.notEqual(parseJson(out).result, 'pass');
    assert.equal(isShallow(ci), true);
    const fetched = commitCount(ci);
    assert.ok(fetched > 1 && fetched <= depth, `deepened a bounded amount (${fetched} commits)`);

    git(ci, ['fetch', '-q', '--unshallow', 'origin']);
    const fixed = await world.check(ci);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  });

  it('fails with exit 3 and the fix when the remote cannot be reached to deepen', async () => {
    const { world } = await mergeWorld();
    const ci = world.ciClone('ci-offline');
    git(ci, ['fetch', '-q', 'origin', '+refs/notes/kmssig:refs/notes/remotes/origin/kmssig']);
    renameSync(world.bare, `${world.bare}.gone`);
    try {
      const out = await world.check(ci);
      assert.equal(out.code, 3, out.stdout + out.stderr);
      assert.match(out.stderr, FIX);
      assert.match(out.stderr, /could not fetch signatures from origin/);
      assert.doesNotMatch(out.stdout, /verified/);
    } finally {
      renameSync(`${world.bare}.gone`, world.bare);
    }
  });

  it('runs from a clone whose remote is not named origin when it is the only remote', async () => {
    const world = await signedWorld();
    const ci = join(world.root, 'ci-upstream');
    git(world.root, ['clone', '-q', '--depth', '1', '--origin', 'upstream', world.url, ci]);
    configure(ci);
    const out = await world.check(ci);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stderr, /fetched signatures \(refs\/notes\/kmssig\) from upstream/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { both, CONFIG, contexts, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/** pre-push: what it signs, for which ref, how it publishes, and how it fails. */
describe('pre-push signs and publishes (moto, bare remote, real pushes)', () => {
  const { world } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');
  const head = async (w: HookWorld, repo: string) => (await w.gitOk(repo, ['rev-parse', 'HEAD'])).trim();

  it('six clones push different branches at the same moment: every push succeeds and no record is lost', async () => {
    const w = await world();
    const first = await head(w, a(w));
    const clones: { repo: string; branch: string; tip: string }[] = [];
    for (let i = 1; i <= 6; i++) {
      const repo = await w.clone(`p${i}`);
      const branch = `feature-${i}`;
      await w.gitOk(repo, ['checkout', '-q', '-b', branch]);
      clones.push({
        repo,
        branch,
        tip: await w.commit(repo, { 'dist/app.txt': `from ${i}\n`, [`dist/extra-${i}.txt`]: `${i}\n` }, `change ${i}`),
      });
    }
    const pushes = await Promise.all(clones.map((c) => w.git(c.repo, ['push', 'origin', c.branch])));
    pushes.forEach((p, i) => assert.equal(p.code, 0, `push ${i + 1} failed:\n${both(p)}`));

    for (const c of clones) {
      const records = await w.remoteRecords(c.tip);
      assert.deepEqual(
        contexts(records).map((x) => [x.commit, x.branch]),
        [[c.tip, c.branch]],
        `the record of ${c.branch} is on the remote`,
      );
      assert.equal((await w.gitOk(w.bare, ['rev-parse', `refs/heads/${c.branch}`])).trim(), c.tip);
    }
    assert.equal(contexts(await w.remoteRecords(first))[0]?.branch, 'main', 'the earlier record is still there');
    const listed = (await w.gitOk(w.bare, ['notes', '--ref=kmssig', 'list'])).trim().split('\n');
    assert.equal(listed.length, 7);

    // Any of them verifies in a clone that fetches everything.
    const v = await w.clone('verifier');
    for (const c of clones) {
      const check = await w.kmssig(v, ['check', '--rev', `origin/${c.branch}`, '--no-fetch']);
      assert.equal(check.code, 0, both(check));
    }
  });

  it('tags: a pushed tag (lightweight or annotated) is signed with tag in the context and no branch', async () => {
    const w = await world();
    const tip = await head(w, a(w));
    await w.gitOk(a(w), ['tag', 'v1.0.0']);
    await w.gitOk(a(w), ['tag', '-a', '-m', 'release 1.0.1', 'v1.0.1']);
    const push = await w.git(a(w), ['push', 'origin', 'v1.0.0', 'v1.0.1']);
    assert.equal(push.code, 0, both(push));
    const tagged = contexts(await w.remoteRecords(tip)).filter((c) => c.tag);
    assert.deepEqual(tagged.map((c) => c.tag).sort(), ['v1.0.0', 'v1.0.1']);
    for (const c of tagged) assert.equal(c.branch, undefined, 'a tag record names no branch');

    // A verifier that only trusts tags accepts them.
    const b = await w.clone('b');
    const check = await w.kmssig(b, ['check', '--rev', 'v1.0.1', '--ref', 'refs/tags/v*', '--no-fetch']);
    assert.equal(check.code, 0, both(check));
    assert.match(check.stdout, /v1\.0\.[01]/);
  });

  it('B commits its own release change without pushing: switching away and back passes and says it is local; after the push C verifies', async () => {
    const w = await world();
    const b = await w.clone('b');
    const c = await w.clone('c');
    const mine = await w.commit(b, { 'dist/app.txt': 'b work\n' }, 'b work');
    for (const args of [
      ['checkout', '-b', 'side'],
      ['checkout', 'main'],
    ]) {
      const r = await w.git(b, args);
      assert.equal(r.code, 0, both(r));
      assert.match(r.stderr, /kmssig: dist\/app\.txt: local, will be signed on push/);
      assert.doesNotMatch(both(r), /✖/);
    }
    assert.deepEqual(await w.remoteRecords(mine), [], 'nothing is signed before the push');

    const push = await w.git(b, ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.deepEqual(
      contexts(await w.remoteRecords(mine)).map((x) => [x.commit, x.branch, x.author]),
      [[mine, 'main', 'Test Author <author@example.com>']],
    );
    const back = await w.git(b, ['checkout', '-b', 'after-push']);
    assert.doesNotMatch(both(back), /local, will be signed/, 'once pushed, the change is no longer local');

    const pull = await w.git(c, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(both(pull), /✖|FAILED/);
    assert.equal(await head(w, c), mine);
    const check = await w.kmssig(c, ['check', '--worktree', '--no-fetch']);
    assert.equal(check.code, 0, both(check));
  });

  it('a push of three commits that each change a release file: each of them verifies, by check and by checkout', async () => {
    const w = await world();
    const commits: string[] = [];
    for (let i = 1; i <= 3; i++) commits.push(await w.commit(a(w), { 'dist/app.txt': `step ${i}\n` }, `step ${i}`));
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.match(push.stderr, /signed 3 commit/);

    const c = await w.clone('c');
    for (const commit of commits) {
      const check = await w.kmssig(c, ['check', '--rev', commit, '--no-fetch']);
      assert.equal(check.code, 0, `${commit}: ${both(check)}`);
      assert.match(check.stdout, new RegExp(`signature of ${commit.slice(0, 12)}`), 'verified against its own record');
    }
    for (const commit of [commits[0]!, commits[1]!, commits[2]!, commits[0]!]) {
      const r = await w.git(c, ['checkout', '-q', commit]);
      assert.equal(r.code, 0, `checkout ${commit}: ${both(r)}`);
      assert.doesNotMatch(both(r), /✖/);
    }
  });

  it('a push that itself carries refs/notes/kmssig: blocked when new records would be left behind, then the same push publishes them', async () => {
    const w = await world();
    const v2 = await w.commit(a(w), { 'dist/app.txt': 'v2\n' }, 'v2');
    const sign = await w.kmssig(a(w), ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const v3 = await w.commit(a(w), { 'dist/app.txt': 'v3\n' }, 'v3');
    const before = (await w.gitOk(w.bare, ['rev-parse', 'main'])).trim();

    const args = ['push', 'origin', 'main', 'refs/notes/kmssig'];
    const first = await w.git(a(w), args);
    assert.notEqual(first.code, 0, both(first));
    assert.match(
      first.stderr,
      /✖ kmssig: signed 1 commit\(s\), but this push already carries refs\/notes\/kmssig.*run the same push again/,
    );
    assert.equal((await w.gitOk(w.bare, ['rev-parse', 'main'])).trim(), before, 'main did not land without its signatures');

    const second = await w.git(a(w), args);
    assert.equal(second.code, 0, both(second));
    assert.equal((await w.gitOk(w.bare, ['rev-parse', 'main'])).trim(), v3);
    for (const commit of [v2, v3])
      assert.deepEqual(
        contexts(await w.remoteRecords(commit)).map((c) => c.commit),
        [commit],
      );
  });

  it('KMSSIG_SKIP=1 skips with a warning; an unreachable KMS blocks the push in one line; warn mode lets it through', async () => {
    const w = await world();
    const skipped = await w.commit(a(w), { 'dist/app.txt': 'skip\n' }, 'skip');
    const skip = await w.git(a(w), ['push', 'origin', 'main'], { env: { KMSSIG_SKIP: '1' } });
    assert.equal(skip.code, 0, both(skip));
    assert.match(skip.stderr, /⚠ kmssig: KMSSIG_SKIP=1 is set, pre-push skipped: release files were not signed/);
    assert.deepEqual(await w.remoteRecords(skipped), []);

    const dead = { AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9' };
    const blockedCommit = await w.commit(a(w), { 'dist/app.txt': 'blocked\n' }, 'blocked');
    const blocked = await w.git(a(w), ['push', 'origin', 'main'], { env: dead });
    assert.notEqual(blocked.code, 0, both(blocked));
    const kmssigLines = blocked.stderr.split('\n').filter((l) => /^[✖⚠ℹ]/.test(l));
    assert.equal(kmssigLines.length, 1, `one clear line:\n${blocked.stderr}`);
    assert.match(kmssigLines[0]!, /^✖ .*KMS .*failed.*127\.0\.0\.1:9.*AWS_ENDPOINT_URL_KMS/);
    assert.equal((await w.gitOk(w.bare, ['rev-parse', 'main'])).trim(), skipped, 'the branch did not move');

    const config = { ...CONFIG, hooks: { 'pre-push': 'warn' } };
    writeFileSync(join(a(w), '.kmssigrc'), JSON.stringify(config));
    const warnCommit = await w.commit(a(w), {}, 'warn mode');
    const warned = await w.git(a(w), ['push', 'origin', 'main'], { env: dead });
    assert.equal(warned.code, 0, both(warned));
    assert.match(warned.stderr, /✖ .*KMS .*failed/);
    assert.match(warned.stderr, /⚠ kmssig: pre-push is set to warn/);
    assert.equal((await w.gitOk(w.bare, ['rev-parse', 'main'])).trim(), warnCommit);
    assert.deepEqual(await w.remoteRecords(blockedCommit), []);
  });
});

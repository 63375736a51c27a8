import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKmsProxy, type KmsProxy } from '../helpers/proxy.js';
import { freePort } from '../helpers/moto.js';
import { both, CONFIG, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/**
 * Issue 13: kmssig adopted as a team would — pull requests merged by CI, the
 * README's own configuration, a KMS that fails or hangs, a review ref, a
 * checkout that converts line endings. Nothing may break git or raise an
 * alarm on honest work, and every failure says which hook, what and why.
 */
describe('hooks and check in a team (moto, bare remote, real clones)', () => {
  const { world, kms } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');
  const rev = async (w: HookWorld, cwd: string, name = 'HEAD') => (await w.gitOk(cwd, ['rev-parse', name])).trim();
  let proxy: KmsProxy;
  before(async () => {
    proxy = await startKmsProxy(kms().moto.endpoint);
  });
  after(async () => {
    await proxy?.close();
  });

  for (const newer of ['main', 'the pull request'] as const) {
    it(`CI's merge commit of a signed pull request passes when ${newer} has the later commit date`, async () => {
      const w = await world();
      // The pull request: a signed release change on a branch.
      const base = await rev(w, a(w));
      await w.gitOk(a(w), ['checkout', '-q', '-b', 'feature']);
      const dates = { main: '2026-11-02T12:00:00Z', pr: '2026-11-03T12:00:00Z' };
      const at = (date: string) => ({ env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
      await w.commit(a(w), { 'dist/app.txt': 'app v2\n' });
      await w.gitOk(a(w), ['commit', '-q', '--amend', '--no-edit'], at(newer === 'main' ? dates.main : dates.pr));
      await w.gitOk(a(w), ['push', '-q', 'origin', 'feature']);
      // Meanwhile main gets a newer signed commit that changes no release file.
      await w.gitOk(a(w), ['checkout', '-q', 'main']);
      await w.commit(a(w), { 'README.md': 'readme v2\n' });
      await w.gitOk(a(w), ['commit', '-q', '--amend', '--no-edit'], at(newer === 'main' ? dates.pr : dates.main));
      await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
      // CI checks out the merge of the pull request into main, as GitHub does.
      const ci = await w.clone('ci', { hooks: false });
      await w.gitOk(ci, ['checkout', '-q', '--detach', 'origin/main']);
      await w.gitOk(ci, ['merge', '-q', '--no-ff', '--no-edit', 'origin/feature']);
      assert.notEqual(await rev(w, ci), base);
      const check = await w.kmssig(ci, ['check', '--key', w.keyArn, '--context', 'repo=acme/app']);
      assert.equal(check.code, 0, both(check));
    });
  }

  it("the README's verify.refs: a feature branch passes for its author and teammates; a release ref still enforces it", async () => {
    const w = await world();
    const config = { ...CONFIG, verify: { refs: ['main', 'refs/tags/v*'] } };
    await w.commit(a(w), { '.kmssigrc': JSON.stringify(config) });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const b = await w.clone('b');
    await w.gitOk(a(w), ['checkout', '-q', '-b', 'feature']);
    await w.commit(a(w), { 'dist/app.txt': 'feature work\n' });
    const push = await w.git(a(w), ['push', 'origin', 'feature']);
    assert.equal(push.code, 0, both(push));
    assert.doesNotMatch(push.stderr, /will not count/);
    const own = await w.kmssig(a(w), ['check']);
    assert.equal(own.code, 0, both(own));
    await w.gitOk(b, ['fetch', '-q']);
    const teammate = await w.git(b, ['checkout', '-q', 'feature']);
    assert.equal(teammate.code, 0, both(teammate));
    assert.doesNotMatch(teammate.stderr, /✖|FAILED|do not build/);
    // Fast-forwarded onto main without a record for main: on the release ref the feature record does not count.
    const ci = await w.clone('ci', { hooks: false });
    await w.gitOk(ci, ['reset', '-q', '--hard', 'origin/feature']);
    const onMain = await w.kmssig(ci, ['check']);
    assert.equal(onMain.code, 1, both(onMain));
    assert.match(onMain.stderr, /not among the allowed refs/);
    // A release job pins the ref itself, whatever branch it is on.
    const pinned = await w.kmssig(a(w), ['check', '--ref', 'main']);
    assert.equal(pinned.code, 1, both(pinned));
  });

  it('pre-push says in one line when a record it made will not count under the policy', async () => {
    const w = await world();
    const other = 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000';
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, verify: { keys: [other] } }) });
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.match(
      push.stderr,
      /⚠ kmssig: the record just made for [0-9a-f]{12} \(refs\/heads\/main\) will not count .*not among the allowed keys/,
    );
  });

  it('a review ref (refs/for/main) signs nothing and says so', async () => {
    const w = await world();
    await w.commit(a(w), { 'dist/app.txt': 'for review\n' });
    const push = await w.git(a(w), ['push', 'origin', 'HEAD:refs/for/main']);
    assert.equal(push.code, 0, both(push));
    assert.match(push.stderr, /nothing signed for refs\/for\/main: it is neither a branch nor a tag/);
    assert.deepEqual(await w.remoteRecords(await rev(w, a(w))), []);
  });

  it('KMS unreachable in a verification hook: the hook, what was not verified and what to do, in its lines', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.commit(a(w), { 'dist/app.txt': 'v2\n' });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const dead = { AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${await freePort()}` };
    const pull = await w.git(b, ['pull', '-q'], { env: dead });
    assert.match(
      pull.stderr,
      /✖ kmssig post-merge: could not verify the release files here \(KMS Decrypt failed .*\): they are NOT verified; do not build or ship them until 'kmssig check' passes/,
    );
  });

  it('a KMS that hangs holds git no longer than the hook deadline', async () => {
    const w = await world();
    await w.commit(a(w), { 'dist/app.txt': 'v2\n' });
    proxy.setFault(() => ({ kind: 'delay', ms: 120_000 }));
    try {
      // The per-request timeout alone would wait a minute per attempt: the run's deadline ends it.
      const env = { AWS_ENDPOINT_URL_KMS: proxy.endpoint, KMSSIG_HOOK_TIMEOUT: '1', KMSSIG_KMS_TIMEOUT: '60' };
      const push = await w.git(a(w), ['push', 'origin', 'main'], { env });
      assert.notEqual(push.code, 0, both(push));
      assert.match(push.stderr, /✖ kmssig pre-push: could not sign the pushed commits \(.*no answer within the hook's deadline of 1 s/);
      assert.match(push.stderr, /nothing was pushed/);
    } finally {
      proxy.setFault(undefined);
    }
  });

  it('check --worktree with core.autocrlf=true names the conversion as the likely cause', async () => {
    const w = await world();
    await w.commit(a(w), { 'dist/notes.txt': 'line one\nline two\n' });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const c = await w.clone('crlf', { hooks: false });
    await w.gitOk(c, ['config', 'core.autocrlf', 'true']);
    writeFileSync(join(c, '.gitattributes'), '* text=auto\n');
    await w.gitOk(c, ['rm', '-q', '--cached', '-r', '.']);
    await w.gitOk(c, ['reset', '-q', '--hard']);
    const check = await w.kmssig(c, ['check', '--worktree', '--key', w.keyArn]);
    assert.equal(check.code, 1, both(check));
    assert.match(
      check.stderr,
      /git converts files when it checks them out here \(core\.autocrlf=true.*\): the converted line endings or filters are the likely cause/,
    );
  });
});

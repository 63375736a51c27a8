import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../helpers/moto.js';
import { both, CONFIG, createWorld, startKms, type HookWorld, type Kms } from '../helpers/hookWorld.js';

/**
 * A hook with nothing new to check returns without calling KMS (the decision
 * cache in .git/kmssig), and the cache never turns a changed state into a pass.
 */
describe('verification hooks: the decision cache (moto, real checkouts)', () => {
  let kms: Kms;
  let closed: NodeJS.ProcessEnv;
  const worlds: HookWorld[] = [];
  before(async () => {
    kms = await startKms();
    // A loopback port nobody listens on: any KMS call fails at once.
    closed = { AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${await freePort()}`, AWS_MAX_ATTEMPTS: '1' };
  });
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.cleanup();
  });
  after(async () => {
    await kms?.moto.stop();
  });
  const world = async () => {
    const w = await createWorld(kms);
    worlds.push(w);
    return w;
  };

  it('a no-op post-checkout (back to a verified commit) makes no KMS call', async (t) => {
    const w = await world();
    const b = await w.clone('b');
    const first = await w.git(b, ['checkout', '-q', '-b', 'side']);
    assert.equal(first.code, 0, both(first));
    assert.ok(existsSync(join(b, '.git', 'kmssig', 'decisions')), 'the pass was recorded in .git/kmssig');

    for (const branch of ['main', 'side', 'main']) {
      const r = await w.git(b, ['checkout', '-q', branch], { env: closed });
      assert.equal(r.code, 0, `checkout ${branch} with KMS unreachable: ${both(r)}`);
      assert.equal(both(r), '', 'a no-op says nothing');
    }

    // Control: without the caches the same checkout needs KMS, and fails closed.
    rmSync(join(b, '.git', 'kmssig'), { recursive: true });
    const uncached = await w.git(b, ['checkout', '-q', 'side'], { env: closed });
    assert.notEqual(uncached.code, 0, 'with no cache and no KMS the hook cannot pass');
    assert.match(uncached.stderr, /✖ .*KMS .*failed/);

    // Measured, never asserted: the wall time of a no-op post-checkout.
    const live = await w.git(b, ['checkout', '-q', 'main']);
    assert.equal(live.code, 0, both(live));
    const runs = 10;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const r = await w.git(b, ['checkout', '-q', i % 2 === 0 ? 'side' : 'main'], { env: closed });
      times.push(performance.now() - started);
      assert.equal(r.code, 0, both(r));
    }
    const hookOnly: number[] = [];
    const headNow = (await w.gitOk(b, ['rev-parse', 'HEAD'])).trim();
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const r = await w.kmssig(b, ['hook', 'post-checkout', headNow, headNow, '1'], { env: closed });
      hookOnly.push(performance.now() - started);
      assert.equal(r.code, 0, both(r));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!.toFixed(0);
    t.diagnostic(
      `no-op post-checkout: git checkout with the hook, median ${median(times)} ms; kmssig hook post-checkout alone, median ${median(hookOnly)} ms (${runs} runs each)`,
    );
  });

  it('a cached pass is keyed by the commit, whose tree holds the configuration, and by the pin', async () => {
    const w = await world();
    const b = await w.clone('b');
    assert.equal((await w.git(b, ['checkout', '-q', '-b', 'side'])).code, 0);
    assert.equal((await w.git(b, ['checkout', '-q', 'main'], { env: closed })).code, 0, 'cached');

    // An edit on disk is not the commit's configuration (DESIGN 3.4): the same commit, the same decision.
    writeFileSync(join(b, '.kmssigrc'), JSON.stringify({ ...CONFIG, files: ['dist/**', 'README.md'] }));
    assert.equal((await w.git(b, ['checkout', '-q', 'side'], { env: closed })).code, 0);
    await w.gitOk(b, ['checkout', '-q', '--', '.kmssigrc']);

    // A changed pin is a new state: the decision is made again. Pinning a context key the record lacks
    // makes that new decision a failure, which a cached pass would have hidden.
    await w.gitOk(b, ['config', '--add', 'kmssig.trust.requireContext', 'ticket']);
    const repinned = await w.git(b, ['checkout', '-q', 'main'], { env: closed });
    assert.notEqual(repinned.code, 0, both(repinned));
    assert.match(repinned.stderr, /context ticket is missing/);
    // Back to the pin that passed: the stored decision applies again, with no KMS call.
    await w.gitOk(b, ['config', '--unset', 'kmssig.trust.requireContext', 'ticket']);
    const restored = await w.git(b, ['checkout', '-q', 'side'], { env: closed });
    assert.equal(restored.code, 0, both(restored));
  });

  it('a cached pass does not cover a commit where a listed file or the configuration changed', async () => {
    const w = await world();
    const b = await w.clone('b');
    const c = await w.clone('c', { hooks: false });
    const signed = (await w.gitOk(b, ['rev-parse', 'HEAD'])).trim();
    assert.equal((await w.git(b, ['checkout', '-q', '-b', 'side'])).code, 0);

    const file = await w.commit(c, { 'dist/app.txt': 'changed, unsigned\n' }, 'unsigned file');
    const config = await w.commit(c, { '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dist/app.txt'] }) }, 'unsigned config');
    await w.gitOk(c, ['push', '-q', 'origin', 'main']);
    await w.gitOk(b, ['fetch', '-q', 'origin']);

    for (const [commit, named] of [
      [file, /dist\/app\.txt\s+modified since/],
      [config, /\.kmssigrc\s+modified since/],
    ] as const) {
      const r = await w.git(b, ['checkout', '-q', commit]);
      assert.notEqual(r.code, 0, `${commit}: ${both(r)}`);
      assert.match(both(r), named);
    }
    // The verified commit still passes from the caches (the record is known), without KMS.
    const back = await w.git(b, ['checkout', '-q', signed], { env: closed });
    assert.equal(back.code, 0, both(back));
    const decisions = readFileSync(join(b, '.git', 'kmssig', 'decisions'), 'utf8')
      .trim()
      .split('\n');
    assert.ok(decisions.length >= 1);
  });
  it('pre-push of commits already signed and published returns from its decision, and a new note or config undoes it', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.commit(b, { 'dist/app.txt': 'release 2\n' }, 'release 2');
    const push = await w.git(b, ['push', '-q', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    const head = (await w.gitOk(b, ['rev-parse', 'HEAD'])).trim();
    const input = `refs/heads/main ${head} refs/heads/main ${'0'.repeat(40)}\n`;
    const hook = (env: NodeJS.ProcessEnv = {}) => w.kmssig(b, ['hook', 'pre-push', 'origin', w.bare], { env, input });

    // The same ref list as the push that signed: known, so no KMS call and no git push.
    const first = await hook();
    assert.equal(first.code, 0, both(first));
    const cached = await hook(closed);
    assert.equal(cached.code, 0, both(cached));

    // Control: without the caches the same pre-push needs KMS (DescribeKey), and blocks.
    rmSync(join(b, '.git', 'kmssig'), { recursive: true });
    const uncached = await hook(closed);
    assert.notEqual(uncached.code, 0, both(uncached));
    const refilled = await hook();
    assert.equal(refilled.code, 0, both(refilled));

    // A configuration change is a new commit, so a new state: the decision no longer applies.
    await w.commit(b, { '.kmssigrc': JSON.stringify({ ...CONFIG, context: { repo: 'acme/other' } }) });
    const tip = (await w.gitOk(b, ['rev-parse', 'HEAD'])).trim();
    const changedInput = `refs/heads/main ${tip} refs/heads/main ${head}\n`;
    const changed = await w.kmssig(b, ['hook', 'pre-push', 'origin', w.bare], { env: closed, input: changedInput });
    assert.notEqual(changed.code, 0, 'a changed configuration must be signed again, which needs KMS');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseNote } from '../../src/core/record.js';
import { both, createWorld, startKms, type HookWorld, type Kms } from '../helpers/hookWorld.js';
import { runInProcess, useKmsEnv } from '../helpers/inProcess.js';

/**
 * Issue 8, concurrency: eight clones with the hooks installed (kmssig
 * install, the built CLI on PATH) push at the same moment to one remote,
 * twice in a row. Their pre-push hooks sign and race to publish
 * refs/notes/kmssig; every record of every round must be on the remote.
 */
const CLONES = 8;

describe('adversarial: eight clones pushing at once', () => {
  let kms: Kms;
  let w: HookWorld;
  const clones: { repo: string; branch: string; tips: string[] }[] = [];
  before(async () => {
    kms = await startKms();
    w = await createWorld(kms);
    useKmsEnv(kms.moto.env);
    for (let i = 0; i < CLONES; i++) {
      const repo = await w.clone(`c${i}`);
      const branch = `work-${i}`;
      await w.gitOk(repo, ['checkout', '-q', '-b', branch]);
      clones.push({ repo, branch, tips: [] });
    }
  });
  after(async () => {
    await w?.cleanup();
    await kms?.moto.stop();
  });

  /** The records on the remote's refs/notes/kmssig: commit -> branches signed for it. */
  async function remoteSignatures(): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    const listed = (await w.gitOk(w.bare, ['notes', '--ref=kmssig', 'list'])).split('\n').filter(Boolean);
    for (const entry of listed) {
      const commit = entry.split(' ')[1]!;
      const note = await w.gitOk(w.bare, ['notes', '--ref=kmssig', 'show', commit]);
      const parsed = parseNote(note);
      assert.ok(
        parsed.every((p) => p.ok),
        `an unreadable line on the remote: ${note}`,
      );
      result.set(
        commit,
        parsed.map((p) => (p.ok ? p.record.context.branch! : '')),
      );
    }
    return result;
  }

  for (const round of [1, 2]) {
    it(`round ${round}: all ${CLONES} pushes succeed and all ${CLONES * round} records are on the remote`, async () => {
      for (const [i, c] of clones.entries())
        c.tips.push(await w.commit(c.repo, { [`dist/part-${i}.txt`]: `clone ${i}, round ${round}\n` }, `round ${round} of clone ${i}`));
      const pushes = await Promise.all(clones.map((c) => w.git(c.repo, ['push', '-q', 'origin', c.branch])));
      pushes.forEach((p, i) => assert.equal(p.code, 0, `the push of clone ${i} failed:\n${both(p)}`));

      const signatures = await remoteSignatures();
      for (const c of clones) {
        for (const tip of c.tips)
          assert.deepEqual(signatures.get(tip), [c.branch], `the record of ${c.branch} at ${tip.slice(0, 12)} is on the remote`);
        assert.equal((await w.gitOk(w.bare, ['rev-parse', `refs/heads/${c.branch}`])).trim(), c.tips.at(-1));
      }
      const records = [...signatures.values()].flat().length;
      assert.equal(records, 1 + CLONES * round, 'the first release and one record per pushed commit, no more, none lost');
    });
  }

  it('a fresh clone verifies every pushed branch with the notes it fetched', async () => {
    const v = await w.clone('verifier');
    for (const c of clones) {
      const check = await runInProcess(['check', '--rev', `origin/${c.branch}`, '--no-fetch', '--no-cache'], { cwd: v, env: w.env });
      assert.equal(check.code, 0, both(check));
    }
  });
});

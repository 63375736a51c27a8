import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCreation } from '../../../src/core/reflogCreation.js';

describe('isCreation (reflog subjects of commits this clone made, as git 2.39 writes them)', () => {
  it('committing, amending, merging, rebasing, cherry-picking and reverting made a commit here', () => {
    for (const subject of [
      'commit: add the release',
      'commit (initial): first',
      'commit (amend): reworded',
      'commit (merge): Merge branch feature',
      "merge feature: Merge made by the 'ort' strategy.",
      "pull: Merge made by the 'ort' strategy.",
      "pull origin main: Merge made by the 'ort' strategy.",
      'rebase (pick): my change',
      'rebase -i (pick): my change',
      'rebase (squash): squashed',
      'rebase (fixup): fixed',
      'rebase (reword): reworded',
      'rebase (continue): resolved',
      'pull --rebase (pick): my change',
      'cherry-pick: picked',
      'revert: Revert "x"',
    ]) {
      assert.equal(isCreation(subject), true, subject);
    }
  });

  it('moving to a commit made elsewhere is not', () => {
    for (const subject of [
      'pull: Fast-forward',
      'pull -q origin topic: Fast-forward',
      'pull --rebase origin topic: Fast-forward',
      'merge origin/main: Fast-forward',
      // `git cherry-pick --ff FETCH_HEAD` and a pick the sequencer could skip (git 2.39, sequencer.c fast_forward_to): no new commit.
      'cherry-pick: fast-forward',
      'rebase: fast-forward',
      'revert: fast-forward',
      'checkout: moving from main to FETCH_HEAD',
      'reset: moving to FETCH_HEAD',
      'clone: from /tmp/remote.git',
      'rebase (start): checkout origin/main',
      'rebase (finish): returning to refs/heads/main',
      'branch: Created from HEAD',
      'update by push',
      'fetch: fast-forward',
      'am: a patch someone mailed',
    ]) {
      assert.equal(isCreation(subject), false, subject);
    }
  });
});

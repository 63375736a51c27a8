import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFiles, git, initRepo } from '../helpers/git.js';
import {
  CONFIG,
  both,
  committedDigests,
  craftRecord,
  head,
  noteLines,
  setNote,
  sha512hex,
  startRecordsWorld,
  type RecordsWorld,
} from '../helpers/records.js';

interface JsonReport {
  result: string;
  signed: unknown;
  rejected: { commit: string; reason: string }[];
  files: { path: string; state: string }[];
}

describe('bad records and bad input', () => {
  let world: RecordsWorld;
  /** A signed release: its genuine record line is the starting point of every corruption. */
  let repo: string;
  let commit: string;
  let genuine: string;
  before(async () => {
    world = await startRecordsWorld();
    repo = world.repo({ files: { 'dist/app.bin': 'app', 'dist/lib.bin': 'lib' } });
    commit = head(repo);
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    genuine = noteLines(repo)[0]!;
    assert.ok(genuine);
  });
  after(async () => {
    await world?.cleanup();
  });

  const mutated = (change: (record: Record<string, any>) => void) => {
    const record = JSON.parse(genuine);
    change(record);
    return JSON.stringify(record);
  };

  /** Puts exactly these lines on the signed commit and runs check there (JSON report). */
  async function checkWith(lines: string[], target = repo): Promise<{ code: number; report: JsonReport; output: string }> {
    setNote(target, head(target), lines);
    const res = await world.kmssig(target, ['check', '--no-cache', '--format', 'json']);
    return { code: res.code, report: JSON.parse(res.stdout), output: both(res) };
  }

  function assertRejected(result: Awaited<ReturnType<typeof checkWith>>, reason: RegExp) {
    assert.equal(result.code, 1, result.output);
    assert.equal(result.report.result, 'fail');
    assert.equal(result.report.signed, null, 'an invalid record never counts');
    assert.ok(
      result.report.rejected.some((r) => r.commit === commit && reason.test(r.reason)),
      `expected a rejection matching ${reason}: ${JSON.stringify(result.report.rejected)}`,
    );
    assert.ok(result.report.files.every((f) => f.state === 'unsigned'));
  }

  it('the genuine record passes (the corruptions below start from it)', async () => {
    const res = await checkWith([genuine]);
    assert.equal(res.code, 0, res.output);
    assert.equal(res.report.result, 'pass');
  });

  it('a note line that is not JSON is reported and does not count', async () => {
    assertRejected(await checkWith([genuine.slice(0, -5)]), /not JSON/);
  });

  it('a record with a missing field is reported and does not count', async () => {
    assertRejected(await checkWith([mutated((r) => delete r.signedAt)]), /missing field signedAt/);
    assertRejected(await checkWith([mutated((r) => delete r.files)]), /missing field files/);
  });

  it('a record with an extra field in the signed part is reported and does not count', async () => {
    assertRejected(await checkWith([mutated((r) => (r.policy = 'none'))]), /unknown field "policy"/);
  });

  it('a record with an unknown v is reported and does not count', async () => {
    // The genuine record is version 2 (issue 24): 3 is the next unknown one.
    assertRejected(await checkWith([mutated((r) => (r.v = 3))]), /unsupported version 3/);
    assertRejected(await checkWith([mutated((r) => (r.v = '2'))]), /unsupported version "2"/);
  });

  it('a record with an unknown alg is reported and does not count', async () => {
    assertRejected(await checkWith([mutated((r) => (r.alg = 'HMAC_SHA_512'))]), /unknown alg "HMAC_SHA_512"/);
  });

  it('a record whose sig is not base64 is reported and does not count', async () => {
    assertRejected(await checkWith([mutated((r) => (r.sig = `${r.sig.slice(0, -4)}*#!?`))]), /sig is not base64/);
  });

  it('a corrupt line beside a valid record is reported, and the valid record still counts', async () => {
    const res = await checkWith(['{not json', genuine]);
    assert.equal(res.code, 0, res.output);
    assert.equal(res.report.result, 'pass');
    assert.ok(
      res.report.rejected.some((r) => /not JSON/.test(r.reason)),
      JSON.stringify(res.report.rejected),
    );
    const human = await world.kmssig(repo, ['check', '--no-cache']);
    assert.equal(human.code, 0);
    assert.match(human.stderr, /did not count: unreadable record: not JSON/);
  });

  it('a forged digest (edited in the JSON, signature kept) is invalid', async () => {
    // The attacker ships other content and edits the digest to match it.
    const forged = mutated((r) => (r.files['dist/app.bin'] = { mode: '100644', sha512: sha512hex('evil') }));
    assertRejected(await checkWith([forged]), /corrupt|does not match|modified/);
    // ...and the forged record does not make a descendant with that content pass either.
    setNote(repo, commit, [forged]);
    commitFiles(repo, { 'dist/app.bin': 'evil' }, 'ship the evil build');
    try {
      const res = await world.kmssig(repo, ['check', '--no-cache', '--format', 'json']);
      assert.equal(res.code, 1, both(res));
      const report = JSON.parse(res.stdout) as JsonReport;
      assert.equal(report.signed, null);
      assert.ok(
        report.rejected.some((r) => r.commit === commit),
        JSON.stringify(report.rejected),
      );
      assert.ok(
        report.files.every((f) => f.state === 'unsigned'),
        JSON.stringify(report.files),
      );
    } finally {
      git(repo, ['reset', '-q', '--hard', commit]);
      setNote(repo, commit, [genuine]);
    }
  });

  it('a record copied onto another commit with the same files is not valid there', async () => {
    // Another branch whose tip has exactly the signed files, but is another commit.
    git(repo, ['checkout', '-q', '--orphan', 'copy']);
    commitFiles(repo, {}, 'same files, another commit');
    const other = head(repo);
    assert.notEqual(other, commit);
    try {
      setNote(repo, other, [genuine]);
      const copied = await world.kmssig(repo, ['check', '--no-cache', '--format', 'json']);
      assert.equal(copied.code, 1, both(copied));
      const report = JSON.parse(copied.stdout) as JsonReport;
      assert.equal(report.signed, null);
      assert.ok(
        report.rejected.some((r) => r.commit === other && /another commit|not this one/.test(r.reason)),
        JSON.stringify(report.rejected),
      );

      // Rewriting context.commit to the new commit breaks the signature instead.
      setNote(repo, other, [mutated((r) => (r.context.commit = other))]);
      const rewritten = await world.kmssig(repo, ['check', '--no-cache', '--format', 'json']);
      assert.equal(rewritten.code, 1, both(rewritten));
      assert.equal(JSON.parse(rewritten.stdout).signed, null);
    } finally {
      git(repo, ['checkout', '-q', 'main']);
    }
  });

  it('a record naming a key that does not exist does not hide a valid record beside it; alone, it never passes', async () => {
    const bogus = mutated((r) => {
      r.keyId = 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000';
      r.signedAt = '2030-01-01T00:00:00Z';
    });
    const beside = await checkWith([bogus, genuine]);
    assert.equal(beside.code, 0, beside.output);
    assert.equal(beside.report.result, 'pass');

    setNote(repo, commit, [bogus]);
    const alone = await world.kmssig(repo, ['check', '--no-cache']);
    assert.ok(alone.code === 1 || alone.code === 3, `exit ${alone.code}: ${both(alone)}`);
    assert.doesNotMatch(alone.stdout, /✔/);
    setNote(repo, commit, [genuine]);
  });

  it("a record with a '..' path or an absolute path is rejected, even with a genuine signature", async () => {
    const files = committedDigests(repo, commit, ['.kmssigrc', 'dist/app.bin', 'dist/lib.bin']);
    const context = { commit, branch: 'main', author: 'Test Author <author@example.com>', repo: 'acme/app' };
    for (const [bad, reason] of [
      ['../outside.bin', /"\.\.\/outside\.bin": contains '\.\.'/],
      ['dist/../../outside.bin', /contains '\.\.'/],
      ['/etc/passwd', /"\/etc\/passwd": absolute path/],
    ] as const) {
      const record = await craftRecord(world.moto.endpoint, world.keyArn, { context, files: { ...files, [bad]: sha512hex('x') } });
      assertRejected(await checkWith([JSON.stringify(record)]), reason);
    }
    setNote(repo, commit, [genuine]);
  });

  it('a configuration with no files is exit 2, naming the key', async () => {
    const bad = world.repo({ config: { keyId: 'alias/release' }, files: { 'dist/app.bin': 'app' } });
    const res = await world.kmssig(bad, ['check']);
    assert.equal(res.code, 2, both(res));
    assert.match(res.stderr, /invalid configuration in \.kmssigrc: files: /);
    const sign = await world.kmssig(bad, ['sign']);
    assert.equal(sign.code, 2, both(sign));
  });

  it('an unknown configuration key is exit 2, naming it (top level and nested)', async () => {
    const top = world.repo({ config: { ...CONFIG, verfy: { keys: [] } }, files: { 'dist/app.bin': 'app' } });
    const res = await world.kmssig(top, ['check']);
    assert.equal(res.code, 2, both(res));
    assert.match(res.stderr, /\.kmssigrc: verfy: unknown key/);

    const nested = world.repo({
      config: { ...CONFIG, verify: { key: ['arn:aws:kms:us-east-1:123456789012:key/x'] } },
      files: { 'dist/app.bin': 'app' },
    });
    const res2 = await world.kmssig(nested, ['check']);
    assert.equal(res2.code, 2, both(res2));
    assert.match(res2.stderr, /verify\.key: unknown key/);
  });

  it('a configuration value out of range is exit 2, naming the key and the allowed values', async () => {
    const bad = world.repo({ config: { ...CONFIG, hooks: { 'post-merge': 'sometimes' } }, files: { 'dist/app.bin': 'app' } });
    const res = await world.kmssig(bad, ['check']);
    assert.equal(res.code, 2, both(res));
    assert.match(res.stderr, /hooks\.post-merge: allowed values: "block", "warn", "off"/);
  });

  it('a configuration that does not parse is exit 2, naming the file', async () => {
    const bad = world.repo({ config: '{"files": ["dist/**"]', configFile: '.kmssigrc.json', files: { 'dist/app.bin': 'app' } });
    const res = await world.kmssig(bad, ['check']);
    assert.equal(res.code, 2, both(res));
    assert.match(res.stderr, /\.kmssigrc\.json/);
  });

  it('a revision that does not exist is exit 2', async () => {
    for (const command of [
      ['check', '--rev', 'no-such-branch'],
      ['sign', '--rev', 'no-such-branch'],
      ['log', 'no-such-branch'],
    ]) {
      const res = await world.kmssig(repo, command);
      assert.equal(res.code, 2, `${command.join(' ')}: ${both(res)}`);
      assert.match(res.stderr, /revision "no-such-branch" does not exist/);
    }
  });

  it('a repository with no commits is exit 2', async () => {
    const empty = initRepo(join(world.dir(), 'empty'));
    writeFileSync(join(empty, '.kmssigrc'), JSON.stringify(CONFIG));
    for (const command of [['check'], ['sign'], ['check', '--worktree']]) {
      const res = await world.kmssig(empty, command);
      assert.equal(res.code, 2, `${command.join(' ')}: ${both(res)}`);
      assert.match(res.stderr, /no commits yet/);
    }
  });

  it('running outside a git repository is exit 2', async () => {
    const outside = join(world.dir(), 'plain');
    mkdirSync(outside);
    writeFileSync(join(outside, '.kmssigrc'), JSON.stringify(CONFIG));
    for (const command of [['check'], ['sign'], ['log']]) {
      const res = await world.kmssig(outside, command, { GIT_CEILING_DIRECTORIES: join(outside, '..') });
      assert.equal(res.code, 2, `${command.join(' ')}: ${both(res)}`);
      assert.match(res.stderr, /not inside a git repository/);
    }
  });

  it('signatures but no configuration: check fails (exit 1), post-checkout fails', async () => {
    const removed = world.repo({ files: { 'dist/app.bin': 'app' } });
    const signed = head(removed);
    assert.equal((await world.kmssig(removed, ['sign'])).code, 0);
    git(removed, ['rm', '-q', '.kmssigrc']);
    git(removed, ['commit', '-q', '-m', 'drop the configuration']);
    const tip = head(removed);

    const check = await world.kmssig(removed, ['check']);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stderr, /^✖ commit [0-9a-f]{12} has kmssig signatures among its ancestors but no configuration/m);

    const hook = await world.kmssig(removed, ['hook', 'post-checkout', signed, tip, '1']);
    assert.notEqual(hook.code, 0, both(hook));
    assert.match(hook.stderr, /signatures among its ancestors but no configuration/);

    // Control: the same history without any signature is quiet (history from before kmssig).
    const plain = initRepo(join(world.dir(), 'plain-history'));
    const first = commitFiles(plain, { 'dist/app.bin': 'app' });
    const second = commitFiles(plain, { 'dist/app.bin': 'app 2' });
    const quiet = await world.kmssig(plain, ['hook', 'post-checkout', first, second, '1']);
    assert.equal(quiet.code, 0, both(quiet));
  });
});

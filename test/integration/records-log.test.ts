import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { commitFiles } from '../helpers/git.js';
import { CONFIG, both, head, noteLines, setNote, short, startRecordsWorld, type RecordsWorld } from '../helpers/records.js';

describe('kmssig log', () => {
  let world: RecordsWorld;
  before(async () => {
    world = await startRecordsWorld();
  });
  after(async () => {
    await world?.cleanup();
  });

  /** A record with the genuine record's shape and claims of its own, and a signature nobody made. */
  function forged(genuine: string, claims: { branch?: string; author?: string; keyId?: string }): string {
    const record = JSON.parse(genuine);
    if (claims.branch) record.context.branch = claims.branch;
    if (claims.author) record.context.author = claims.author;
    if (claims.keyId) record.keyId = claims.keyId;
    record.sig = randomBytes(180).toString('base64');
    record.signedAt = '2030-01-01T00:00:00Z';
    return JSON.stringify(record);
  }

  it('shows who signed, which key, which ref, when and how many files for a verified record', async () => {
    const repo = world.repo({ files: { 'dist/a.bin': 'a', 'dist/b.bin': 'b' } });
    const signed = head(repo);
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    const { signedAt } = JSON.parse(noteLines(repo)[0]!);
    const log = await world.kmssig(repo, ['log']);
    assert.equal(log.code, 0, both(log));
    assert.match(log.stdout, new RegExp(`commit ${signed}: 1 record\\(s\\)`));
    const line = log.stdout.split('\n').find((l) => l.includes('✔ verified'))!;
    assert.ok(line, log.stdout);
    for (const fact of ['3 file(s)', 'refs/heads/main', 'Test Author <author@example.com>', world.keyArn, 'SYMMETRIC_DEFAULT', signedAt]) {
      assert.ok(line.includes(fact), `${fact} missing from: ${line}`);
    }

    // On a later unsigned commit, log names the nearest signed ancestor.
    const tip = commitFiles(repo, { 'dist/a.bin': 'changed' });
    const later = await world.kmssig(repo, ['log']);
    assert.equal(later.code, 0, both(later));
    assert.match(later.stdout, new RegExp(`commit ${signed} \\(nearest signed ancestor of ${short(tip)}\\)`));
    assert.equal((await world.kmssig(repo, ['log', signed])).code, 0);
  });

  it('never shows the claims of a record that did not verify', async () => {
    const repo = world.repo({ config: { ...CONFIG, verify: { refs: ['main', 'evil-*'] } }, files: { 'dist/a.bin': 'a' } });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    const [genuine] = noteLines(repo);
    const mallory = 'Mallory Forger <mallory@evil.example>';
    const lines = [
      genuine!,
      // Passes the policy, fails the signature.
      forged(genuine!, { branch: 'evil-release', author: mallory }),
      // Fails the policy (ref), so it never reaches KMS.
      forged(genuine!, { branch: 'sneaky-branch', author: mallory }),
      // Fails the policy (commit).
      JSON.stringify({
        ...JSON.parse(forged(genuine!, { author: mallory })),
        context: { ...JSON.parse(genuine!).context, commit: 'f'.repeat(40), author: mallory },
      }),
    ];
    setNote(repo, 'HEAD', lines);

    const log = await world.kmssig(repo, ['log']);
    const output = both(log);
    assert.equal(log.code, 0, output);
    assert.match(output, /4 record\(s\)/);
    assert.equal(output.match(/✔ verified/g)?.length, 1, output);
    assert.equal(output.match(/✖ not valid/g)?.length, 3, output);
    for (const claim of ['Mallory', 'mallory@evil.example', 'evil-release', 'sneaky-branch', 'f'.repeat(12), '2030-01-01']) {
      assert.ok(!output.includes(claim), `log shows the unverified claim ${claim}:\n${output}`);
    }

    // check never shows who an unverified record claims signed it.
    const check = await world.kmssig(repo, ['check', '--no-cache']);
    assert.equal(check.code, 0, both(check));
    for (const claim of ['Mallory', 'mallory@evil.example', '2030-01-01']) {
      assert.ok(!both(check).includes(claim), `check shows the unverified claim ${claim}:\n${both(check)}`);
    }

    // Only forged records: log fails, and still shows no claim.
    setNote(repo, 'HEAD', lines.slice(1));
    const none = await world.kmssig(repo, ['log']);
    assert.equal(none.code, 1, both(none));
    assert.ok(!both(none).includes('Mallory'));
    assert.doesNotMatch(none.stdout, /✔ verified/);
  });

  it('reports unreadable records without failing when a valid one is there', async () => {
    const repo = world.repo({ files: { 'dist/a.bin': 'a' } });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    setNote(repo, 'HEAD', [...noteLines(repo), '{"v":1,"alg":"SYMMETRIC_DEFAULT"}']);
    const log = await world.kmssig(repo, ['log']);
    assert.equal(log.code, 0, both(log));
    assert.match(log.stdout, /✖ unreadable record: missing field/);
    assert.match(log.stdout, /✔ verified/);
  });

  it('says so when nothing is signed', async () => {
    const repo = world.repo({ files: { 'dist/a.bin': 'a' } });
    const log = await world.kmssig(repo, ['log']);
    assert.equal(log.code, 1, both(log));
    assert.match(log.stdout, new RegExp(`no signature records on ${short(head(repo))}`));
  });
});

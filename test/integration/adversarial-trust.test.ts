import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createKey, publicKeyPem } from '../helpers/kms.js';
import { freePort } from '../helpers/moto.js';
import { both, CONFIG, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/**
 * Issue 11, DESIGN 3.4: the repository being verified never decides how it
 * is verified. The attacker clone `x` can push anything (with --no-verify,
 * and no kmssig hooks of its own) but never signs. Every route ends in a
 * failing `check` and a banner on the teammate's pull; a marker file shows
 * that no code from the repository ran. And the honest team changes its
 * policy through a signed commit without a false alarm anywhere.
 */
describe('adversarial: trust (configuration, policy, caches, output)', () => {
  const { world, kms } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');
  const strict = (w: HookWorld, cwd: string, extra: string[] = []) =>
    w.kmssig(cwd, ['check', '--key', w.keyArn, '--ref', 'main', '--context', 'repo=acme/app', ...extra]);

  /** The attacker: a clone without hooks that pushes with --no-verify. */
  async function attack(w: HookWorld, files: Record<string, string>, remove: string[] = []): Promise<string> {
    const x = existsSync(join(w.root, 'x')) ? join(w.root, 'x') : await w.clone('x', { hooks: false });
    await w.gitOk(x, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    for (const path of remove) await w.gitOk(x, ['rm', '-q', path]);
    const commit = await w.commit(x, files, 'attack');
    await w.gitOk(x, ['push', '-q', '--no-verify', 'origin', 'main']);
    return commit;
  }

  it('a JavaScript configuration never runs: check refuses it (exit 2) and the pull shows the banner', async () => {
    const w = await world();
    const b = await w.clone('b');
    const marker = join(w.root, 'ran');
    const code = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); process.exit(0); module.exports = { files: ['nothing'] };`;
    await attack(w, { '.kmssigrc.cjs': code, 'dist/app.txt': 'evil\n' }, ['.kmssigrc']);
    const pull = await w.git(b, ['pull', '-q']);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    assert.match(pull.stderr, /\.kmssigrc\.cjs in commit [0-9a-f]{12} is refused: kmssig reads its configuration as data only/);
    const check = await strict(w, b);
    assert.equal(check.code, 2, both(check));
    assert.match(check.stderr, /\.kmssigrc\.cjs .* is refused/);
    assert.equal(existsSync(marker), false, 'code from the repository ran');
  });

  it('$import and meta configuration are refused the same way', async () => {
    const w = await world();
    const b = await w.clone('b');
    await attack(w, {
      '.kmssigrc': JSON.stringify({ $import: 'policy.json', files: ['dist/**'] }),
      'policy.json': '{"keyId":"alias/other"}',
      'dist/app.txt': 'evil\n',
    });
    const pull = await w.git(b, ['pull', '-q']);
    assert.match(pull.stderr, /uses \$import, which kmssig refuses/);
    assert.equal((await strict(w, b)).code, 2);
    await attack(w, {
      '.kmssigrc': JSON.stringify(CONFIG),
      '.config/config.json': JSON.stringify({ cosmiconfig: { searchPlaces: ['evil.json'] } }),
    });
    await w.gitOk(b, ['fetch', '-q']);
    const again = await strict(w, b, ['--rev', 'origin/main']);
    assert.equal(again.code, 2, both(again));
    assert.match(again.stderr, /configures cosmiconfig, which kmssig refuses/);
  });

  it('an unsigned configuration that turns the hooks off or to warn changes nothing: banner, exit 1', async () => {
    const w = await world();
    const b = await w.clone('b');
    const hooks = { 'post-merge': 'off', 'post-checkout': 'warn', 'post-rewrite': 'off', 'pre-push': 'off' };
    await attack(w, { '.kmssigrc': JSON.stringify({ ...CONFIG, hooks }), 'dist/app.txt': 'evil\n' });
    const pull = await w.git(b, ['pull']);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    assert.match(pull.stderr, /dist\/app\.txt/);
    assert.doesNotMatch(pull.stderr, /set to warn/);
    const check = await strict(w, b);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stdout, /\.kmssigrc\s+modified since/);
  });

  it("another repository's genuine history does not replay: the pinned context stops it in check and in hooks", async () => {
    const w = await world();
    const b = await w.clone('b');
    // Another repository signed with the same key, its own context.
    const other = await w.clone('other', { hooks: false });
    await w.gitOk(other, ['checkout', '-q', '--orphan', 'elsewhere']);
    await w.gitOk(other, ['rm', '-rqf', '.']);
    await w.commit(other, { '.kmssigrc': JSON.stringify({ ...CONFIG, context: { repo: 'acme/other' } }), 'dist/app.txt': 'other\n' });
    const sign = await w.kmssig(other, ['sign', '--ref', 'main']);
    assert.equal(sign.code, 0, both(sign));
    // The attacker force-pushes that history and its notes over main.
    await w.gitOk(other, ['push', '-q', '--no-verify', '--force', 'origin', 'elsewhere:main', '+refs/notes/kmssig:refs/notes/kmssig']);
    const pull = await w.git(b, ['pull', '-q', '--no-rebase', '--allow-unrelated-histories', '-X', 'theirs']);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION|context repo is not "acme\/app"/, both(pull));
    const c = await w.kmssig(b, ['check', '--rev', 'origin/main', '--key', w.keyArn, '--ref', 'main', '--context', 'repo=acme/app']);
    assert.equal(c.code, 1, both(c));
    assert.match(c.stderr, /context repo is not "acme\/app"/);
    // Without a pinned context the genuine foreign record would count: that is what the pin is for.
    const unpinned = await w.kmssig(b, ['check', '--rev', 'origin/main', '--key', w.keyArn, '--context', 'repo=acme/other']);
    assert.equal(unpinned.code, 0, both(unpinned));
  });

  it('configuration comes from the commit verified: a signed tag still passes after a later rename of .kmssigrc', async () => {
    const w = await world();
    await w.gitOk(a(w), ['tag', 'v1']);
    const tag = await w.git(a(w), ['push', '-q', 'origin', 'v1']);
    assert.equal(tag.code, 0, both(tag));
    await w.gitOk(a(w), ['mv', '.kmssigrc', '.kmssigrc.json']);
    await w.gitOk(a(w), ['commit', '-q', '--no-verify', '-m', 'rename the configuration']);
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const atTag = await w.kmssig(a(w), ['check', '--rev', 'v1', '--key', w.keyArn]);
    assert.equal(atTag.code, 0, both(atTag));
    assert.equal((await w.kmssig(a(w), ['check', '--key', w.keyArn])).code, 0);
  });

  it("pre-push signs a branch that is not checked out with that branch's own configuration", async () => {
    const w = await world();
    await w.gitOk(a(w), ['checkout', '-q', '-b', 'feature']);
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dist/**', 'docs/**'] }), 'docs/x.md': 'x\n' });
    await w.gitOk(a(w), ['checkout', '-q', 'main']);
    const push = await w.git(a(w), ['push', 'origin', 'feature']);
    assert.equal(push.code, 0, both(push));
    const tip = (await w.gitOk(a(w), ['rev-parse', 'feature'])).trim();
    const [record] = await w.remoteRecords(tip);
    assert.ok(record, 'feature was not signed');
    assert.deepEqual(Object.keys(record.files as object).sort(), ['.kmssigrc', 'dist/app.txt', 'docs/x.md']);
  });

  it('the set of release files follows from the tree, not from a clone’s core.hooksPath', async () => {
    const w = await world();
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, hooks: { dir: '.githooks' } }), '.githooks/notes.txt': 'x\n' });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const plain = await w.clone('plain', { hooks: false });
    const withPath = await w.clone('withpath', { hooks: false });
    await w.gitOk(withPath, ['config', 'core.hooksPath', 'elsewhere']);
    const listed = async (cwd: string) => JSON.parse((await w.kmssig(cwd, ['check', '--format', 'json', '--key', w.keyArn])).stdout).files;
    assert.deepEqual(await listed(plain), await listed(withPath));
    assert.ok((await listed(plain)).some((f: { path: string }) => f.path === '.githooks/notes.txt'));
  });

  it('check reads and writes no cache unless --cache: KMS unreachable is exit 3 every time', async () => {
    const w = await world();
    const c = await w.clone('c', { hooks: false });
    assert.equal((await strict(w, c)).code, 0);
    assert.equal((await strict(w, c)).code, 0);
    const dead = { AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${await freePort()}`, KMSSIG_KMS_TIMEOUT: '2' };
    for (let i = 0; i < 2; i++) {
      const down = await w.kmssig(c, ['check', '--key', w.keyArn, '--context', 'repo=acme/app'], { env: dead });
      assert.equal(down.code, 3, both(down));
    }
    assert.equal(existsSync(join(c, '.git', 'kmssig', 'verified')), false, 'check wrote a cache');
    // Asked for, the cache is used: what this machine verified before passes without KMS.
    assert.equal((await strict(w, c, ['--cache'])).code, 0);
    const cached = await w.kmssig(c, ['check', '--cache', '--key', w.keyArn, '--context', 'repo=acme/app'], { env: dead });
    assert.equal(cached.code, 0, both(cached));
  });

  it('output labels signedAt as unsigned and names the author as the commit’s, not the signer', async () => {
    const w = await world();
    const c = await w.kmssig(a(w), ['check', '--key', w.keyArn]);
    assert.match(
      c.stdout,
      /commit by Test Author <author@example\.com>, signed with arn:aws:kms:[^ ]+ \(SYMMETRIC_DEFAULT\); signedAt \S+ \(unsigned\)/,
    );
    assert.doesNotMatch(c.stdout, /signed by/);
    const log = await w.kmssig(a(w), ['log']);
    assert.match(log.stdout, /commit by Test Author .*signedAt \S+ \(unsigned\)/);
  });

  it('an honest team changes its policy through a signed commit: it takes effect, no false alarm anywhere', async () => {
    const w = await world();
    const b = await w.clone('b');
    // A new key joins; the configuration change that allows it is signed with the old key.
    const next = await createKey(kms().moto.endpoint, { alias: 'alias/next' });
    await w.commit(a(w), {
      '.kmssigrc': JSON.stringify({ ...CONFIG, verify: { keys: [w.keyArn, next] }, hooks: { 'post-merge': 'warn' } }),
    });
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    const pull = await w.git(b, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(pull.stderr, /✖|FAILED/);
    // B's pin follows through the explicit command, which accepts only a verified configuration.
    const trust = await w.kmssig(b, ['trust', '--update']);
    assert.equal(trust.code, 0, both(trust));
    assert.match(trust.stdout, new RegExp(`keys: +${w.keyArn}, ${next}`));
    // Then releases signed with the new key verify on B without a word.
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, keyId: 'alias/next', verify: { keys: [w.keyArn, next] } }) });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    await w.commit(a(w), { 'dist/app.txt': 'app v2\n' });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const pull2 = await w.git(b, ['pull']);
    assert.equal(pull2.code, 0, both(pull2));
    assert.doesNotMatch(pull2.stderr, /✖|FAILED/);
    // An unsigned change that widens the keys is no way to get the pin updated.
    await attack(w, { '.kmssigrc': JSON.stringify({ ...CONFIG, verify: { keys: [] } }) });
    await w.git(b, ['pull', '-q']);
    const refused = await w.kmssig(b, ['trust', '--update']);
    assert.equal(refused.code, 1, both(refused));
    assert.match(refused.stderr, /not pinned: \.kmssigrc at HEAD is not covered by a signature/);
  });

  it('a signed change to warn is honoured by the hooks (the signed configuration decides), an unsigned one is not', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, hooks: { 'post-merge': 'warn' } }) });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    await w.gitOk(b, ['pull', '-q']);
    await attack(w, { 'dist/app.txt': 'evil\n' });
    const pull = await w.git(b, ['pull']);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    assert.match(pull.stderr, /post-merge is set to warn/);
  });

  it("a hook manager's configuration is always signed: an unsigned edit that drops kmssig from it fails", async () => {
    const w = await world();
    const b = await w.clone('b');
    const lefthook = 'pre-push:\n  jobs:\n    - name: kmssig\n      run: kmssig hook pre-push {1} {2}\n      use_stdin: true\n';
    const pkg = JSON.stringify({ name: 'app', 'simple-git-hooks': { 'pre-push': 'kmssig hook pre-push "$@"' } });
    await w.commit(a(w), { 'lefthook.yml': lefthook, 'package.json': pkg });
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const [record] = await w.remoteRecords(await w.gitOk(a(w), ['rev-parse', 'HEAD']).then((s) => s.trim()));
    assert.ok(record && Object.hasOwn(record.files as object, 'lefthook.yml') && Object.hasOwn(record.files as object, 'package.json'));
    assert.equal((await w.git(b, ['pull', '-q'])).code, 0);

    await attack(w, { 'lefthook.yml': 'pre-push:\n  jobs: []\n', 'package.json': JSON.stringify({ name: 'app' }) });
    const pull = await w.git(b, ['pull']);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    const check = await strict(w, b);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stdout, /lefthook\.yml\s+modified since/);
    // package.json no longer configures a hook manager, so it is no longer listed: signed but missing.
    assert.match(check.stdout, /package\.json\s+signed but missing/);
  });

  /** A KMS endpoint of the attacker's: counts what reaches it and answers nothing useful. */
  async function fakeEndpoint(): Promise<{ url: string; hits: () => number; close: () => Promise<unknown> }> {
    let hits = 0;
    const fake = createServer((_req, res) => {
      hits++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
      hits: () => hits,
      close: () => new Promise((resolve) => fake.close(resolve)),
    };
  }

  it('an endpoint in a pushed configuration never receives a KMS call: not from the hooks, not from check, not from pre-push', async () => {
    const w = await world();
    const b = await w.clone('b');
    const fake = await fakeEndpoint();
    try {
      await attack(w, { '.kmssigrc': JSON.stringify({ ...CONFIG, endpoint: fake.url }), 'dist/app.txt': 'evil\n' });
      const pull = await w.git(b, ['pull']);
      assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
      assert.match(pull.stderr, /dist\/app\.txt\s+modified since/);
      assert.equal((await strict(w, b)).code, 1);
      await w.commit(b, { 'docs/own.md': 'own work\n' });
      // Without the caches, pre-push's no-laundering check must ask KMS about the signed commit below.
      rmSync(join(b, '.git', 'kmssig'), { recursive: true, force: true });
      const push = await w.git(b, ['push', 'origin', 'main']);
      assert.notEqual(push.code, 0, both(push));
      assert.match(push.stderr, /came from outside this clone/);
      assert.equal(fake.hits(), 0, 'a KMS request went to the endpoint the pushed configuration named');
    } finally {
      await fake.close();
    }
  });

  /** A newcomer's clone: cloned after the attack, then `kmssig install` (whose output the test reads). */
  async function newcomer(w: HookWorld, name = 'n') {
    const n = await w.clone(name, { hooks: false });
    const install = await w.kmssig(n, ['install']);
    assert.equal(install.code, 0, both(install));
    const pin = await w.git(n, ['config', '--get-regexp', '^kmssig\\.trust\\.']);
    // kmssig.trust.firstuse is not a pin: install's note that it found nothing to pin (check then holds to the history).
    const lines = pin.code === 0 ? pin.stdout.split('\n').filter((l) => l && !l.startsWith('kmssig.trust.firstuse ')) : [];
    return { n, install, pin: lines.map((l) => l + '\n').join(''), marker: /kmssig\.trust\.firstuse (\S+)/.exec(pin.stdout)?.[1] };
  }

  /** Commits files and signs them with the key the configuration names (no hooks), then pushes the commit and its record. */
  async function signAndPush(w: HookWorld, repo: string, files: Record<string, string>): Promise<void> {
    await w.commit(repo, files, 'signed by this clone');
    const sign = await w.kmssig(repo, ['sign', '--ref', 'main']);
    assert.equal(sign.code, 0, both(sign));
    await w.gitOk(repo, ['push', '-q', '--no-verify', 'origin', 'main', 'refs/notes/kmssig']);
  }

  // Issue 25, DESIGN 3.4 rule 9: first use pins only what the signed history supports.
  it('first use: an endpoint in an unsigned configuration is never pinned nor called; the key of the records is pinned, check fails', async () => {
    const w = await world();
    const fake = await fakeEndpoint();
    try {
      // The attacker's unsigned .kmssigrc names their "KMS" and drops the context pair that stops replays.
      // (Before issue 25, install pinned that endpoint and asked it for the key: it pinned no key and the endpoint.)
      await attack(w, {
        '.kmssigrc': JSON.stringify({ keyId: CONFIG.keyId, files: CONFIG.files, endpoint: fake.url }),
        'dist/app.txt': 'evil\n',
      });
      const { n, install, pin } = await newcomer(w);
      assert.match(
        install.stderr,
        new RegExp(`\\.kmssigrc names endpoint ${fake.url}: ignored, since a commit must not choose who answers KMS`),
      );
      assert.match(install.stderr, /\.kmssigrc was changed at [0-9a-f]{12}, which no valid signature covers: that change is not pinned/);
      // The key is the one every record was made with; the context comes from the configuration signed before the change.
      assert.match(install.stderr, new RegExp(`keys: +${w.keyArn} \\(the key of 1 record\\)`));
      assert.match(install.stderr, /context: +repo=acme\/app \(signed at [0-9a-f]{12}\)/);
      assert.doesNotMatch(pin, /endpoint|region/, pin);
      assert.match(pin, /kmssig\.trust\.context repo=acme\/app/);
      const check = await w.kmssig(n, ['check']);
      assert.equal(check.code, 1, both(check));
      assert.match(check.stdout, /\.kmssigrc\s+modified since/);
      assert.match(check.stdout, /dist\/app\.txt\s+modified since/);
      const trust = await w.kmssig(n, ['trust']);
      assert.doesNotMatch(trust.stdout, /endpoint/);
      assert.equal(fake.hits(), 0, 'a KMS request went to the endpoint the unsigned configuration named');
    } finally {
      await fake.close();
    }
  });

  it("first use: a configuration switched to the attacker's own key and signed with it is not pinned; pinning the team's key fails it", async () => {
    const w = await world();
    // The attacker's own KMS key (their account): they may sign with it, never with the team's.
    const theirs = await createKey(kms().moto.endpoint);
    const x = await w.clone('x', { hooks: false });
    await w.gitOk(x, ['fetch', '-q', 'origin', 'refs/notes/kmssig:refs/notes/kmssig']);
    await signAndPush(w, x, { '.kmssigrc': JSON.stringify({ ...CONFIG, keyId: theirs }), 'dist/app.txt': 'evil\n' });

    const { n, install, pin, marker } = await newcomer(w);
    assert.equal(pin, '', `install pinned something:\n${pin}`);
    assert.equal(marker, 'untrusted-signer');
    assert.match(install.stderr, /nothing is pinned in this clone yet: \.kmssigrc was changed at [0-9a-f]{12}, which is signed only with /);
    assert.match(install.stderr, new RegExp(`signed only with ${theirs}, a key that no earlier signed configuration allows`));
    assert.match(install.stderr, new RegExp(`records in the repository, by key: .*${w.keyArn}: 1 record\\(s\\)`));
    assert.match(install.stderr, new RegExp(`${theirs}: 1 record\\(s\\)`));
    assert.match(install.stderr, /kmssig trust --key <arn>/);
    assert.doesNotMatch(install.stderr, /pinned what this clone trusts/);
    // Its check, before any pin, counts records only with the key the signed history vouches for: the files fail.
    const unpinned = await w.kmssig(n, ['check']);
    assert.equal(unpinned.code, 1, both(unpinned));
    assert.match(unpinned.stderr, new RegExp(`signed only with ${theirs}, a key that no earlier signed configuration allows`));
    assert.match(
      unpinned.stderr,
      new RegExp(
        `check counts records only with what the signed history vouches for, ${w.keyArn} \\(allowed by the configuration signed at [0-9a-f]{12}\\)`,
      ),
    );
    assert.match(unpinned.stdout, /dist\/app\.txt\s+modified since/);
    const asJson = await w.kmssig(n, ['check', '--format', 'json']);
    assert.equal(asJson.code, 1, both(asJson));
    assert.ok(
      (JSON.parse(asJson.stdout).files as { path: string; state: string }[]).some((f) => f.path === 'dist/app.txt' && f.state !== 'signed'),
      asJson.stdout,
    );
    // The hooks of such a clone say it, in one line.
    const look = await w.git(n, ['checkout', '-q', '-b', 'look']);
    assert.equal(look.stderr.split('\n').filter((l) => /nothing is pinned in this clone yet/.test(l)).length, 1, both(look));
    // The newcomer pins the key the team publishes (the README's CI example): the attacker's files fail.
    const trust = await w.kmssig(n, ['trust', '--key', w.keyArn]);
    assert.equal(trust.code, 0, both(trust));
    assert.match(trust.stdout, new RegExp(`keys: +${w.keyArn} \\(given on the command line\\)`));
    const check = await w.kmssig(n, ['check']);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stdout, /dist\/app\.txt\s+modified since/);
    assert.match(check.stderr + check.stdout, /its key is not among the allowed keys/);
    // trust --update is no way around it either: the signed history does not vouch for that key.
    const n2 = await w.clone('n2', { hooks: false });
    const update = await w.kmssig(n2, ['trust', '--update']);
    assert.equal(update.code, 1, both(update));
    assert.match(update.stderr, /not pinned: the signed history does not vouch for the keys of this configuration/);
  });

  it('first use, honest: a fresh clone of a repository whose configuration is signed pins quietly, saying where each value comes from', async () => {
    const w = await world();
    const { install, pin } = await newcomer(w, 'b');
    assert.doesNotMatch(install.stderr, /⚠|✖/, install.stderr);
    assert.match(install.stderr, /pinned what this clone trusts, from \.kmssigrc/);
    assert.match(install.stderr, new RegExp(`keys: +${w.keyArn} \\(signed at [0-9a-f]{12}\\)`));
    assert.match(install.stderr, /context: +repo=acme\/app \(signed at [0-9a-f]{12}\)/);
    assert.match(pin, new RegExp(`kmssig\\.trust\\.key ${w.keyArn}`));
    const trust = await w.kmssig(join(w.root, 'b'), ['trust']);
    assert.match(trust.stdout, new RegExp(`keys: +${w.keyArn} \\(signed at [0-9a-f]{12}\\)`));
  });

  it('first use, honest: a repository adopting kmssig asks for the key, then install → trust --key → push signs → a teammate verifies', async () => {
    const w = await world({ seed: false });
    const a = await w.clone('adopter', { hooks: false });
    await w.commit(a, { '.kmssigrc': JSON.stringify(CONFIG), 'dist/app.txt': 'app v1\n' }, 'adopt kmssig');
    const install = await w.kmssig(a, ['install']);
    assert.equal(install.code, 0, both(install));
    assert.match(install.stderr, /nothing is pinned in this clone yet: this repository has no valid signature yet/);
    assert.match(install.stderr, /\.kmssigrc at HEAD names arn:aws:kms:/);
    assert.match(install.stderr, /the repository has no signature records/);
    assert.match(install.stderr, /kmssig trust --key <arn>/);
    const trust = await w.kmssig(a, ['trust', '--key', w.keyArn]);
    assert.equal(trust.code, 0, both(trust));
    const push = await w.git(a, ['push', '-u', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.equal((await w.remoteRecords(await w.gitOk(a, ['rev-parse', 'HEAD']).then((s) => s.trim()))).length, 1);
    const { n: t, install: teammate } = await newcomer(w, 't');
    assert.doesNotMatch(teammate.stderr, /⚠|✖/, teammate.stderr);
    assert.match(teammate.stderr, new RegExp(`keys: +${w.keyArn} \\(signed at [0-9a-f]{12}\\)`));
    assert.equal((await w.kmssig(t, ['check'])).code, 0);
    await w.commit(a, { 'dist/app.txt': 'app v2\n' });
    assert.equal((await w.git(a, ['push', 'origin', 'main'])).code, 0);
    const pull = await w.git(t, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(pull.stderr, /⚠|✖|FAILED/);
  });

  it('first use, honest: a key rotation that followed the documented recipe pins the new key', async () => {
    const w = await world();
    const next = await createKey(kms().moto.endpoint);
    // 1. The new key joins verify.keys; the change is signed with the old key.
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, verify: { keys: [w.keyArn, next] } }) });
    assert.equal((await w.git(a(w), ['push', 'origin', 'main'])).code, 0);
    // 3. keyId switches to the new key (signed with it); then the old key leaves verify.keys.
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, keyId: next, verify: { keys: [w.keyArn, next] } }) });
    assert.equal((await w.git(a(w), ['push', 'origin', 'main'])).code, 0);
    await w.commit(a(w), { 'dist/app.txt': 'app v2\n' });
    assert.equal((await w.git(a(w), ['push', 'origin', 'main'])).code, 0);
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, keyId: next, verify: { keys: [next] } }) });
    assert.equal((await w.git(a(w), ['push', 'origin', 'main'])).code, 0);
    const { n, install, pin } = await newcomer(w);
    assert.doesNotMatch(install.stderr, /⚠|✖/, install.stderr);
    assert.match(install.stderr, new RegExp(`keys: +${next} \\(signed at [0-9a-f]{12}\\)`));
    assert.deepEqual(
      pin.split('\n').filter((l) => l.startsWith('kmssig.trust.key ')),
      [`kmssig.trust.key ${next}`],
    );
    assert.equal((await w.kmssig(n, ['check'])).code, 0);
  });

  it("first use, public keys: the team's signed public key is pinned quietly; an attacker's public key and key, signed with that key, are not", async () => {
    const w = await world({ seed: false });
    const teamKey = await createKey(kms().moto.endpoint, { spec: 'ECC_NIST_P256' });
    const theirKey = await createKey(kms().moto.endpoint, { spec: 'ECC_NIST_P256' });
    const a0 = await w.clone('team', { hooks: false });
    const release = async (key: string) => ({
      '.kmssigrc': JSON.stringify({ ...CONFIG, keyId: key, verify: { publicKeys: ['keys/release.pem'] } }),
      'keys/release.pem': await publicKeyPem(kms().moto.endpoint, key),
      'dist/app.txt': `signed with ${key}\n`,
    });
    await signAndPush(w, a0, await release(teamKey));
    const honest = await newcomer(w, 'honest');
    assert.doesNotMatch(honest.install.stderr, /⚠|✖/, honest.install.stderr);
    assert.match(honest.install.stderr, /public keys: +sha256:[0-9a-f]{16} \(signed at [0-9a-f]{12}\)/);
    assert.match(honest.pin, /kmssig\.trust\.publickey /i);

    const x = await w.clone('x', { hooks: false });
    await w.gitOk(x, ['fetch', '-q', 'origin', 'refs/notes/kmssig:refs/notes/kmssig']);
    await signAndPush(w, x, await release(theirKey));
    const { n, install, pin } = await newcomer(w);
    assert.equal(pin, '', `install pinned something:\n${pin}`);
    assert.match(install.stderr, new RegExp(`signed only with ${theirKey}, a key that no earlier signed configuration allows`));
    assert.match(install.stderr, /names .*public key sha256:[0-9a-f]{16}/);
    // Pinned as the team publishes it, the attacker's record does not count.
    const pem = join(w.root, 'team.pem');
    writeFileSync(pem, await w.gitOk(a0, ['show', 'HEAD:keys/release.pem']));
    assert.equal((await w.kmssig(n, ['trust', '--key', teamKey, '--public-key', pem])).code, 0);
    const check = await w.kmssig(n, ['check']);
    assert.equal(check.code, 1, both(check));
  });
  it('first use: a region in a signed configuration gets one note wherever it is read; install --no-fetch pins nothing until trust --update', async () => {
    const w = await world();
    const noted = (text: string) =>
      text.split('\n').filter((l) => /\.kmssigrc names region eu-west-3: ignored, since a commit must not choose who answers KMS/.test(l))
        .length;
    // The team's own, signed configuration names a region: kmssig signs and verifies through the environment's KMS anyway.
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, region: 'eu-west-3' }) });
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.match(push.stderr, /signed 1 commit/);
    assert.equal(noted(push.stderr), 1, both(push));
    // A newcomer's prepare script: install without fetching. git clone brings no notes, so nothing vouches for a key yet.
    const n = await w.clone('n', { hooks: false });
    const install = await w.kmssig(n, ['install', '--no-fetch']);
    assert.equal(install.code, 0, both(install));
    assert.equal(noted(install.stderr), 1, both(install));
    assert.match(
      install.stderr,
      /nothing is pinned in this clone yet: no signature is here, and the remotes' were not fetched \(--no-fetch\)/,
    );
    assert.match(install.stderr, /kmssig trust --update/);
    assert.notEqual((await w.git(n, ['config', 'kmssig.trust.pinned'])).code, 0, 'install pinned something');
    await w.gitOk(n, ['fetch', '-q']);
    const update = await w.kmssig(n, ['trust', '--update']);
    assert.equal(update.code, 0, both(update));
    assert.match(update.stdout, new RegExp(`keys: +${w.keyArn} \\(signed at [0-9a-f]{12}\\)`));
    assert.match(update.stdout, /context: +repo=acme\/app \(signed at [0-9a-f]{12}\)/);
    const check = await w.kmssig(n, ['check']);
    assert.equal(check.code, 0, both(check));
    assert.equal(noted(check.stderr), 1, both(check));
  });
});

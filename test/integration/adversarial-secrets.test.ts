import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { remoteNotesRef } from '../../src/git/notes.js';
import { both, createWorld, startKms, type HookWorld, type Kms } from '../helpers/hookWorld.js';
import { freePort } from '../helpers/moto.js';

/**
 * Issue 8, secrets: a remote URL with credentials (user:token@, and a
 * password with a raw `@`) must never reach a record's context, the notes,
 * a ref name, or any output of kmssig, whether git hands the URL to pre-push
 * as its second argument (a named remote) or as both (a push to a URL).
 */
const CONFIG = { keyId: 'alias/release', files: ['dist/**'], context: { repo: 'acme/app' }, git: { remote: true } };
const ZERO = '0'.repeat(40);

describe('adversarial: credentials in remote URLs', () => {
  let kms: Kms;
  let w: HookWorld;
  let repo: string;
  before(async () => {
    kms = await startKms();
  });
  afterEach(async () => {
    await w?.cleanup();
  });
  after(async () => {
    await kms?.moto.stop();
  });

  async function setUp() {
    w = await createWorld(kms, { seed: false });
    repo = await w.clone('a');
    await w.commit(repo, { '.kmssigrc': JSON.stringify(CONFIG), 'dist/app.txt': 'app v1\n' }, 'release');
    return (await w.gitOk(repo, ['rev-parse', 'HEAD'])).trim();
  }
  /** Everything kmssig or git could have kept: notes (local and remote), refs, config, kmssig's caches. */
  async function everythingStored(): Promise<string> {
    const parts: string[] = [];
    for (const at of [repo, w.bare]) {
      parts.push(await w.gitOk(at, ['for-each-ref', '--format=%(refname)']));
      const notes = await w.git(at, ['log', '--format=%B', '-p', 'refs/notes/kmssig', '--']);
      parts.push(notes.stdout);
      for (const ref of (await w.gitOk(at, ['for-each-ref', '--format=%(refname)', 'refs/notes/'])).split('\n').filter(Boolean)) {
        parts.push((await w.git(at, ['notes', `--ref=${ref}`, 'list'])).stdout);
      }
    }
    const cache = join(repo, '.git', 'kmssig');
    for (const name of statSync(cache, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(cache) : [])
      parts.push(readFileSync(join(cache, name), 'utf8'));
    return parts.join('\n');
  }
  const records = async (at: string, commit: string) =>
    (await w.gitOk(at, ['notes', '--ref=kmssig', 'show', commit]))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { context: Record<string, string> });
  const assertNoSecret = (text: string, secrets: string[], where: string) => {
    for (const s of secrets) assert.ok(!text.includes(s), `${JSON.stringify(s)} leaked into ${where}:\n${text}`);
  };

  const urls = [
    {
      label: 'a token',
      url: 'https://deploy-bot:ghp_T0kenT0kenT0ken@git.example.com/acme/app.git',
      stripped: 'https://git.example.com/acme/app.git',
      secrets: ['ghp_T0kenT0kenT0ken', 'deploy-bot'],
    },
    {
      label: 'a password with @',
      url: 'https://ci:p@ss@w0rd!@git.example.com/acme/app.git',
      stripped: 'https://git.example.com/acme/app.git',
      secrets: ['p@ss', 'ss@w0rd', 'w0rd!', 'ci:'],
    },
  ];
  for (const { label, url, stripped, secrets } of urls) {
    it(`pre-push given a URL with credentials (${label}) keeps them out of the context, the notes and the output`, async () => {
      const commit = await setUp();
      const input = `refs/heads/main ${commit} refs/heads/main ${ZERO}\n`;
      const res = await w.kmssig(repo, ['hook', 'pre-push', 'origin', url], { input });
      assert.equal(res.code, 0, both(res));
      assert.match(res.stderr, /signed 1 commit\(s\), signatures published to origin/);
      const [record] = await records(w.bare, commit);
      assert.equal(record!.context.remote, stripped);
      assertNoSecret(both(res), secrets, 'the hook output');
      assertNoSecret(await everythingStored(), secrets, 'what is stored');
      const check = await w.kmssig(repo, ['check', '--no-cache']);
      assert.equal(check.code, 0, both(check));
      assertNoSecret(both(check), secrets, 'check');
      const log = await w.kmssig(repo, ['log']);
      assertNoSecret(both(log), secrets, 'log');
    });
  }

  it('a push straight to a URL with credentials (git passes it as the remote name too) leaks nothing', async () => {
    const commit = await setUp();
    const url = `file://pusher:s3cretT0k@${w.bare}`;
    const push = await w.git(repo, ['push', url, 'HEAD:refs/heads/main']);
    assert.equal(push.code, 0, both(push));
    assert.match(push.stderr, /signed 1 commit\(s\), signatures published to file:\/\/\//);
    assertNoSecret(both(push), ['s3cretT0k', 'pusher'], 'the push output');
    const [record] = await records(w.bare, commit);
    assert.equal(record!.context.remote, `file://${w.bare}`);
    assertNoSecret(await everythingStored(), ['s3cretT0k', 'pusher'], 'what is stored');
    // The remote-tracking notes ref of that URL does not depend on the credentials.
    const refs = await w.gitOk(repo, ['for-each-ref', '--format=%(refname)', 'refs/notes/remotes/']);
    assert.equal(refs.trim(), remoteNotesRef(`file://${w.bare}`));
  });

  it('an unreachable URL with credentials (the push fails): the error names no credential', async () => {
    const commit = await setUp();
    const url = `http://bot:pa55@w0rd@127.0.0.1:${await freePort()}/acme/app.git`;
    const input = `refs/heads/main ${commit} refs/heads/main ${ZERO}\n`;
    const res = await w.kmssig(repo, ['hook', 'pre-push', url, url], { input });
    assert.equal(res.code, 3, both(res));
    assert.match(res.stderr, /git (fetch|push).* failed/);
    assertNoSecret(both(res), ['pa55', '55@w0rd', 'w0rd@', 'bot:'], 'the error');
    const debug = await w.kmssig(repo, ['hook', 'pre-push', url, url, '--debug'], { input });
    assertNoSecret(both(debug), ['pa55', '55@w0rd', 'w0rd@', 'bot:'], 'the --debug output');
    // The record was made before publishing, and holds the URL without credentials.
    assert.equal((await records(repo, commit))[0]!.context.remote, `http://127.0.0.1:${url.split(':').at(-1)}`);
    // check, fetching the notes of an origin whose URL has credentials, says nothing of them either.
    await w.gitOk(repo, ['remote', 'set-url', 'origin', url]);
    const check = await w.kmssig(repo, ['check', '--no-cache']);
    assertNoSecret(both(check), ['pa55', '55@w0rd', 'w0rd@', 'bot:'], 'check');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createKey } from '../helpers/kms.js';
import { runCli } from '../helpers/cli.js';
import { commitFiles, git, initRepo, tempDir } from '../helpers/git.js';

describe('release records against moto', () => {
  let moto: Moto;
  let keyArn: string;
  const dirs: { cleanup: () => void }[] = [];
  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
  });
  after(async () => {
    await moto.stop();
    for (const d of dirs) d.cleanup();
  });

  function repoWithRelease() {
    const dir = tempDir();
    dirs.push(dir);
    const repo = initRepo(join(dir.path, 'repo'));
    writeFileSync(join(repo, '.kmssigrc'), JSON.stringify({ keyId: 'alias/release', files: ['dist/**'], context: { repo: 'acme/app' } }));
    commitFiles(repo, { 'dist/app.tgz': 'binary', 'dist/manifest.json': '{}', 'README.md': 'hi' });
    return repo;
  }

  it('signs the listed files of HEAD and check passes', async () => {
    const repo = repoWithRelease();
    const sign = await runCli(['sign'], { cwd: repo, env: moto.env });
    assert.equal(sign.code, 0, sign.stderr);
    const note = git(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']);
    const record = JSON.parse(note.trim());
    assert.equal(record.keyId, keyArn);
    assert.deepEqual(Object.keys(record.files).sort(), ['.kmssigrc', 'dist/app.tgz', 'dist/manifest.json']);
    const check = await runCli(['check'], { cwd: repo, env: moto.env });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});

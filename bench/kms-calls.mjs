// KMS calls benchmark (issue 7): one signing call (Encrypt, or Sign for an
// asymmetric key) per record whatever the number of files, at most one
// DescribeKey per run, none when there is nothing to sign; counted by
// operation through a loopback proxy in front of moto_server.
//
//   node bench/kms-calls.mjs [--quick | --full]
//
// The counts do not depend on the size: --full signs 1, 100 and 10,000 files,
// --quick 1, 100 and 1,000 and no check rows; both push 5 commits that each change a release file.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  bin,
  createKey,
  quick,
  git,
  gitEnv,
  initRepo,
  kmsEnv,
  kmssig,
  kmssigShim,
  machineLine,
  main,
  requireDist,
  s3,
  startCountingProxy,
  startMoto,
  table,
  tempDir,
  timed,
  writeFiles,
} from './lib/world.mjs';

const SCRIPT = 'bench/kms-calls.mjs';
requireDist(SCRIPT);
await main(SCRIPT, async () => {
  console.log(machineLine('KMS calls per record'));
  if (quick) console.log('quick mode: 1, 100 and 1,000 files (full: 10,000); no check rows');
  const moto = await startMoto();
  await createKey(moto, { alias: 'alias/release' });
  await createKey(moto, { alias: 'alias/release-ecc', spec: 'ECC_NIST_P256' });
  const proxy = await startCountingProxy(moto);
  const env = kmsEnv(proxy.endpoint);
  const tmp = tempDir();
  const rows = [];
  const run = (label, repo, args, extraEnv = {}) => {
    proxy.reset();
    const r = kmssig(args, { cwd: repo, env: { ...env, ...extraEnv } });
    rows.push([label, `kmssig ${args.join(' ')}`, proxy.describe(), s3(r.seconds)]);
  };

  for (const [count, alias] of [
    [1, 'alias/release'],
    [100, 'alias/release'],
    [quick ? 1_000 : 10_000, 'alias/release'],
    [100, 'alias/release-ecc'],
  ]) {
    const repo = initRepo(join(tmp, `r${count}-${alias.replace(/\W/g, '')}`));
    const ecc = alias.endsWith('ecc');
    // An asymmetric key's records verify offline with its public key (verify.publicKeys), fetched once here.
    if (ecc) timed(process.execPath, [bin, 'pubkey', '--key', alias, '--out', join(repo, 'release.pem')], { cwd: tmp, env });
    // The 1-file release is the configuration alone: dist/** matches nothing there, which must be allowed.
    const config = {
      keyId: alias,
      files: ['dist/**'],
      ...(count === 1 ? { allowEmpty: ['dist/**'] } : {}),
      ...(ecc ? { verify: { publicKeys: ['release.pem'] } } : {}),
    };
    const files = { '.kmssigrc': JSON.stringify(config) + '\n' };
    for (let i = 0; i < count - 1; i++) files[`dist/${i % 100}/f${i}.bin`] = randomBytes(i % 2048);
    writeFiles(repo, files);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'release']);
    const label = `${count.toLocaleString('en')} file${count > 1 ? 's' : ''}${ecc ? ' (ECC_NIST_P256 key, + its .pem)' : ''}`;
    run(label, repo, ['sign']);
    run(`${label}, again`, repo, ['sign']);
    if (!quick) run(label, repo, ['check', '--no-cache']);
  }

  // A push of 5 commits that each change a release file: pre-push signs 5 records in one run.
  const bare = initRepo(join(tmp, 'remote.git'), { bare: true });
  const hookEnv = { ...gitEnv(), ...env, PATH: `${kmssigShim()}:${process.env.PATH}`, HOME: tmp, TMPDIR: tmp };
  timed('git', ['clone', '-q', bare, 'pusher'], { cwd: tmp, env: hookEnv });
  const pusher = join(tmp, 'pusher');
  writeFiles(pusher, { '.kmssigrc': JSON.stringify({ keyId: 'alias/release', files: ['dist/**'] }) + '\n' });
  timed(process.execPath, [bin, 'install'], { cwd: pusher, env: hookEnv });
  for (let i = 0; i < 5; i++) {
    writeFiles(pusher, { 'dist/app.js': `// version ${i}\n` });
    timed('git', ['add', '-A'], { cwd: pusher, env: hookEnv });
    timed('git', ['commit', '-q', '-m', `release ${i}`], { cwd: pusher, env: hookEnv });
  }
  proxy.reset();
  const push = timed('git', ['push', '-q', 'origin', 'main'], { cwd: pusher, env: hookEnv });
  const records = git(pusher, ['notes', '--ref=kmssig', 'list']).trim().split('\n').filter(Boolean).length;
  rows.push([`5 commits pushed (${records} records)`, 'git push (pre-push hook)', proxy.describe(), s3(push.seconds)]);

  console.log(table(['release', 'command', 'KMS calls', 'wall s'], rows));
  console.log(
    'target: exactly 1 Encrypt (or Sign) per record signed, DescribeKey at most once per run, none when already signed (the verification of a record this clone signed is cached)',
  );
});

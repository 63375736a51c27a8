// Hostile notes benchmark (issue 24, DESIGN 3.4 rule 8): anyone who can push
// can fill the notes ref, so `kmssig check` must cost bounded work whatever
// the notes hold. A signed release of 3 files; then the same check with
// the note on the signed commit replaced by what an attacker pushes:
//   - 1,500 junk records (the pinned key, the same files, random signatures),
//     written before the genuine line so that it is tried last;
//   - 1,500 records the policy refuses (another key): none may reach KMS;
//   - 60 MB notes (under the 64 MiB cap) of records of another key, and of
//     junk records; and a note of 65 MiB (over the cap: not read).
// Wall time (median of runs, round robin), KMS calls (counting proxy) and
// peak RSS, against the same check with the clean note.
//
//   node bench/hostile-notes.mjs [--quick | --full]
//
// KMSSIG_BENCH_BEFORE=/old/dist adds the same rows for an older build.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  beforeBin,
  bin,
  createKey,
  git,
  human,
  initRepo,
  kmsEnv,
  kmssig,
  machineLine,
  main,
  quick,
  ratio,
  requireDist,
  roundRobin,
  s3,
  startCountingProxy,
  startMoto,
  table,
  tempDir,
  timedRss,
  writeFiles,
} from './lib/world.mjs';

const SCRIPT = 'bench/hostile-notes.mjs';
requireDist(SCRIPT);
await main(SCRIPT, async () => {
  console.log(machineLine('hostile notes'));
  const runs = quick ? 2 : 5;
  const moto = await startMoto();
  const keyArn = await createKey(moto, { alias: 'alias/release' });
  const proxy = await startCountingProxy(moto);
  const env = kmsEnv(proxy.endpoint);
  const tmp = tempDir();

  const builds = [['kmssig', bin], ...(beforeBin ? [['before', beforeBin]] : [])];
  // One release per build, signed by that build (an older build reads only its own record version).
  const releases = new Map();
  for (const [build, path] of builds) {
    const repo = initRepo(join(tmp, `release-${build}`));
    const files = { '.kmssigrc': JSON.stringify({ keyId: 'alias/release', files: ['dist/**'], context: { repo: 'acme/app' } }) + '\n' };
    for (const name of ['app.tgz', 'manifest.json']) files[`dist/${name}`] = randomBytes(4096);
    writeFiles(repo, files);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'release']);
    kmssig(['sign'], { cwd: repo, env, bin: path });
    const commit = git(repo, ['rev-parse', 'HEAD']).trim();
    releases.set(build, { repo, commit, genuine: git(repo, ['notes', '--ref=kmssig', 'show', commit]).trim() });
  }

  const junk = (genuine, n, change = () => {}) =>
    Array.from({ length: n }, () => {
      const r = JSON.parse(genuine);
      r.sig = randomBytes(Buffer.from(r.sig, 'base64').length).toString('base64');
      change(r);
      return JSON.stringify(r);
    });
  const perLine = (genuine) => Buffer.byteLength(junk(genuine, 1)[0]) + 1;
  const big = (genuine) => Math.ceil(60e6 / perLine(genuine));
  const otherKey = (r) => (r.keyId = r.keyId.replace(/.{4}$/, 'ffff'));
  // [label, note text from the genuine line, measured for the older build too]
  const notes = [
    ['clean note (the genuine record)', (genuine) => genuine + '\n', true],
    ['1,500 junk records + the genuine one', (genuine) => [...junk(genuine, 1500), genuine].join('\n') + '\n', true],
    ['1,500 records of another key + the genuine one', (genuine) => [...junk(genuine, 1500, otherKey), genuine].join('\n') + '\n', true],
    [
      '60 MB: records of another key + the genuine one',
      (genuine) => [...junk(genuine, big(genuine), otherKey), genuine].join('\n') + '\n',
      true,
    ],
    // An older build sends every one of these to KMS (one Decrypt each, ~100,000): not measured there.
    ['60 MB: junk records + the genuine one', (genuine) => [...junk(genuine, big(genuine)), genuine].join('\n') + '\n', false],
    [
      '65 MiB note (over the cap)',
      (genuine) => Buffer.concat([Buffer.from(genuine + '\n'), Buffer.alloc(65 * 1024 * 1024, 'x\n'.repeat(512))]),
      true,
    ],
  ];
  const noteFile = join(tmp, 'note.txt');
  const setNote = ({ repo, commit }, text) => {
    writeFileSync(noteFile, text);
    git(repo, ['notes', '--ref=kmssig', 'add', '-f', '-F', noteFile, commit]);
  };
  const args = ['check', '--no-cache', '--no-fetch', '--key', keyArn, '--ref', 'main', '--context', 'repo=acme/app'];

  const rows = [];
  const clean = new Map(); // build -> its median with the clean note
  for (const [label, text, olderToo] of notes) {
    for (const [build, path] of builds) {
      if (build !== 'kmssig' && !olderToo) continue;
      const release = releases.get(build);
      const note = text(release.genuine);
      setNote(release, note);
      const cwd = release.repo;
      // Calls, exit code and peak RSS from one run; time from `runs` runs.
      proxy.reset();
      const once = timedRss(process.execPath, [path, ...args], { cwd, env, allowFail: true });
      const calls = proxy.describe();
      const times = roundRobin([{ name: 'check', run: () => kmssig(args, { cwd, env, allowFail: true, bin: path }).seconds }], runs);
      const t = times.get('check');
      if (!clean.has(build)) clean.set(build, t.median);
      const size = Buffer.byteLength(note);
      rows.push([
        label,
        build,
        human(size),
        `exit ${once.status}`,
        calls,
        s3(t.median),
        s3(t.min),
        `${ratio(t.median, clean.get(build))} ×`,
        once.rss === undefined ? 'n/a' : human(once.rss),
      ]);
    }
  }
  console.log(
    table(['note on the signed commit', 'build', 'note', 'result', 'KMS calls', 'median s', 'best s', '× clean', 'peak RSS'], rows),
  );
  console.log('aim: KMS calls ≤ 3 + the records that count, time ≤ 2 × the clean check, peak RSS ≤ 150 MiB whatever the notes hold');
});

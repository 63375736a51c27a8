// Release benchmark (issue 7): `kmssig sign` of a release of many small files
// and of a release of a few big files, with a cold and a warm digest cache,
// next to `git ls-files -z | xargs -0 sha512sum` (sequential: the target
// baseline) in the same repository, measured round robin in one run; then
// `kmssig check` with and without the caches, and `check --worktree`.
//
//   node bench/release.mjs [--quick | --full]
//
// --full (default): 10,000 small files (0-8 KiB) and 20 files of 100 MiB, 5 runs.
// --quick: 1,000 small files and 4 files of 25 MiB, 3 runs, only the rows of
// the targets (the baseline, sign cold and warm: no xargs -P2, no check rows, no peak RSS).
// KMSSIG_BENCH_BEFORE=<dist> adds the kmssig rows of an older build (before/after).
// KMS is moto_server behind a counting proxy; the key is a symmetric KMS key.
// "cold" = .git/kmssig removed before the run (no digests, no verified records);
// "warm" = the digests of an earlier run kept. The notes ref is removed before
// each sign so that every run really signs.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  MiB,
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
  timed,
  timedRss,
  writeFiles,
} from './lib/world.mjs';

const SCRIPT = 'bench/release.mjs';
const plan = quick
  ? { small: 1_000, bigCount: 4, bigSize: 25 * MiB, runs: 3 }
  : { small: 10_000, bigCount: 20, bigSize: 100 * MiB, runs: 5 };

requireDist(SCRIPT);
await main(SCRIPT, async () => {
  console.log(machineLine('Release signing and hashing'));
  if (quick)
    console.log(
      `quick mode: ${plan.small} small files (full: 10,000) and ${plan.bigCount} × ${human(plan.bigSize)} (full: 20 × 100 MiB), ${plan.runs} runs`,
    );
  const moto = await startMoto();
  await createKey(moto, { alias: 'alias/release' });
  const proxy = await startCountingProxy(moto);
  const env = kmsEnv(proxy.endpoint);
  const tmp = tempDir();

  const small = makeRepo(join(tmp, 'small'), (repo) => {
    const files = {};
    for (let i = 0; i < plan.small; i++)
      files[`dist/${String(i % 100).padStart(2, '0')}/f${i}.bin`] = randomBytes(i % 97 === 0 ? 0 : (i * 7919) % 8192);
    writeFiles(repo, files);
  });
  const big = makeRepo(join(tmp, 'big'), (repo) => {
    const block = randomBytes(16 * MiB);
    for (let i = 0; i < plan.bigCount; i++) writeBig(join(repo, 'dist', `artifact-${i}.tgz`), plan.bigSize, block, i);
  });

  for (const [label, repo, count, bytes] of [
    [`${plan.small.toLocaleString('en')} small files`, small, plan.small, undefined],
    [`${plan.bigCount} files of ${human(plan.bigSize)}`, big, plan.bigCount, plan.bigCount * plan.bigSize],
  ]) {
    console.log(`\n## ${label}${bytes ? ` (${human(bytes)})` : ''}: median of ${plan.runs} runs, round robin`);
    sanity(repo, env);
    const calls = new Map();
    const counted = (name, fn) => () => {
      proxy.reset();
      const seconds = fn();
      calls.set(name, proxy.describe());
      return seconds;
    };
    const half = Math.ceil((count + 1) / 2);
    const cases = [
      {
        name: 'git ls-files -z | xargs -0 sha512sum',
        run: () => timed('sh', ['-c', 'git ls-files -z | xargs -0 sha512sum >/dev/null'], { cwd: repo }).seconds,
      },
      {
        name: '  same, xargs -P2 (both cores)',
        run: () => timed('sh', ['-c', `git ls-files -z | xargs -0 -P2 -n ${half} sha512sum >/dev/null`], { cwd: repo }).seconds,
      },
      {
        name: 'kmssig sign, cold digest cache',
        prepare: () => resetSign(repo, { keepDigests: false }),
        run: counted('kmssig sign, cold digest cache', () => kmssig(['sign'], { cwd: repo, env }).seconds),
      },
      {
        name: 'kmssig sign, warm digest cache',
        prepare: () => resetSign(repo, { keepDigests: true }),
        run: counted('kmssig sign, warm digest cache', () => kmssig(['sign'], { cwd: repo, env }).seconds),
      },
      {
        name: 'kmssig check --no-cache',
        run: counted('kmssig check --no-cache', () => kmssig(['check', '--no-cache'], { cwd: repo, env }).seconds),
      },
      {
        // Since issue 15 check reads and fills the caches only with --cache.
        name: 'kmssig check (caches warm)',
        prepare: () => kmssig(['check', '--cache'], { cwd: repo, env }), // the record just signed, verified once
        run: counted('kmssig check (caches warm)', () => kmssig(['check', '--cache'], { cwd: repo, env }).seconds),
      },
      {
        name: 'kmssig check --worktree',
        run: counted('kmssig check --worktree', () => kmssig(['check', '--worktree'], { cwd: repo, env }).seconds),
      },
    ];
    if (beforeBin) {
      // The same kmssig rows with an older build (KMSSIG_BENCH_BEFORE), in the same round robin.
      const before = (name, args, prepare) => ({
        name: `before: ${name}`,
        prepare,
        run: counted(`before: ${name}`, () => kmssig(args, { cwd: repo, env, bin: beforeBin }).seconds),
      });
      cases.push(
        before('kmssig sign, cold digest cache', ['sign'], () => resetSign(repo, { keepDigests: false })),
        before('kmssig sign, warm digest cache', ['sign'], () => resetSign(repo, { keepDigests: true })),
        before('kmssig check --worktree', ['check', '--worktree']),
      );
    }
    // --quick keeps the rows of the targets: the baseline, sign cold and warm.
    const results = roundRobin(quick ? cases.filter((c) => !/P2|check/.test(c.name)) : cases, plan.runs);
    const base = results.get('git ls-files -z | xargs -0 sha512sum').median;
    const rows = [...results].map(([name, r]) => [name, s3(r.median), s3(r.min), ratio(r.median, base), calls.get(name) ?? '']);
    console.log(table(['case', 'median s', 'min s', '× sha512sum', 'KMS calls per run'], rows));
    const signCold = results.get('kmssig sign, cold digest cache').median;
    const signWarm = results.get('kmssig sign, warm digest cache').median;
    console.log(`ratio sign/sha512sum: cold ${ratio(signCold, base)}, warm ${ratio(signWarm, base)} (target: below 1.00)`);
    const checkCached = results.get('kmssig check (caches warm)')?.median;
    const checkNoCache = results.get('kmssig check --no-cache')?.median;
    console.log(
      `digest cache: sign warm/cold ${ratio(signWarm, signCold)}${checkCached ? `; check cached/--no-cache ${ratio(checkCached, checkNoCache)}` : ''}`,
    );
    if (quick) continue; // peak memory in --full only

    resetSign(repo, { keepDigests: false });
    const rss = timedRss(process.execPath, [bin, 'sign'], { cwd: repo, env });
    const check = timedRss(process.execPath, [bin, 'check', '--worktree'], { cwd: repo, env });
    console.log(
      `peak RSS: kmssig sign (cold) ${rss.rss ? human(rss.rss) : 'n/a'}, kmssig check --worktree ${check.rss ? human(check.rss) : 'n/a'}`,
    );
  }
});

/** A repository with .kmssigrc (alias/release, dist/**) and the files `fill` writes, committed. */
function makeRepo(path, fill) {
  initRepo(path);
  writeFiles(path, { '.kmssigrc': JSON.stringify({ keyId: 'alias/release', files: ['dist/**'] }, null, 2) + '\n' });
  fill(path);
  git(path, ['add', '-A']);
  git(path, ['commit', '-q', '-m', 'release']);
  return path;
}

/** `size` bytes: a random block repeated, with the file's number written into every block so that no two files share a blob. */
function writeBig(path, size, block, n) {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    const mark = Buffer.alloc(16);
    mark.writeUInt32BE(n, 0);
    for (let written = 0; written < size;) {
      mark.writeUInt32BE(written / block.length, 4);
      mark.copy(block, 0);
      written += writeSync(fd, block, 0, Math.min(block.length, size - written));
    }
  } finally {
    closeSync(fd);
  }
}

/** Before a sign run: no notes (so it signs), no verified records; digests kept or not. */
function resetSign(repo, { keepDigests }) {
  git(repo, ['update-ref', '-d', 'refs/notes/kmssig']);
  const dir = join(repo, '.git', 'kmssig');
  if (keepDigests) rmSync(join(dir, 'verified'), { force: true });
  else rmSync(dir, { recursive: true, force: true });
}

/** Once per release: kmssig's digests equal sha512sum's, file by file. */
function sanity(repo, env) {
  resetSign(repo, { keepDigests: false });
  kmssig(['sign'], { cwd: repo, env });
  const record = JSON.parse(git(repo, ['notes', '--ref=kmssig', 'show', 'HEAD']).split('\n')[0]);
  const sums = timed('sh', ['-c', 'git ls-files -z | xargs -0 sha512sum'], { cwd: repo }).stdout;
  let n = 0;
  for (const line of sums.split('\n').filter(Boolean)) {
    const [digest, path] = [line.slice(0, 128), line.slice(130)];
    if (record.files[path] !== digest) throw new Error(`kmssig and sha512sum disagree on ${path}`);
    n++;
  }
  if (n !== Object.keys(record.files).length) throw new Error(`the record lists ${Object.keys(record.files).length} files, sha512sum ${n}`);
  console.log(`sanity: the record's ${n} digests equal sha512sum's`);
}

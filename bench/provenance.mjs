// Content provenance benchmark (issue 23): what tracing the bytes of a pushed
// release file costs. A remote whose history (git fast-import) has 50,000
// commits, the last signed one 1,000 commits below main; a developer's clone
// with the hooks installed, where all of those commits are foreign (cloned).
// Each run, the developer commits one change to the release file and pushes
// it to a new branch: pre-push walks to the signed commit, finds the file
// uncovered and its last change the developer's own, and traces its blob
// through the 1,000 foreign commits and every other tip in one
// `git log --find-object` pass before it signs and publishes the record.
//
//   node bench/provenance.mjs [--quick | --full]
//
// --full (default): 50,000 commits, 1,000 foreign since the signed one, 7 runs.
// --quick: 5,000 commits, 100 foreign, 3 runs.
// Baseline: a plain `git push --no-verify` of a commit of the same shape, from
// the same clone, in the same round robin; the ratio is kmssig's median over
// the baseline's. Also timed alone: the trace's git pass over the same region.
// KMSSIG_BENCH_BEFORE=/old/dist adds the pre-push of an older build (no trace).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  beforeBin,
  configureRepo,
  createKey,
  git,
  gitEnv,
  initRepo,
  kmsEnv,
  kmssig,
  kmssigShim,
  linearHistoryStream,
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
} from './lib/world.mjs';

const SCRIPT = 'bench/provenance.mjs';
const plan = quick ? { commits: 5_000, foreign: 100, runs: 3 } : { commits: 50_000, foreign: 1_000, runs: 7 };
// fast-import's history is no clone's own work: its release files are signed deliberately, as a reviewer would.
const ACCEPT = ['--accept', '.kmssigrc', '--accept', 'dist/app.bin'];

requireDist(SCRIPT);
await main(SCRIPT, async () => {
  console.log(machineLine('Content provenance'));
  if (quick)
    console.log(
      `quick mode: ${plan.commits.toLocaleString('en')} commits (full: 50,000), ${plan.foreign} foreign since the signed one (full: 1,000), ${plan.runs} runs`,
    );
  const moto = await startMoto();
  await createKey(moto, { alias: 'alias/release' });
  const proxy = await startCountingProxy(moto);
  const tmp = tempDir();
  const env = { ...gitEnv(), ...kmsEnv(proxy.endpoint), PATH: `${kmssigShim()}:${process.env.PATH}` };

  // The team's history: signed at main~foreign, then `foreign` commits that change only a source file.
  const upstream = initRepo(join(tmp, 'upstream'));
  const built = timed('git', ['fast-import', '--quiet'], { cwd: upstream, input: linearHistoryStream(plan.commits) });
  git(upstream, ['reset', '-q', '--hard', 'main']);
  const signed = git(upstream, ['rev-parse', `main~${plan.foreign}`]).trim();
  kmssig(['sign', '--rev', signed, '--ref', 'main', ...ACCEPT], { cwd: upstream, env });
  const remote = join(tmp, 'remote.git');
  git(tmp, ['clone', '-q', '--bare', upstream, remote]);
  git(upstream, ['push', '-q', remote, 'refs/notes/kmssig']);
  console.log(
    `built ${plan.commits.toLocaleString('en')} commits with git fast-import in ${s3(built.seconds)} s; signed ${signed.slice(0, 12)} = main~${plan.foreign}`,
  );

  // The developer's clone: every commit in it came from the remote.
  const dev = join(tmp, 'dev');
  git(tmp, ['clone', '-q', remote, dev]);
  configureRepo(dev);
  kmssig(['install'], { cwd: dev, env });
  const before = beforeBin ? beforeShim(beforeBin) : undefined;

  let n = 0;
  /** A new commit on top of origin/main that changes the release file, as HEAD (detached). */
  const commitChange = () => {
    n++;
    // With the KMS environment: post-checkout verifies origin/main (kmssig's guard runs it, the kmssig fixed at install).
    git(dev, ['checkout', '-q', '--detach', 'origin/main'], { env });
    writeFileSync(join(dev, 'dist/app.bin'), `release built by the developer, run ${n}\n`);
    git(dev, ['commit', '-q', '--no-verify', '-am', `release ${n}`], { env });
    return n;
  };
  let pushed = 0;
  const push = (name, args, extraEnv = {}) => {
    let branch = '';
    return {
      name,
      prepare: () => {
        branch = `bench-${commitChange()}`;
      },
      run: () => {
        proxy.reset();
        const r = timed('git', [...args, 'origin', `HEAD:refs/heads/${branch}`], { cwd: dev, env: { ...env, ...extraEnv } });
        pushed++;
        return r.seconds;
      },
    };
  };
  const trace = traceCommand(dev, signed);
  const cases = [
    push('git push (pre-push: trace, sign, publish)', ['push', '-q']),
    push('git push --no-verify (plain git)', ['push', '-q', '--no-verify']),
    ...(before ? [push('before: git push (pre-push of the older build)', ['push', '-q'], { PATH: `${before}:${process.env.PATH}` })] : []),
    {
      name: `the trace alone: git log --find-object over ${plan.foreign.toLocaleString('en')} commits`,
      prepare: () => void commitChange(),
      run: () => timed('git', trace.args(), { cwd: dev, input: trace.input() }).seconds,
    },
  ];
  // One warm-up push: the first one also fetches the notes and fills the digest and record caches.
  const warm = push('warm-up', ['push', '-q']);
  warm.prepare();
  warm.run();
  const results = roundRobin(cases, plan.runs);
  // The git processes of one push, from git's own trace (a hook's `git` is git's exec path, not a counting one on PATH).
  const traceFile = join(tempDir('kmssig-bench-trace2-'), 'events');
  const processes = (label, args, shim) => {
    const c = push(label, args, { GIT_TRACE2_EVENT: traceFile, ...(shim ? { PATH: `${shim}:${env.PATH}` } : {}) });
    c.prepare();
    writeFileSync(traceFile, '');
    c.run();
    const kinds = new Map();
    const starts = readFileSync(traceFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === 'start');
    for (const { argv } of starts) {
      const name = argv.slice(1, 2).join(' ');
      kinds.set(name, (kinds.get(name) ?? 0) + 1);
    }
    // The trace is the git log that asks for --find-object (src/git/repo.ts, blobIntroductions).
    const traces = starts.filter(({ argv }) => argv.some((a) => a.startsWith('--find-object='))).length;
    return `${starts.length}, ${traces} of them a git log --find-object (${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ')})`;
  };
  const counted = [
    ['git push with pre-push', processes('count', ['push', '-q'])],
    ['plain git push', processes('count, plain', ['push', '-q', '--no-verify'])],
    ...(before ? [['before', processes('count, before', ['push', '-q'], before)]] : []),
  ];
  const records = git(remote, ['notes', '--ref=kmssig', 'list']).trim().split('\n').filter(Boolean).length;

  const base = results.get('git push --no-verify (plain git)').median;
  console.log(
    `\npre-push of one commit (the release file changed) on ${plan.commits.toLocaleString('en')} commits, ${plan.foreign.toLocaleString('en')} foreign since the last signed one (median of ${plan.runs}, round robin; ${pushed} pushes, ${records} records on the remote):`,
  );
  console.log(
    table(
      ['case', 'median s', 'min s', '× plain git push'],
      [...results].map(([name, r]) => [name, s3(r.median), s3(r.min), ratio(r.median, base)]),
    ),
  );
  console.log("\ngit processes of one push (GIT_TRACE2_EVENT start events: git push itself, the hook's and the receiving side's):");
  for (const [label, text] of counted) console.log(`  ${label}: ${text}`);
  const hook = results.get('git push (pre-push: trace, sign, publish)').median;
  console.log(`  git push with pre-push ${s3(hook)} s / plain git push ${s3(base)} s = ${ratio(hook, base)}`);
  console.log(
    `  load at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
});

/** The trace's one git pass for HEAD's release file, down to the signed commit (src/git/repo.ts, blobIntroductions, adds output options). */
function traceCommand(cwd, signed) {
  return {
    args: () => [
      'log',
      '--format=%H',
      '--raw',
      '--diff-merges=separate',
      `--find-object=${git(cwd, ['rev-parse', 'HEAD:dist/app.bin']).trim()}`,
      '--all',
      '--stdin',
    ],
    input: () => `${git(cwd, ['rev-parse', 'HEAD']).trim()}\n^${signed}\n`,
  };
}

/** A folder with a `kmssig` that runs an older build, for the before row. */
function beforeShim(other) {
  const dir = tempDir('kmssig-bench-before-');
  writeFileSync(join(dir, 'kmssig'), `#!/bin/sh\nexec '${process.execPath}' '${other}' "$@"\n`);
  chmodSync(join(dir, 'kmssig'), 0o755);
  return dir;
}

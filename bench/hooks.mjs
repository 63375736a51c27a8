// Hooks benchmark (issue 7): what a developer pays on every checkout, pull
// and push when there is nothing to do. A bare remote, a clone that pushed a
// signed release through its pre-push hook, a second clone that verifies;
// KMS is moto behind a counting proxy, and every hook points at the proxy.
//
//   node bench/hooks.mjs [--quick | --full]
//
// Each hook is run as the installed hook scripts run it (`kmssig hook <name>`
// with git's arguments and standard input), through a `kmssig` on PATH that
// runs the measured build, and also inside real git commands (git checkout),
// next to the same git command with hooks turned off. Median of 3 (quick) or
// 15 (full) runs, round robin. Target: ≤ 0.25 s wall and 0 KMS calls each.
import { join } from 'node:path';
import {
  beforeBin,
  bin,
  createKey,
  git,
  gitEnv,
  initRepo,
  kmsEnv,
  kmssigShim,
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
  writeFiles,
} from './lib/world.mjs';
import { rmSync } from 'node:fs';

const SCRIPT = 'bench/hooks.mjs';
const plan = quick ? { files: 100, runs: 3, firstRuns: 3 } : { files: 1_000, runs: 15, firstRuns: 15 };
const TARGET = 0.25;
// Issue 15: a no-op hook costs at most node's own start + 30 ms.
const OVER_NODE = 0.03;
let onOther = false; // which branch clone b is on (see switchBranch)

requireDist(SCRIPT);
await main(SCRIPT, async () => {
  console.log(machineLine('No-op hooks'));
  if (quick)
    console.log(
      `quick mode: ${plan.files} release files (full: 1,000), ${plan.runs} runs, ${plan.firstRuns} for the rows without caches (full: 15)`,
    );
  const moto = await startMoto();
  await createKey(moto, { alias: 'alias/release' });
  const proxy = await startCountingProxy(moto);
  const tmp = tempDir();
  const env = {
    ...gitEnv(),
    ...kmsEnv(proxy.endpoint),
    PATH: `${kmssigShim()}:${process.env.PATH}`,
    HOME: tmp,
    TMPDIR: tmp,
  };
  const sh = (cwd, args, input) => timed('git', args, { cwd, env, input });

  // The remote and the clone that signs: `kmssig install`, a release, a push (pre-push signs and publishes).
  const bare = initRepo(join(tmp, 'remote.git'), { bare: true });
  sh(tmp, ['clone', '-q', bare, 'a']);
  const a = join(tmp, 'a');
  const files = {
    '.kmssigrc': JSON.stringify({ keyId: 'alias/release', files: ['dist/**'], context: { repo: 'bench/app' } }, null, 2) + '\n',
    'README.md': 'not a release file\n',
  };
  for (let i = 0; i < plan.files; i++) files[`dist/f${i}.js`] = `// release file ${i}\n`.repeat(1 + (i % 50));
  writeFiles(a, files);
  sh(a, ['add', '-A']);
  sh(a, ['commit', '-q', '-m', 'first release']);
  timed(process.execPath, [bin, 'install'], { cwd: a, env });
  sh(a, ['push', '-q', 'origin', 'main']);
  writeFiles(a, { 'dist/f0.js': '// second release\n' });
  sh(a, ['commit', '-q', '-am', 'second release']);
  sh(a, ['push', '-q', 'origin', 'main']);
  const tip = git(a, ['rev-parse', 'HEAD']).trim();
  const parent = git(a, ['rev-parse', 'HEAD~1']).trim();
  console.log(`remote with ${plan.files} release files; clone a pushed 2 signed commits (${proxy.describe()})`);

  // The clone that verifies: cloned, hooks installed, a branch at the same commit to switch to.
  sh(tmp, ['clone', '-q', bare, 'b']);
  const b = join(tmp, 'b');
  timed(process.execPath, [bin, 'install'], { cwd: b, env });
  sh(b, ['branch', 'other']);

  // As git runs them: the guard (.git/kmssig-hooks) calls kmssig with KMSSIG_GUARD=1, which tells it that the
  // guard is in place (without it a run first checks and repairs the guard: src/hooks/repairGuard.ts).
  const hookEnv = { ...env, KMSSIG_GUARD: '1' };
  const hook = (cwd, args, input) => () => timed('kmssig', ['hook', ...args], { cwd, env: hookEnv, input }).seconds;
  const calls = new Map();
  const counted = (name, run, prepare) => ({
    name,
    prepare,
    run: () => {
      proxy.reset();
      const seconds = run();
      calls.set(name, proxy.describe());
      return seconds;
    },
  });
  const pushLine = `refs/heads/main ${tip} refs/heads/main ${parent}\n`;
  const nodeHook = (build, cwd, args, input) => () =>
    timed(process.execPath, [build, 'hook', ...args], { cwd, env: hookEnv, input }).seconds;
  const direct = (label, build) => [
    counted(`${label}node bin.js hook post-checkout (no-op)`, nodeHook(build, b, ['post-checkout', tip, tip, '1'])),
    counted(`${label}node bin.js hook post-merge (no-op)`, nodeHook(build, b, ['post-merge', '0'])),
    counted(`${label}node bin.js hook pre-push (no-op)`, nodeHook(build, a, ['pre-push', 'origin', bare], pushLine)),
  ];
  const remoteUrl = bare;
  const dropDecisions = (repo) => () => rmSync(join(repo, '.git', 'kmssig', 'decisions'), { force: true });

  // Warm up once each: the first run of a hook fills its decision.
  hook(b, ['post-checkout', tip, tip, '1'])();
  hook(b, ['post-merge', '0'])();
  hook(a, ['pre-push', 'origin', remoteUrl], pushLine)();

  // The no-op rows first, among themselves: the rows below remove caches.
  const noop = [
    counted('post-checkout (nothing changed)', hook(b, ['post-checkout', tip, tip, '1'])),
    counted('post-merge (nothing changed)', hook(b, ['post-merge', '0'])),
    counted('pre-push, signed commit, same push again', hook(a, ['pre-push', 'origin', remoteUrl], pushLine)),
    { name: 'git checkout (post-checkout no-op)', run: () => switchBranch(b, env, true) },
    { name: 'git checkout, hooks off', run: () => switchBranch(b, env, false) },
    { name: 'kmssig --version', run: () => timed('kmssig', ['--version'], { cwd: tmp, env }).seconds },
    { name: 'node -e ""', run: () => timed(process.execPath, ['-e', ''], { cwd: tmp, env }).seconds },
    // The same hooks as `node dist/bin.js hook …`, without the shell of the PATH shim: what kmssig adds to node's start.
    ...direct('', bin),
    ...(beforeBin ? direct('before: ', beforeBin) : []),
  ];
  const first = [
    counted('pre-push, signed commit, first time', hook(a, ['pre-push', 'origin', remoteUrl], pushLine), dropDecisions(a)),
    ...(quick ? [] : [counted('post-checkout, decision removed', hook(b, ['post-checkout', tip, tip, '1']), dropDecisions(b))]),
    counted('post-checkout, all caches removed', hook(b, ['post-checkout', tip, tip, '1']), () =>
      rmSync(join(b, '.git', 'kmssig'), { recursive: true, force: true }),
    ),
  ];
  const show = (results) =>
    table(
      ['case', 'median s', 'min s', `× ${TARGET} s`, 'KMS calls per run'],
      [...results].map(([name, r]) => [name, s3(r.median), s3(r.min), ratio(r.median, TARGET), calls.get(name) ?? '']),
    );
  const results = roundRobin(noop, plan.runs);
  console.log(`\nno-op hooks, median of ${plan.runs} runs, round robin (target ≤ ${TARGET} s and no KMS call):`);
  console.log(show(results));
  console.log(`\nthe same hooks when their decision is not known yet (caches removed before each run), median of ${plan.firstRuns}:`);
  console.log(show(roundRobin(first, plan.firstRuns)));
  const node = results.get('node -e ""').median;
  const version = results.get('kmssig --version').median;
  console.log(
    `\ncold start: kmssig --version ${s3(version)} s, node -e "" ${s3(node)} s (kmssig adds ${s3(version - node)} s; ratio ${ratio(version, node)})`,
  );
  console.log(`\nno-op hooks against node's start (budget: node -e "" + ${OVER_NODE * 1000} ms = ${s3(node + OVER_NODE)} s):`);
  for (const label of ['', ...(beforeBin ? ['before: '] : [])]) {
    for (const hookName of ['post-checkout', 'post-merge', 'pre-push']) {
      const r = results.get(`${label}node bin.js hook ${hookName} (no-op)`).median;
      const over = r - node;
      console.log(
        `  ${label}${hookName}: ${s3(r)} s, node + ${(over * 1000).toFixed(0)} ms (${ratio(r, node)} × node): ${over <= OVER_NODE ? 'within' : 'OVER'} budget`,
      );
    }
  }
  const withHook = results.get('git checkout (post-checkout no-op)').median;
  const without = results.get('git checkout, hooks off').median;
  console.log(`git checkout with the hook ${s3(withHook)} s, without ${s3(without)} s: the hook adds ${s3(withHook - without)} s`);
});

/** Switches b between main and other (the same commit): post-checkout runs with flag 1, nothing changed. */
function switchBranch(repo, env, hooks) {
  onOther = !onOther;
  const args = [...(hooks ? [] : ['-c', 'core.hooksPath=/dev/null']), 'checkout', '-q', onOther ? 'other' : 'main'];
  return timed('git', args, { cwd: repo, env }).seconds;
}

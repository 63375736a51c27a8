// Shared parts of the benchmark scripts (bench/*.mjs; bench/run.mjs runs only
// the top-level scripts, never this folder): the built CLI, moto_server on a
// free loopback port behind a counting proxy, temp folders under the OS temp
// dir, real git, timing and tables. Nothing here asserts anything about speed.
//
// KMSSIG_BENCH_DIST=/path/to/dist measures another build; the default is this
// checkout's dist/. KMSSIG_BENCH_BEFORE=/path/to/dist adds rows for an older
// build, measured round robin in the same run (release.mjs), for before/after figures.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const dist = resolve(process.env.KMSSIG_BENCH_DIST ?? join(root, 'dist'));
export const bin = join(dist, 'bin.js');
export const beforeBin = process.env.KMSSIG_BENCH_BEFORE ? join(resolve(process.env.KMSSIG_BENCH_BEFORE), 'bin.js') : undefined;
export const quick = process.argv.includes('--quick');
export const mode = quick ? 'quick' : 'full';
export const MiB = 1024 * 1024;

export function requireDist(script) {
  if (!existsSync(bin)) {
    console.error(`✖ ${script}: ${bin} is missing: run \`npm run build\` first (npm run bench does)`);
    process.exit(1);
  }
}

export function machineLine(title) {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `# ${title} (${mode}${quick ? ': reduced sizes, see below' : ''}): node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${load}, dist ${dist}`;
}

// ---------------------------------------------------------------- temp folders

const temps = [];
const cleanups = [];
/** A temp folder under the OS temp dir, removed when the script ends (also on Ctrl-C). */
export function tempDir(prefix = 'kmssig-bench-') {
  const path = mkdtempSync(join(tmpdir(), prefix));
  temps.push(path);
  return path;
}
/** Something to undo when the script ends (stop a server...). */
export function atExit(fn) {
  cleanups.push(fn);
}
let cleaned = false;
export async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.reverse())
    await Promise.resolve()
      .then(fn)
      .catch(() => {});
  for (const path of temps) rmSync(path, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

/** Runs the body, prints an error on failure, always cleans up. */
export async function main(script, body) {
  try {
    await body();
  } catch (error) {
    console.error(`✖ ${script}: ${error?.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

// ---------------------------------------------------------------- git

export function gitEnv() {
  return {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Bench Author',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench Author',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
}

export function git(cwd, args, options = {}) {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...gitEnv(), ...options.env },
    input: options.input,
    encoding: options.encoding ?? 'utf8',
    maxBuffer: 1024 * MiB,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A new repository with a pinned identity and no gc; objects stored without compression (setup speed; release artifacts are compressed already, so git stores them as they are anyway). */
export function initRepo(path, { bare = false } = {}) {
  mkdirSync(path, { recursive: true });
  git(path, ['init', '-q', '-b', 'main', ...(bare ? ['--bare'] : [])]);
  return configureRepo(path);
}

/** The settings of initRepo, for a repository made otherwise (a clone). */
export function configureRepo(path) {
  for (const [k, v] of [
    ['gc.auto', '0'],
    ['core.compression', '0'],
    ['core.looseCompression', '0'],
    ['commit.gpgSign', 'false'],
    ['advice.detachedHead', 'false'],
  ]) {
    git(path, ['config', k, v]);
  }
  return path;
}

/**
 * A `git fast-import` stream of a linear history on main: the configuration
 * and a release file first, then commits that change only a source file.
 */
export function linearHistoryStream(count) {
  const parts = [];
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const config = JSON.stringify({ keyId: 'alias/release', files: ['dist/**'] }) + '\n';
  for (let i = 0; i < count; i++) {
    const when = 1_700_000_000 + i;
    let commit = `commit refs/heads/main\nmark :${i + 1}\ncommitter Bench <bench@example.com> ${when} +0000\n${data(`commit ${i}`)}`;
    if (i > 0) commit += `from :${i}\n`;
    if (i === 0) commit += `M 100644 inline .kmssigrc\n${data(config)}M 100644 inline dist/app.bin\n${data('the release\n')}`;
    commit += `M 100644 inline src/counter.txt\n${data(`${i}\n`)}`;
    parts.push(commit);
  }
  return parts.join('');
}

/** A folder with a `git` that logs each call (one line: its arguments) and runs the real git. */
export function gitCounter() {
  const dir = tempDir('kmssig-bench-gitshim-');
  const log = join(dir, 'calls.log');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(dir, 'git'), 0o755);
  return {
    dir,
    log,
    reset: () => writeFileSync(log, ''),
    calls: () => (existsSync(log) ? execFileSync('cat', [log], { encoding: 'utf8' }).split('\n').filter(Boolean) : []),
  };
}

/** A folder holding a `kmssig` that runs the measured build, as test/helpers/bin/kmssig does for dist/. */
export function kmssigShim() {
  const dir = tempDir('kmssig-bench-bin-');
  writeFileSync(join(dir, 'kmssig'), `#!/bin/sh\nexec '${process.execPath}' '${bin}' "$@"\n`);
  chmodSync(join(dir, 'kmssig'), 0o755);
  return dir;
}

// ---------------------------------------------------------------- KMS: moto + counting proxy

function freePort() {
  return new Promise((res, rej) => {
    const server = createNetServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

/** moto_server on a free loopback port, stopped at exit. */
export async function startMoto() {
  if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error)
    throw new Error('moto_server is not installed: pip install "moto[server]"');
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  atExit(
    () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      if (r.status < 500) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`moto_server did not start on ${endpoint}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return endpoint;
}

/**
 * A loopback proxy in front of moto that counts KMS operations (X-Amz-Target),
 * as test/helpers/proxy.ts does; it runs as its own process (bench/lib/proxy.mjs)
 * so that the CLI can be timed with spawnSync while it answers.
 */
export async function startCountingProxy(target) {
  const log = join(tempDir('kmssig-bench-proxy-'), 'calls.log');
  const child = spawn(process.execPath, [fileURLToPath(new URL('./proxy.mjs', import.meta.url)), target, log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  atExit(
    () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  );
  const port = await new Promise((res, rej) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      if (text.includes('\n')) res(Number(text.trim()));
    });
    child.once('exit', (code) => rej(new Error(`the counting proxy exited (${code})`)));
  });
  const calls = () => {
    const counts = new Map();
    for (const op of readFileSync(log, 'utf8').split('\n').filter(Boolean)) counts.set(op, (counts.get(op) ?? 0) + 1);
    return counts;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    count: (op) => calls().get(op) ?? 0,
    total: () => [...calls().values()].reduce((a, b) => a + b, 0),
    reset: () => writeFileSync(log, ''),
    /** "DescribeKey 1, Encrypt 1" or "none". */
    describe: () => {
      const c = [...calls()].sort();
      return c.length === 0 ? 'none' : c.map(([op, n]) => `${op} ${n}`).join(', ');
    },
  };
}

/** Environment that points the AWS SDK at an endpoint with dummy credentials; IMDS off. */
export function kmsEnv(endpoint) {
  return {
    AWS_ENDPOINT_URL_KMS: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Creates a KMS key on moto (directly, not through the proxy); returns its ARN. */
export async function createKey(endpoint, { alias, spec } = {}) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sdk = await import('@aws-sdk/client-kms');
  const client = new sdk.KMSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const asymmetric = spec && spec !== 'SYMMETRIC_DEFAULT';
  const out = await client.send(new sdk.CreateKeyCommand({ KeySpec: spec, KeyUsage: asymmetric ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT' }));
  const arn = out.KeyMetadata.Arn;
  if (alias) await client.send(new sdk.CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
  client.destroy();
  return arn;
}

// ---------------------------------------------------------------- running and timing

/** Runs a command to completion; wall seconds measured around the process. */
export function timed(cmd, args, options = {}) {
  const started = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * MiB,
  });
  const seconds = (performance.now() - started) / 1000;
  if (!options.allowFail && (r.error || r.status !== 0)) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
  }
  return { seconds, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `node dist/bin.js ...` */
export function kmssig(args, options = {}) {
  return timed(process.execPath, [options.bin ?? bin, ...args], options);
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Measures several cases round robin (A B C, A B C, ...) so that a burst of
 * load elsewhere on the machine hits every case alike. Each case is
 * { name, prepare?(), run() -> seconds }; returns name -> { median, min, runs }.
 */
export function roundRobin(cases, runs) {
  const times = new Map(cases.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      c.prepare?.();
      times.get(c.name).push(c.run());
    }
  }
  return new Map([...times].map(([name, t]) => [name, { median: median(t), min: Math.min(...t), runs: t }]));
}

export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(all[0]), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export const s3 = (seconds) => seconds.toFixed(3);
export const ratio = (a, b) => (a / b).toFixed(2);

export function human(bytes) {
  if (bytes >= 1024 * MiB) return `${(bytes / 1024 / MiB).toFixed(2)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function writeFiles(repo, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
}

// ---------------------------------------------------------------- peak memory

const haveTime = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
/** Like timed(), plus the peak RSS in bytes (from /usr/bin/time when it exists, else undefined). */
export function timedRss(cmd, args, options = {}) {
  if (!haveTime) return { ...timed(cmd, args, options), rss: undefined };
  const out = join(tempDir('kmssig-bench-time-'), 'rss');
  const r = timed('/usr/bin/time', ['-f', '%M', '-o', out, cmd, ...args], options);
  const kib = Number(execFileSync('cat', [out], { encoding: 'utf8' }).trim().split('\n').pop());
  return { ...r, rss: Number.isFinite(kib) ? kib * 1024 : undefined };
}

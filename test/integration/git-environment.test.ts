import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { both, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

interface TraceEvent {
  event: string;
  sid: string;
  argv?: string[];
  param?: string;
  value?: string;
}

/**
 * The git processes of one command, from a GIT_TRACE2_EVENT file: each with
 * its arguments and whether it saw the `git -c probe.marker` setting (a
 * def_param event, printed only by a process whose configuration holds it).
 */
function processes(file: string): { argv: string; saw: boolean }[] {
  const events = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TraceEvent);
  const saw = new Set(
    events.filter((e) => e.event === 'def_param' && e.param === 'probe.marker' && e.value === 'arrived').map((e) => e.sid),
  );
  const starts = events.filter((e) => e.event === 'start');
  // The remote's side of a local push or fetch (git-receive-pack, git-upload-pack and what they
  // start) runs in the bare repository with the environment git clears for it: not kmssig's.
  const remote = starts.filter((e) => /(^|\/)git-(upload|receive)-pack$/.test(e.argv![0]!)).map((e) => e.sid);
  return starts
    .filter((e) => !remote.some((sid) => e.sid === sid || e.sid.startsWith(`${sid}/`)))
    .map((e) => ({ argv: e.argv!.slice(1).join(' '), saw: saw.has(e.sid) }));
}

/** The processes of the trace but the user's own git command and what git itself runs for it. */
function kmssigProcesses(all: { argv: string; saw: boolean }[], outer: RegExp) {
  return all.filter((p) => !outer.test(p.argv));
}

/** A hook's environment reaches every git process kmssig starts (issue 15): `git -c` pushes and pulls through the installed hooks. */
/** Each expected git command ran among kmssig's processes, and every one of them saw the `-c` setting. */
function assertAllSaw(ran: { argv: string; saw: boolean }[], expected: RegExp[]): void {
  const commands = ran.map((p) => p.argv);
  for (const pattern of expected)
    assert.ok(
      commands.some((c) => pattern.test(c)),
      `no ${pattern} among ${commands.join(' | ')}`,
    );
  assert.deepEqual(
    ran.filter((p) => !p.saw).map((p) => p.argv),
    [],
    'every git process kmssig started saw the git -c setting',
  );
}

describe('git -c settings reach the git processes the hooks start (moto, bare remote, real clones)', () => {
  const { world } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');
  const trace = (w: HookWorld, name: string) => ({
    file: join(w.root, `${name}.trace.json`),
    env: { GIT_TRACE2_EVENT: join(w.root, `${name}.trace.json`), GIT_TRACE2_CONFIG_PARAMS: 'probe.*' },
  });

  it('git -c … push: pre-push signs and publishes through a remote URL that only the -c setting makes reachable', async () => {
    const w = await world();
    // The clone's remote is a name that means nothing without the url rewrite given on the command line.
    await w.gitOk(a(w), ['remote', 'set-url', 'origin', 'fake:remote']);
    const v2 = await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
    const t = trace(w, 'push');
    const push = await w.git(a(w), ['-c', 'probe.marker=arrived', '-c', `url.${w.bare}.insteadOf=fake:remote`, 'push', 'origin', 'main'], {
      env: t.env,
    });
    assert.equal(push.code, 0, both(push));
    assert.match(push.stderr, /signed 1 commit/);
    // kmssig's own `git push` of refs/notes/kmssig reached the remote: the rewrite arrived.
    assert.equal((await w.remoteRecords(v2)).length, 1);

    // The three ways kmssig runs git, each seen: the fast path's queries, simple-git, the cat-file stream.
    assertAllSaw(kmssigProcesses(processes(t.file), /^-c probe\.marker/), [
      /^rev-parse --show-toplevel/,
      /^for-each-ref/,
      /^ls-tree /,
      /^notes --ref=refs\/notes\/kmssig add/,
      /^push --no-verify --porcelain origin/,
      /^cat-file --batch --buffer/,
    ]);
  });

  it('git -c … pull: post-merge verifies with git processes that all see the -c setting', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.gitOk(b, ['remote', 'set-url', 'origin', 'fake:remote']);
    await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);

    const t = trace(w, 'pull');
    const pull = await w.git(b, ['-c', 'probe.marker=arrived', '-c', `url.${w.bare}.insteadOf=fake:remote`, 'pull', '--no-rebase'], {
      env: t.env,
    });
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(both(pull), /✖|FAILED/);

    assertAllSaw(kmssigProcesses(processes(t.file), /^(-c probe\.marker|fetch |merge |rev-list --objects|index-pack|unpack-objects|gc )/), [
      /^rev-parse --show-toplevel/,
      /^ls-tree /,
      /^notes --ref=refs\/notes\/remotes\/origin\/kmssig list/,
      /^cat-file --batch --buffer/,
    ]);
  });
});

import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { createGitRunner, type GitRunner, type GitRunnerOptions } from './exec.js';
import {
  lines,
  parseAuthors,
  parseBoundary,
  parseCatFileBatch,
  parseCheckAttr,
  parseConfigScopes,
  parseConfigZ,
  parseHistoryLine,
  parseLsFilesStage,
  parseLsTree,
  parseNameOnlyLog,
  parseOidLines,
  parseRawLog,
  parseReflog,
  parseReplaceRefs,
  parseStatusZ,
  splitZ,
} from './parse.js';
import { registerRunner } from './runners.js';

/** How a repository is opened (the hooks' fast path: see GitRunnerOptions). */
export type RepoOptions = GitRunnerOptions;

/** An entry of a commit's tree: a file (blob), a symlink, or a gitlink (a submodule's commit, mode 160000). */
export interface TreeEntry {
  path: string;
  oid: string;
  mode: string;
}

const FULL_OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** A line of `git rev-list --parents`: a commit and its parents; `boundary` for a `--boundary` commit. */
export interface HistoryEntry {
  commit: string;
  parents: string[];
  boundary: boolean;
}

/** A submodule: the tree names a commit of another repository, not content kmssig can hash. */
export const isGitlink = (entry: TreeEntry) => entry.mode === '160000';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

/** A file name as the user can find it: printable ASCII as is, every other byte as \xNN. */
export function showName(raw: Buffer): string {
  return `"${[...raw].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('')}"`;
}

/** Decodes a path git printed; a name that is not UTF-8 cannot go into a JSON record. */
export function decodePath(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new KmssigError('INPUT', messages.pathNotUtf8(showName(raw)));
  }
}

/** Decodes a path for matching only: bad bytes become U+FFFD, never an error. */
export function decodePathLossy(raw: Buffer): string {
  return lossy.decode(raw);
}

/** A git repository: its folders and the read queries kmssig needs. */
export class Repo {
  private readonly git: GitRunner;
  readonly root: string;
  readonly gitDir: string;
  readonly commonDir: string;
  /**
   * Names git listed that are not UTF-8, by the lossy name they are listed
   * under: an error only if such a file is a release file (assertUtf8), so a
   * stray name elsewhere in the repository cannot stop signing or verifying.
   */
  private readonly notUtf8 = new Map<string, string>();

  private constructor(git: GitRunner, root: string, gitDir: string, commonDir: string) {
    this.git = git;
    registerRunner(this, git);
    this.root = root;
    this.gitDir = gitDir;
    this.commonDir = commonDir;
  }

  /**
   * Opens the repository that contains `cwd`; NOT_A_REPO (exit 2) otherwise.
   * `fastPath`: for the hooks' few quick queries (see GitRunnerOptions);
   * afterFastPath() gives the same repository for everything else.
   */
  static async open(cwd: string, env: NodeJS.ProcessEnv = process.env, options: GitRunnerOptions = {}): Promise<Repo> {
    const probe = createGitRunner(cwd, env, options);
    const out = await probe.maybe(['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir']);
    return Repo.at(cwd, env, options, out?.split('\n') ?? []);
  }

  /**
   * The same, and from that one git process HEAD's commit (undefined before
   * the first commit) and the refs that match `globs`, as git prints them
   * (their commits, then their names): the hooks' fast path counts its processes.
   */
  static async openWithRefs(
    cwd: string,
    env: NodeJS.ProcessEnv,
    options: GitRunnerOptions,
    globs: readonly string[],
  ): Promise<{ repo: Repo; head: string | undefined; refs: string }> {
    const probe = createGitRunner(cwd, env, options);
    const refArgs = globs.map((g) => `--glob=${g}`);
    const ask = (head: string[]) =>
      probe.maybe([
        'rev-parse',
        '--show-toplevel',
        '--absolute-git-dir',
        '--git-common-dir',
        ...head,
        ...refArgs,
        '--symbolic-full-name',
        ...refArgs,
        '--',
      ]);
    const atHead = await ask(['HEAD^{commit}']);
    // Before the first commit HEAD names nothing, and rev-parse refuses the whole question: ask without it.
    const out = atHead ?? (await ask([]));
    const lines = out?.split('\n') ?? [];
    while (lines.length > 0 && (lines.at(-1) === '' || lines.at(-1) === '--')) lines.pop();
    const [root, gitDir, common, ...rest] = lines;
    const repo = Repo.at(cwd, env, options, [root, gitDir, common]);
    const head = atHead === undefined ? undefined : rest.shift();
    return { repo, head, refs: rest.join('\n') };
  }

  private static at(cwd: string, env: NodeJS.ProcessEnv, options: GitRunnerOptions, [root, gitDir, common]: (string | undefined)[]): Repo {
    if (!root || !gitDir || !common) throw new KmssigError('NOT_A_REPO', messages.notARepo(cwd));
    const repo = new Repo(createGitRunner(root, env, options), root, gitDir, isAbsolute(common) ? common : resolve(root, common));
    repo.env = env;
    return repo;
  }

  /**
   * The subject of HEAD's newest reflog entry (`pull: Fast-forward`,
   * `merge topic: …`), read from the end of `logs/HEAD`, whose lines are
   * `<old> <new> <ident> <time> <zone>\t<subject>`: a hook's fast path spares
   * a git process. Where there is no such file (another ref storage, or no
   * reflog) git is asked.
   */
  async lastReflogSubject(): Promise<string> {
    const tail = await readTail(join(this.gitDir, 'logs', 'HEAD'), 4096);
    const text = tail?.text.trimEnd() ?? '';
    const start = text.lastIndexOf('\n') + 1;
    // No file, or a last line longer than the tail (its start is cut off): git reads it.
    if (tail === undefined || (start === 0 && !tail.whole))
      return (await this.git.maybe(['reflog', '-1', '--format=%gs', 'HEAD']))?.trim() ?? '';
    const line = text.slice(start);
    const tab = line.indexOf('\t');
    return tab === -1 ? '' : line.slice(tab + 1);
  }

  /**
   * This repository's own configuration file as bytes, for a cache key: any
   * change to it changes the key. A file that includes others is read by git
   * (`config --local --list`), which follows the includes.
   */
  async localConfigText(): Promise<string> {
    const text = await readFile(join(this.commonDir, 'config'), 'utf8').catch(() => '');
    if (!/^\s*\[\s*include/im.test(text)) return text;
    return (await this.git.maybe(['config', '--local', '--list'])) ?? '';
  }

  private env: NodeJS.ProcessEnv = process.env;

  /** This repository with the regular git client, once a hook's fast path had no answer. */
  afterFastPath(): Repo {
    const repo = new Repo(createGitRunner(this.root, this.env), this.root, this.gitDir, this.commonDir);
    repo.env = this.env;
    return repo;
  }

  /** The commit a revision names; INPUT (exit 2) when there is none. */
  async commitOf(rev: string): Promise<string> {
    const oid = (await this.git.maybe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]))?.trim();
    if (!oid) {
      const empty = !(await this.git.maybe(['rev-parse', '--verify', '--quiet', 'HEAD']));
      throw new KmssigError('INPUT', empty ? messages.noCommits() : messages.noSuchRevision(rev));
    }
    return oid;
  }

  async hasCommits(): Promise<boolean> {
    return (await this.git.maybe(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) !== undefined;
  }

  /** The full name of the checked-out branch, or undefined on a detached HEAD. */
  async currentBranch(): Promise<string | undefined> {
    return (await this.git.maybe(['symbolic-ref', '-q', 'HEAD']))?.trim() || undefined;
  }

  /** Tags pointing at a commit, as full ref names. */
  async tagsAt(commit: string): Promise<string[]> {
    return lines(await this.git.text(['for-each-ref', '--format=%(refname)', `--points-at=${commit}`, 'refs/tags/']));
  }

  /**
   * The refs a revision is on, by full name: the ref it names (or the branch
   * checked out, for HEAD) and the tags that point at its commit.
   */
  async refsOf(rev: string, commit: string): Promise<string[]> {
    const [named, tags] = await Promise.all([
      rev === 'HEAD'
        ? this.currentBranch()
        : this.git.maybe(['rev-parse', '--symbolic-full-name', '--end-of-options', rev]).then((out) => out?.trim()),
      this.tagsAt(commit),
    ]);
    const refs = named?.startsWith('refs/') ? [named] : [];
    for (const tag of tags) if (!refs.includes(tag)) refs.push(tag);
    return refs;
  }

  /** `Name <email>` of each commit's author, in one git call. */
  async authors(commits: string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (commits.length === 0) return result;
    const out = await this.git.bytes(['log', '--no-walk=unsorted', '--format=%H %an <%ae>', '--stdin'], commits.join('\n') + '\n');
    return parseAuthors(out.toString('utf8'));
  }

  /**
   * The files, symlinks and gitlinks of a commit's tree, with their object
   * ids. Gitlinks are listed so that a listed submodule is refused out loud,
   * never silently left out (DESIGN 3.2).
   */
  async listTree(commit: string): Promise<TreeEntry[]> {
    // A commit's tree never changes: sign and its no-laundering check list the same one.
    if (!FULL_OID.test(commit)) return this.readTree(commit);
    let listed = this.trees.get(commit);
    if (!listed) this.trees.set(commit, (listed = this.readTree(commit)));
    return [...(await listed)];
  }

  private readonly trees = new Map<string, Promise<TreeEntry[]>>();

  private async readTree(commit: string): Promise<TreeEntry[]> {
    const out = await this.git.bytes(['ls-tree', '-r', '-z', '--full-tree', commit]);
    return parseLsTree(out)
      .filter((e) => e.type === 'blob' || e.type === 'commit')
      .map((e) => ({ path: this.name(e.path), oid: e.oid, mode: e.mode }));
  }

  /**
   * The text of each of these paths that is a file in a commit's tree, read as
   * git objects in one `cat-file --batch` (whatever is checked out).
   */
  async readAt(commit: string, paths: readonly string[]): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    if (paths.length === 0) return texts;
    const out = await this.git.bytes(['cat-file', '--batch'], paths.map((p) => `${commit}:${p}`).join('\n') + '\n');
    let i = 0;
    for (const { header, content } of parseCatFileBatch(out)) {
      const path = paths[i++];
      if (path === undefined) break;
      if ('type' in header && header.type === 'blob' && content) texts.set(path, content.toString('utf8'));
    }
    return texts;
  }

  /**
   * The bytes of each of these paths that is a file in each of these
   * commits' trees, commit by commit, in one `cat-file --batch`.
   */
  async readEachAt(commits: readonly string[], paths: readonly string[]): Promise<Map<string, Map<string, Buffer>>> {
    const result = new Map<string, Map<string, Buffer>>(commits.map((c) => [c, new Map()]));
    const asked = commits.flatMap((commit) => paths.map((path) => ({ commit, path })));
    if (asked.length === 0) return result;
    const out = await this.git.bytes(['cat-file', '--batch'], asked.map((a) => `${a.commit}:${a.path}`).join('\n') + '\n');
    let i = 0;
    for (const { header, content } of parseCatFileBatch(out)) {
      const at = asked[i++];
      if (at === undefined) break;
      if ('type' in header && header.type === 'blob' && content) result.get(at.commit)!.set(at.path, content);
    }
    return result;
  }

  /**
   * The commits of `rev`'s history that change any of these paths (git's
   * simplified history, as `git log -- <paths>` shows it), oldest first: the
   * newest `max` of them.
   */
  async commitsChanging(rev: string, paths: readonly string[], max: number): Promise<string[]> {
    const literal = paths.map((p) => `:(literal)${p}`);
    return lines(await this.git.text(['rev-list', '--topo-order', '--reverse', `--max-count=${max}`, rev, '--', ...literal]));
  }

  /** Every value of the local git config keys matching a regular expression, as [key, value] pairs. */
  async configRegexp(pattern: string): Promise<[string, string][]> {
    return parseConfigZ((await this.git.maybe(['config', '--local', '-z', '--get-regexp', pattern])) ?? '');
  }

  /**
   * The files git sees in the working tree: tracked, and untracked but not
   * ignored. A submodule is listed as its folder; so is an untracked nested
   * repository (git prints it as `path/`, listed here without the slash).
   */
  async listWorktree(): Promise<string[]> {
    const out = await this.git.bytes(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--full-name']);
    return [...new Set(splitZ(out).map((raw) => this.name(raw).replace(/\/$/, '')))];
  }

  /** Commits reachable from `rev`, newest first, at most `max`; extra rev-list arguments narrow it. */
  async revList(rev: string, max: number, extra: string[] = []): Promise<string[]> {
    return lines(await this.git.text(['rev-list', `--max-count=${max}`, rev, ...extra, '--']));
  }

  /**
   * `git rev-list --parents` streamed: each commit as git lists it (newest
   * first unless `args` say otherwise), with its parents. Leaving the loop
   * early (break, return, a throw) ends the git process, so a walk that has
   * its answer never waits for the rest of the history. `args` are rev-list
   * arguments: revisions, `--not …`, `--boundary`, `--first-parent`….
   */
  async *history(args: string[]): AsyncGenerator<HistoryEntry, void, undefined> {
    for await (const line of this.git.lines(['rev-list', '--parents', ...args, '--'])) {
      const entry = parseHistoryLine(line);
      if (entry) yield entry;
    }
  }

  /**
   * `git rev-list --boundary start --not exclude…`, at most `max` commits:
   * the commits `start` reaches without passing an excluded one (`inside`,
   * newest first), and the commits where that region ends (`boundary`: excluded
   * ones, or where `max` cut it). The commits to exclude go on standard input,
   * so there may be any number of them.
   */
  async boundaryOf(start: string, exclude: Iterable<string>, max: number): Promise<{ inside: string[]; boundary: string[] }> {
    const revs = [start, ...[...exclude].map((c) => `^${c}`)];
    if (!revs.every((r) => /^\^?[0-9a-f]{40,64}$/.test(r))) throw new KmssigError('INPUT', messages.noSuchRevision(start));
    // A noted commit this clone does not have (a shallow clone, notes fetched without their commits) excludes nothing.
    const out = await this.git.bytes(
      ['rev-list', '--boundary', '--ignore-missing', `--max-count=${max}`, '--stdin'],
      revs.join('\n') + '\n',
    );
    return parseBoundary(out.toString('latin1'));
  }

  /**
   * The replace refs that the user's git applies when it shows or checks out
   * an object (`refs/replace/<oid>`, or under GIT_REPLACE_REF_BASE): replaced
   * object id -> ref name. kmssig itself reads objects as stored (exec.ts).
   * Read once per run.
   */
  replaceRefs(): Promise<Map<string, string>> {
    const base = replaceRefBase(this.env);
    return (this.replaced ??= this.git.text(['for-each-ref', '--format=%(refname)', base]).then((out) => parseReplaceRefs(out, base)));
  }

  private replaced: Promise<Map<string, string>> | undefined;

  /** The trees of a commit as stored: folder path -> tree id, with '' for the root tree. */
  async treesOf(commit: string): Promise<Map<string, string>> {
    const [root, out] = await Promise.all([
      this.git.text(['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`]),
      this.git.bytes(['ls-tree', '-r', '-d', '-z', '--full-tree', commit]),
    ]);
    const trees = new Map([['', root.trim()]]);
    for (const entry of parseLsTree(out)) if (entry.type === 'tree') trees.set(decodePathLossy(entry.path), entry.oid);
    return trees;
  }

  /**
   * The newest commit in the history of `rev` that deleted one of these paths
   * (a rename counts as a deletion; a merge is compared with its first
   * parent), with the paths it deleted; undefined when none did.
   */
  async lastDeletion(rev: string, paths: readonly string[]): Promise<{ commit: string; paths: string[] } | undefined> {
    const out = await this.git.bytes([
      'log',
      '-1',
      '--format=%x01%H',
      '--name-only',
      '-z',
      '--no-renames',
      '--diff-merges=first-parent',
      '--diff-filter=D',
      '--end-of-options',
      rev,
      '--',
      ...paths.map((p) => `:(literal)${p}`),
    ]);
    const [found] = parseNameOnlyLog(out);
    return found && { commit: found.commit, paths: found.paths.map((p) => decodePathLossy(p)) };
  }

  /**
   * Commits in the history of `rev` whose change of `path` adds or removes a
   * line matching the extended regular expression `pattern` (`git log -G`;
   * a merge against its first parent), newest first, at most `max`.
   */
  async changesMatching(rev: string, path: string, pattern: string, max: number): Promise<string[]> {
    return lines(
      await this.git.text([
        'log',
        `--max-count=${max}`,
        '--format=%H',
        '--no-patch',
        '--no-renames',
        '--diff-merges=first-parent',
        `-G${pattern}`,
        '--end-of-options',
        rev,
        '--',
        `:(literal)${path}`,
      ]),
    );
  }

  /**
   * Every reflog entry of every ref and worktree HEAD (`git log -g --all`):
   * the commit each entry moved its ref to, the ref (`refs/heads/main`,
   * `HEAD`, `refs/stash`) and the entry's subject (`commit (amend): …`,
   * `pull: Fast-forward`, `rebase (pick): …`).
   */
  async reflogEntries(): Promise<{ commit: string; ref: string; subject: string }[]> {
    return parseReflog((await this.git.maybe(['log', '-g', '--all', '--format=%H %gD %gs'])) ?? '');
  }

  /**
   * The commits that git's own files name outside refs and reflogs, in every
   * worktree: FETCH_HEAD (every line: `git fetch origin pull/8/head`, a URL,
   * a bundle), MERGE_HEAD, CHERRY_PICK_HEAD, REVERT_HEAD and ORIG_HEAD.
   */
  async pseudoRefCommits(): Promise<string[]> {
    const worktrees = await readdir(join(this.commonDir, 'worktrees')).catch(() => [] as string[]);
    const dirs = new Set([this.gitDir, this.commonDir, ...worktrees.map((w) => join(this.commonDir, 'worktrees', w))]);
    const files = [...dirs].flatMap((dir) => PSEUDO_REFS.map((name) => join(dir, name)));
    const texts = await Promise.all(files.map((file) => readFile(file, 'latin1').catch(() => '')));
    return [...new Set(texts.flatMap(parseOidLines))];
  }

  /**
   * The diffs that put one of these blobs at a path, newest first: one pass
   * of `git log --find-object` over the commits that `tips` and every ref
   * (notes and the stash left out) reach, stopping at `exclude`. Each diff
   * comes with its commit, the commit's parents and the blobs it adds where;
   * a merge comes once for each parent whose diff adds one
   * (`--diff-merges=separate`, whatever log.diffMerges says), a root commit
   * with everything it has. Tips this clone does not have are ignored.
   */
  async blobIntroductions(
    blobs: Iterable<string>,
    tips: Iterable<string>,
    exclude: Iterable<string>,
  ): Promise<{ commit: string; parents: string[]; added: { blob: string; path: Buffer }[] }[]> {
    const wanted = new Set(blobs);
    const revs = [...new Set(tips)].concat([...new Set(exclude)].map((c) => `^${c}`));
    if (wanted.size === 0) return [];
    if (![...wanted, ...revs].every((r) => /^\^?(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(r)))
      throw new KmssigError('INPUT', messages.noSuchRevision(revs.join(' ')));
    const out = await this.git.bytes(
      [
        'log',
        '--format=%x01%H %P',
        '--raw',
        '-z',
        '--no-abbrev',
        '--no-renames',
        '--root',
        '--diff-merges=separate',
        '--no-color',
        '--no-show-signature',
        ...[...wanted].map((b) => `--find-object=${b}`),
        '--ignore-missing',
        '--exclude=refs/notes/*',
        '--exclude=refs/stash',
        '--all',
        '--stdin',
      ],
      revs.join('\n') + '\n',
    );
    return parseRawLog(out).flatMap(({ commit, parents, changes }) => {
      const added = changes.filter((c) => wanted.has(c.dst)).map((c) => ({ blob: c.dst, path: c.path }));
      return added.length > 0 ? [{ commit, parents, added }] : [];
    });
  }

  /** The blob ids these paths have in the index (any stage), by path; paths not in the index are left out. */
  async stagedBlobs(paths: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (paths.length === 0) return found;
    const out = await this.git.bytes(['ls-files', '-s', '-z', '--full-name', '--', ...paths.map((p) => `:(literal)${p}`)]);
    for (const { oid, path, mode } of parseLsFilesStage(out)) {
      if (mode === '160000') continue;
      const name = decodePathLossy(path);
      found.set(name, [...(found.get(name) ?? []), oid]);
    }
    return found;
  }

  /**
   * The blob id git would store for each of these paths that is a regular
   * file in the working tree (`git hash-object`, with the path's filters), by
   * path. Nothing is written to the object database.
   */
  async worktreeBlobs(paths: readonly string[]): Promise<Map<string, string>> {
    const files: string[] = [];
    for (const path of paths) if ((await lstat(join(this.root, path)).catch(() => undefined))?.isFile()) files.push(path);
    const found = new Map<string, string>();
    if (files.length === 0) return found;
    const oids = lines(await this.git.text(['hash-object', '--', ...files]));
    files.forEach((path, i) => {
      const oid = oids[i];
      if (oid) found.set(path, oid);
    });
    return found;
  }

  /** Whether this clone writes reflogs at all (a mirror clone or core.logAllRefUpdates=false writes none). */
  async keepsReflogs(): Promise<boolean> {
    const setting = (await this.configGet('core.logAllRefUpdates'))?.toLowerCase();
    if (setting !== undefined) return setting !== 'false';
    return (await this.git.text(['rev-parse', '--is-bare-repository'])).trim() !== 'true';
  }

  /** The commit that last changed a path in the history of `rev` (following the side a merge took it from). */
  async lastChange(rev: string, path: string): Promise<string | undefined> {
    return (await this.git.maybe(['log', '-1', '--format=%H', rev, '--', `:(literal)${path}`]))?.trim() || undefined;
  }

  /**
   * What makes git write these files to disk other than as it stores them:
   * core.autocrlf, and the text, eol, filter and working-tree-encoding
   * attributes (`git check-attr`), as `name=value` words.
   */
  async conversionsOf(paths: readonly string[]): Promise<string[]> {
    const found = new Set<string>();
    const autocrlf = await this.configGet('core.autocrlf');
    if (autocrlf && autocrlf.toLowerCase() !== 'false') found.add(`core.autocrlf=${autocrlf}`);
    if (paths.length > 0) {
      const out = (await this.git.maybe(['check-attr', '-z', 'text', 'eol', 'filter', 'working-tree-encoding', '--', ...paths])) ?? '';
      for (const { attr, value } of parseCheckAttr(out))
        if (value !== 'unspecified' && value !== 'unset') found.add(value === 'set' ? attr : `${attr}=${value}`);
    }
    return [...found];
  }

  /**
   * The settings that make git check out another entry type or mode than a
   * commit holds: core.symlinks=false (a symlink becomes a file of its target
   * text) and core.fileMode=false (the execute bit on disk means nothing).
   */
  async checkoutWithoutModes(): Promise<string[]> {
    const found: string[] = [];
    for (const key of ['core.symlinks', 'core.fileMode'])
      if ((await this.configGet(key))?.toLowerCase() === 'false') found.push(`${key}=false`);
    return found;
  }

  /** The remote-tracking refs that reach a commit, by short name (`origin/main`). */
  async remoteRefsContaining(commit: string): Promise<string[]> {
    return lines((await this.git.maybe(['for-each-ref', '--format=%(refname:short)', `--contains=${commit}`, 'refs/remotes/'])) ?? '');
  }

  async isShallow(): Promise<boolean> {
    return (await this.git.text(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  }

  async remotes(): Promise<string[]> {
    return lines(await this.git.text(['remote']));
  }

  async configGet(key: string): Promise<string | undefined> {
    return (await this.git.maybe(['config', '--get', key]))?.trim() || undefined;
  }

  async configGetAll(key: string): Promise<string[]> {
    return lines((await this.git.maybe(['config', '--get-all', key])) ?? '');
  }

  /** Replaces every entry of a local config section (such as `kmssig.trust`) with these, in order. */
  async configReplaceSection(section: string, entries: readonly (readonly [string, string])[]): Promise<void> {
    await this.git.maybe(['config', '--local', '--remove-section', section]);
    for (const [key, value] of entries) await this.git.text(['config', '--local', '--add', key, value]);
  }

  /** Files that differ between the index/worktree and HEAD, or are untracked. */
  async uncommittedPaths(): Promise<Set<string>> {
    const out = await this.git.bytes(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
    return new Set(parseStatusZ(out).map((raw) => this.name(raw)));
  }

  /** The environment git runs with here (a hook reopens the repository with it). */
  get environment(): NodeJS.ProcessEnv {
    return this.env;
  }

  /** The commit a revision names, or undefined when it names none (no error: for refs that may not exist). */
  async resolveCommit(rev: string): Promise<string | undefined> {
    return (await this.git.maybe(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]))?.trim() || undefined;
  }

  /** The object a ref or revision names, or undefined. */
  async resolve(rev: string): Promise<string | undefined> {
    return (await this.git.maybe(['rev-parse', '--verify', '--quiet', rev]))?.trim() || undefined;
  }

  /** Whether this full ref name exists as a ref (`refs/heads/main`, `refs/tags/v1`). */
  async refExists(name: string): Promise<boolean> {
    return (await this.git.maybe(['show-ref', '--verify', '--quiet', name])) !== undefined;
  }

  /** Whether this clone has the commit (a remote's old tip may be one it never fetched). */
  async hasCommit(oid: string): Promise<boolean> {
    return (await this.git.maybe(['cat-file', '-e', `${oid}^{commit}`])) !== undefined;
  }

  /** Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await this.git.maybe(['merge-base', '--is-ancestor', ancestor, descendant])) !== undefined;
  }

  /**
   * Of these commits, those that none of the others descends from (`git
   * merge-base --independent`): the newest of each line, in one git process.
   */
  async independentCommits(commits: readonly string[]): Promise<string[]> {
    if (commits.length < 2) return [...commits];
    if (!commits.every((c) => FULL_OID.test(c))) throw new KmssigError('INPUT', messages.noSuchRevision(commits.join(' ')));
    return lines(await this.git.text(['merge-base', '--independent', ...commits]));
  }

  /** A commit's parents, first parent first. */
  async parents(commit: string): Promise<string[]> {
    return lines(await this.git.text(['rev-parse', `${commit}^@`]));
  }

  /** Points a ref at an object (a remote-tracking notes ref after its push). */
  async updateRef(name: string, value: string): Promise<void> {
    await this.git.maybe(['update-ref', name, value]);
  }

  /** Deletes a ref (nothing when it does not exist). */
  async deleteRef(name: string): Promise<void> {
    await this.git.maybe(['update-ref', '-d', name]);
  }

  /**
   * Commits reachable from `tip` and not from `exclude` (a commit, or a
   * remote's tracking refs, or every remote's), newest first, with the paths
   * each changed against its first parent — for matching only (lossy names).
   */
  async changedPathsSince(
    tip: string,
    exclude: { commit: string } | { remote: string | undefined },
  ): Promise<{ commit: string; paths: string[] }[]> {
    const not = 'commit' in exclude ? [`^${exclude.commit}`] : ['--not', exclude.remote ? `--remotes=${exclude.remote}` : '--remotes'];
    const out = await this.git.bytes(['log', '--format=%x01%H', '--name-only', '-z', '--diff-merges=first-parent', tip, ...not, '--']);
    return parseNameOnlyLog(out).map(({ commit, paths }) => ({ commit, paths: paths.map((p) => decodePathLossy(p)) }));
  }

  /** Fetches `steps` more commits of history from a remote (a shallow clone); throws GIT when it fails. */
  async deepen(remote: string, steps: number): Promise<void> {
    await this.git.bytes(['fetch', '--quiet', '--no-tags', `--deepen=${steps}`, remote]);
  }

  /** A path inside the git directory as git resolves it (`hooks`: the repository's hooks folder), absolute. */
  async gitPath(name: string): Promise<string> {
    const path = (await this.git.text(['rev-parse', '--git-path', name])).trim();
    return isAbsolute(path) ? path : resolve(this.root, path);
  }

  /** Every value of a path-valued config key with the scope that set it (system, global, local, worktree…), in git's order. */
  async configPathScopes(key: string): Promise<{ scope: string; value: string }[]> {
    return parseConfigScopes((await this.git.maybe(['config', '--show-scope', '--type=path', '--get-all', key])) ?? '');
  }

  /** A path-valued config key as git reads it (`~` expanded), or undefined. */
  async configGetPath(key: string): Promise<string | undefined> {
    return (await this.git.maybe(['config', '--type=path', '--get', key]))?.trim() || undefined;
  }

  /** A key of this repository's own config file (not the global or system one), or undefined. */
  async configGetLocal(key: string): Promise<string | undefined> {
    return (await this.git.maybe(['config', '--local', '--get', key]))?.trim() || undefined;
  }

  /** Sets a key in this repository's own config file. */
  async configSetLocal(key: string, value: string): Promise<void> {
    await this.git.text(['config', '--local', key, value]);
  }

  /** Removes a key from this repository's own config file. */
  async configUnsetLocal(key: string): Promise<void> {
    await this.git.text(['config', '--local', '--unset', key]);
  }

  /** git's exec-path: the folder of its own programs (where git itself is, by absolute path). */
  async execPath(): Promise<string> {
    return (await this.git.text(['--exec-path'])).trim();
  }

  /**
   * A key of this worktree's own config file (config.worktree, which wins over
   * the repository's config); git reads it only with extensions.worktreeConfig.
   */
  async configGetWorktree(key: string): Promise<string | undefined> {
    return (await this.git.maybe(['config', '--worktree', '--get', key]))?.trim() || undefined;
  }

  async configSetWorktree(key: string, value: string): Promise<void> {
    await this.git.text(['config', '--worktree', key, value]);
  }

  async configUnsetWorktree(key: string): Promise<void> {
    await this.git.maybe(['config', '--worktree', '--unset', key]);
  }

  /** Adds a value to a multi-valued key (`remote.origin.fetch`). */
  async configAdd(key: string, value: string): Promise<void> {
    await this.git.text(['config', '--add', key, value]);
  }

  /** Removes every entry of a key that has exactly this value. */
  async configUnsetValue(key: string, value: string): Promise<void> {
    await this.git.text(['config', '--fixed-value', '--unset-all', key, value]);
  }

  /** Hashes the blobs' bytes (SHA-512 hex, by object id), streamed through cat-file. */
  // Loaded on demand: worker_threads is not for a hook that has nothing to do.
  async hashBlobs(oids: Iterable<string>): Promise<Map<string, string>> {
    const { hashBlobs } = await import('./hashBlobs.js');
    return hashBlobs(this.git, oids);
  }

  /** INPUT (exit 2), naming the file, when one of these listed paths is not UTF-8. */
  assertUtf8(paths: Iterable<string>): void {
    for (const path of paths) {
      const shown = this.notUtf8.get(path);
      if (shown !== undefined) throw new KmssigError('INPUT', messages.pathNotUtf8(shown));
    }
  }

  private name(raw: Buffer): string {
    try {
      return utf8.decode(raw);
    } catch {
      const path = lossy.decode(raw);
      this.notUtf8.set(path, showName(raw));
      return path;
    }
  }
}

/**
 * Where git looks for replace refs: GIT_REPLACE_REF_BASE, else
 * `refs/replace/` (always with its trailing slash, as git names them).
 */
export function replaceRefBase(env: NodeJS.ProcessEnv): string {
  const base = env.GIT_REPLACE_REF_BASE || 'refs/replace/';
  return base.endsWith('/') ? base : `${base}/`;
}

/** git's files that name commits outside refs and reflogs (see pseudoRefCommits). */
const PSEUDO_REFS = ['FETCH_HEAD', 'MERGE_HEAD', 'CHERRY_PICK_HEAD', 'REVERT_HEAD', 'ORIG_HEAD'];

/** The last `bytes` of a file as text (`whole` when that is all of it), or undefined when it does not exist. */
async function readTail(path: string, bytes: number): Promise<{ text: string; whole: boolean } | undefined> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return undefined;
  try {
    const { size } = await file.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    return { text: buffer.toString('utf8'), whole: length === size };
  } finally {
    await file.close();
  }
}

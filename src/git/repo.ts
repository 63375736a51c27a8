import { isAbsolute, resolve } from 'node:path';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { createGitRunner, type GitRunner, type GitRunnerOptions } from './exec.js';

/** An entry of a commit's tree: a file (blob) or a symlink; gitlinks are left out. */
export interface TreeEntry {
  path: string;
  oid: string;
  mode: string;
}

const NULL_OID = /^0+$/;
/** A line of `git rev-list --parents`: a commit and its parents; `boundary` for a `--boundary` commit. */
export interface HistoryEntry {
  commit: string;
  parents: string[];
  boundary: boolean;
}

export const isNullOid = (oid: string) => NULL_OID.test(oid);

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

function splitZ(out: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = out.indexOf(0); i !== -1; i = out.indexOf(0, start)) {
    parts.push(out.subarray(start, i));
    start = i + 1;
  }
  if (start < out.length) parts.push(out.subarray(start));
  return parts;
}

/** A git repository: its folders and the read queries kmssig needs. */
export class Repo {
  readonly git: GitRunner;
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
    const [root, gitDir, common] = out?.split('\n') ?? [];
    if (!root || !gitDir || !common) throw new KmssigError('NOT_A_REPO', messages.notARepo(cwd));
    const repo = new Repo(createGitRunner(root, env, options), root, gitDir, isAbsolute(common) ? common : resolve(root, common));
    repo.env = env;
    return repo;
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
    const out = await this.git.text(['for-each-ref', '--format=%(refname)', `--points-at=${commit}`, 'refs/tags/']);
    return out.split('\n').filter(Boolean);
  }

  /** `Name <email>` of each commit's author, in one git call. */
  async authors(commits: string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (commits.length === 0) return result;
    const out = await this.git.bytes(['log', '--no-walk=unsorted', '--format=%H %an <%ae>', '--stdin'], commits.join('\n') + '\n');
    for (const line of out.toString('utf8').split('\n')) {
      if (line.length > 41) result.set(line.slice(0, 40), line.slice(41));
    }
    return result;
  }

  /** The files and symlinks of a commit's tree, with their blob ids. */
  async listTree(commit: string): Promise<TreeEntry[]> {
    const out = await this.git.bytes(['ls-tree', '-r', '-z', '--full-tree', commit]);
    const entries: TreeEntry[] = [];
    for (const raw of splitZ(out)) {
      const tab = raw.indexOf(9);
      const [mode, type, oid] = raw.subarray(0, tab).toString('latin1').split(' ');
      if (type !== 'blob' || !mode || !oid) continue;
      entries.push({ path: this.name(raw.subarray(tab + 1)), oid, mode });
    }
    return entries;
  }

  /** The files git sees in the working tree: tracked, and untracked but not ignored. */
  async listWorktree(): Promise<string[]> {
    const out = await this.git.bytes(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--full-name']);
    return [...new Set(splitZ(out).map((raw) => this.name(raw)))];
  }

  /** Commits reachable from `rev`, newest first, at most `max`; extra rev-list arguments narrow it. */
  async revList(rev: string, max: number, extra: string[] = []): Promise<string[]> {
    const out = await this.git.text(['rev-list', `--max-count=${max}`, rev, ...extra, '--']);
    return out.split('\n').filter(Boolean);
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
      if (line === '') continue;
      const boundary = line.startsWith('-');
      const [commit, ...parents] = (boundary ? line.slice(1) : line).split(' ');
      yield { commit: commit!, parents, boundary };
    }
  }

  /** Commits reachable from `rev` and from no remote-tracking ref: the user's own, unpushed work. */
  async localCommits(rev: string, max: number): Promise<{ commits: string[]; boundary: string[] }> {
    const out = await this.git.text(['rev-list', '--boundary', `--max-count=${max}`, rev, '--not', '--remotes', '--']);
    const commits: string[] = [];
    const boundary: string[] = [];
    for (const line of out.split('\n').filter(Boolean)) (line.startsWith('-') ? boundary : commits).push(line.replace(/^-/, ''));
    return { commits, boundary };
  }

  async isShallow(): Promise<boolean> {
    return (await this.git.text(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  }

  async remotes(): Promise<string[]> {
    return (await this.git.text(['remote'])).split('\n').filter(Boolean);
  }

  async configGet(key: string): Promise<string | undefined> {
    return (await this.git.maybe(['config', '--get', key]))?.trim() || undefined;
  }

  async configGetAll(key: string): Promise<string[]> {
    return ((await this.git.maybe(['config', '--get-all', key])) ?? '').split('\n').filter(Boolean);
  }

  /** Files that differ between the index/worktree and HEAD, or are untracked. */
  async uncommittedPaths(): Promise<Set<string>> {
    const out = await this.git.bytes(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
    return new Set(splitZ(out).map((raw) => this.name(raw.subarray(3))));
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

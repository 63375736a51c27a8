/**
 * Parsers of git's output: pure functions from what git printed to values,
 * kept apart from the code that runs git so each is tested on its own
 * (test/unit/git/parse.test.ts), as lint-staged keeps parseGitZOutput apart
 * from execGit.
 */

/** Splits NUL-terminated output (`-z`) into its records; a last record without a NUL is kept. */
export function splitZ(out: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = out.indexOf(0); i !== -1; i = out.indexOf(0, start)) {
    parts.push(out.subarray(start, i));
    start = i + 1;
  }
  if (start < out.length) parts.push(out.subarray(start));
  return parts;
}

/** Non-empty lines of text output. */
export const lines = (out: string): string[] => out.split('\n').filter(Boolean);

/** One `git ls-tree -r -z` record: `<mode> <type> <oid>\t<path>`, the path as raw bytes. */
export interface RawTreeEntry {
  mode: string;
  type: string;
  oid: string;
  path: Buffer;
}

export function parseLsTree(out: Buffer): RawTreeEntry[] {
  const entries: RawTreeEntry[] = [];
  for (const raw of splitZ(out)) {
    const tab = raw.indexOf(9);
    if (tab === -1) continue;
    const [mode, type, oid] = raw.subarray(0, tab).toString('latin1').split(' ');
    if (!mode || !type || !oid) continue;
    entries.push({ mode, type, oid, path: raw.subarray(tab + 1) });
  }
  return entries;
}

/** The header line `cat-file --batch` writes before each object: `<oid> <type> <size>`, or `<name> missing`. */
export type CatFileHeader = { oid: string; type: string; size: number } | { missing: string };

export function parseCatFileHeader(line: string): CatFileHeader {
  const parts = line.split(' ');
  if (parts.length !== 3 || !/^\d+$/.test(parts[2]!)) return { missing: parts[0] ?? '' };
  return { oid: parts[0]!, type: parts[1]!, size: Number(parts[2]) };
}

/**
 * The objects of a `cat-file --batch` answer, in order: each header and its
 * content. A request git answered with `missing` (or `ambiguous`) has no content.
 */
export function* parseCatFileBatch(out: Buffer): Generator<{ header: CatFileHeader; content?: Buffer }> {
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(10, at);
    if (nl === -1) return;
    const header = parseCatFileHeader(out.subarray(at, nl).toString('latin1'));
    at = nl + 1;
    if ('missing' in header) {
      yield { header };
      continue;
    }
    yield { header, content: out.subarray(at, at + header.size) };
    at += header.size + 1;
  }
}

/** What an incremental reader of `cat-file --batch` output tells, object by object. */
export interface CatFileLineSink {
  /** An object's header; false: its content is read past, never kept (a `missing` object has none). */
  object(header: CatFileHeader): boolean;
  /** One line of an accepted object's content, without its newline (a last line without one too); false: the rest of the object is read past. */
  line(line: Buffer): boolean;
  /** The end of the object. */
  end(): void;
}

/**
 * An incremental reader of `git cat-file --batch` output: feed it the output
 * in whatever chunks it arrives, and it hands each object's content on line
 * by line, keeping no more than the line being read (an object, or the rest
 * of one, that the sink refuses is counted past, never kept). `complete()`
 * tells whether the output ended between two objects.
 */
export function catFileBatchLines(sink: CatFileLineSink): { feed(chunk: Buffer): void; complete(): boolean } {
  let header: Buffer[] = [];
  let left = -1; // content bytes still to come of the current object; -1 between objects
  let trailer = false; // the newline after an object's content
  let reading = false; // the sink still wants the current object's lines
  let parts: Buffer[] = []; // the line being read
  const endObject = () => {
    if (reading && parts.length > 0) sink.line(Buffer.concat(parts));
    parts = [];
    left = -1;
    sink.end();
  };
  const feed = (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (trailer) {
        at++;
        trailer = false;
      } else if (left === -1) {
        const nl = chunk.indexOf(10, at);
        if (nl === -1) {
          header.push(chunk.subarray(at));
          return;
        }
        header.push(chunk.subarray(at, nl));
        at = nl + 1;
        const parsed = parseCatFileHeader(Buffer.concat(header).toString('latin1'));
        header = [];
        reading = sink.object(parsed);
        if ('missing' in parsed) {
          reading = false;
          sink.end();
          continue;
        }
        left = parsed.size;
        if (left === 0) {
          endObject();
          trailer = true;
        }
      } else {
        const take = Math.min(left, chunk.length - at);
        const end = at + take;
        while (reading && at < end) {
          const nl = chunk.indexOf(10, at);
          if (nl === -1 || nl >= end) break;
          parts.push(chunk.subarray(at, nl));
          const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
          parts = [];
          at = nl + 1;
          reading = sink.line(line);
        }
        if (reading && at < end) parts.push(chunk.subarray(at, end));
        at = end;
        left -= take;
        if (left === 0) {
          endObject();
          trailer = true;
        }
      }
    }
  };
  return { feed, complete: () => left === -1 && !trailer && header.length === 0 };
}

/** `git for-each-ref --format='%(objectname) %(refname)'`: ref name -> object id. */
export function parseRefList(out: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of lines(out)) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

/** `git notes list`: `<note blob> <annotated commit>` per line. */
export function parseNotesList(out: string): { blob: string; commit: string }[] {
  const notes: { blob: string; commit: string }[] = [];
  for (const line of lines(out)) {
    const [blob, commit] = line.split(' ');
    if (blob && commit) notes.push({ blob, commit });
  }
  return notes;
}

/** A line of `git rev-list --parents [--boundary]`: a commit, its parents, and `-` before a boundary commit. */
export function parseHistoryLine(line: string): { commit: string; parents: string[]; boundary: boolean } | undefined {
  if (line === '') return undefined;
  const boundary = line.startsWith('-');
  const [commit, ...parents] = (boundary ? line.slice(1) : line).split(' ');
  return { commit: commit!, parents, boundary };
}

/** `git rev-list --boundary`: the commits inside the region, and the boundary (`-<oid>`) commits. */
export function parseBoundary(out: string): { inside: string[]; boundary: string[] } {
  const inside: string[] = [];
  const boundary: string[] = [];
  for (const line of lines(out)) {
    if (line.startsWith('-')) boundary.push(line.slice(1));
    else inside.push(line);
  }
  return { inside, boundary };
}

/** `git config -z --get-regexp`: `<key>\n<value>\0` records, as [key, value] pairs. */
export function parseConfigZ(out: string): [string, string][] {
  return out
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const nl = entry.indexOf('\n');
      return nl === -1 ? [entry, ''] : [entry.slice(0, nl), entry.slice(nl + 1)];
    });
}

/** `git config --show-scope --get-all`: `<scope>\t<value>` per line, in git's order. */
export function parseConfigScopes(out: string): { scope: string; value: string }[] {
  return lines(out).map((line) => {
    const [scope = '', ...rest] = line.split('\t');
    return { scope, value: rest.join('\t') };
  });
}

/**
 * `git log -g --all --format='%H %gD %gs'`: each reflog entry's commit, the
 * ref whose reflog it is (`refs/heads/main`, `HEAD`, `refs/stash`) and its
 * subject. The selector after the ref (`@{0}`, or a date with spaces when
 * `log.date` asks for one) ends at the first `} `.
 */
export function parseReflog(out: string): { commit: string; ref: string; subject: string }[] {
  const entries: { commit: string; ref: string; subject: string }[] = [];
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    const at = line.indexOf('@{', space + 1);
    const close = at === -1 ? -1 : line.indexOf('} ', at);
    if (space < 40 || close === -1) continue;
    entries.push({ commit: line.slice(0, space), ref: line.slice(space + 1, at), subject: line.slice(close + 2) });
  }
  return entries;
}

/** A file of object ids such as FETCH_HEAD or MERGE_HEAD: the id that starts each line (`<oid>\t[not-for-merge]\t<what>`). */
export function parseOidLines(text: string): string[] {
  const oids: string[] = [];
  for (const line of text.split('\n')) {
    const oid = /^([0-9a-f]{40}|[0-9a-f]{64})(?![0-9a-f])/.exec(line)?.[1];
    if (oid) oids.push(oid);
  }
  return oids;
}

/** One change of `git log --raw -z`: the modes, the object ids before and after, the status letter and the path (raw bytes). */
export interface RawChange {
  srcMode: string;
  dstMode: string;
  src: string;
  dst: string;
  status: string;
  path: Buffer;
}

/**
 * `git log --format=%x01%H %P --raw -z --no-abbrev --no-renames [-m]`: each
 * commit with its parents and the changes of one diff. With `-m` a merge
 * comes once for every parent its diff against shows a change, each time
 * with that diff's changes.
 */
export function parseRawLog(out: Buffer): { commit: string; parents: string[]; changes: RawChange[] }[] {
  const commits: { commit: string; parents: string[]; changes: RawChange[] }[] = [];
  let current: { commit: string; parents: string[]; changes: RawChange[] } | undefined;
  const tokens = splitZ(out);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token[0] === 1) {
      const [commit = '', ...parents] = token.subarray(1).toString('latin1').trim().split(' ').filter(Boolean);
      current = { commit, parents, changes: [] };
      commits.push(current);
      continue;
    }
    const text = token.toString('latin1').replace(/^\n/, '');
    if (!current || !text.startsWith(':')) continue;
    const [srcMode = '', dstMode = '', src = '', dst = '', status = ''] = text.slice(1).split(' ');
    const path = tokens[++i];
    if (path === undefined) break;
    // A rename or copy (not asked for) names two paths: the second is where the content is now.
    const to = /^[RC]/.test(status) ? tokens[++i] : path;
    if (to === undefined) break;
    current.changes.push({ srcMode, dstMode, src, dst, status, path: to });
  }
  return commits;
}

/** `git ls-files -s -z`: `<mode> <oid> <stage>\t<path>` records: each path (raw bytes) with its object id and stage. */
export function parseLsFilesStage(out: Buffer): { mode: string; oid: string; stage: number; path: Buffer }[] {
  const entries: { mode: string; oid: string; stage: number; path: Buffer }[] = [];
  for (const raw of splitZ(out)) {
    const tab = raw.indexOf(9);
    if (tab === -1) continue;
    const [mode, oid, stage] = raw.subarray(0, tab).toString('latin1').split(' ');
    if (!mode || !oid || stage === undefined) continue;
    entries.push({ mode, oid, stage: Number(stage), path: raw.subarray(tab + 1) });
  }
  return entries;
}

/** `git log --format='%H %an <%ae>'`: commit -> `Name <email>`. */
export function parseAuthors(out: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of out.split('\n')) if (line.length > 41) result.set(line.slice(0, 40), line.slice(41));
  return result;
}

/** `git check-attr -z <attr>… -- <path>…`: `<path>\0<attr>\0<value>\0` triples. */
export function parseCheckAttr(out: string): { path: string; attr: string; value: string }[] {
  const parts = out.split('\0');
  const found: { path: string; attr: string; value: string }[] = [];
  for (let i = 0; i + 2 < parts.length; i += 3) found.push({ path: parts[i]!, attr: parts[i + 1]!, value: parts[i + 2]! });
  return found;
}

/**
 * `git log --format=%x01%H --name-only -z`: each commit (marked by \x01) and
 * the paths it changed, as raw bytes (decoded by the caller, which knows
 * whether a bad name is an error).
 */
export function parseNameOnlyLog(out: Buffer): { commit: string; paths: Buffer[] }[] {
  const commits: { commit: string; paths: Buffer[] }[] = [];
  let current: { commit: string; paths: Buffer[] } | undefined;
  for (const token of splitZ(out)) {
    if (token[0] === 1) {
      current = { commit: token.subarray(1).toString('latin1').trim(), paths: [] };
      commits.push(current);
    } else if (current && token.length > 0) {
      current.paths.push(token[0] === 10 ? token.subarray(1) : token);
    }
  }
  return commits;
}

/** `git status --porcelain=v1 -z`: the path of each entry (after `XY `), as raw bytes. */
export function parseStatusZ(out: Buffer): Buffer[] {
  return splitZ(out).map((raw) => raw.subarray(3));
}

/**
 * `git for-each-ref --format=%(refname) <base>`: the replace refs, named
 * `<base><replaced object id>` — replaced object id -> ref name. A ref under
 * the base whose last part is not an object id replaces nothing (git ignores it).
 */
export function parseReplaceRefs(out: string, base: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const ref of lines(out)) {
    const oid = ref.startsWith(base) ? ref.slice(base.length) : '';
    if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(oid)) refs.set(oid, ref);
  }
  return refs;
}

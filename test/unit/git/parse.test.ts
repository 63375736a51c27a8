import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  catFileBatchLines,
  parseAuthors,
  parseBoundary,
  parseCatFileBatch,
  parseCatFileHeader,
  parseCheckAttr,
  parseConfigScopes,
  parseConfigZ,
  parseHistoryLine,
  parseLsFilesStage,
  parseLsTree,
  parseNameOnlyLog,
  parseOidLines,
  parseRawLog,
  parseNotesList,
  parseRefList,
  parseReflog,
  parseReplaceRefs,
  parseStatusZ,
  splitZ,
} from '../../../src/git/parse.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const z = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

describe('parsers of git output', () => {
  it('splitZ keeps a last record without NUL and empty records between NULs', () => {
    assert.deepEqual(
      splitZ(z('a\0\0b')).map((b) => b.toString()),
      ['a', '', 'b'],
    );
    assert.deepEqual(splitZ(Buffer.alloc(0)), []);
  });

  it('ls-tree -r -z: mode, type, oid and the raw path (tabs and non-UTF-8 bytes kept)', () => {
    const out = z(
      `100644 blob ${A}\tdist/a b.txt\0`,
      `120000 blob ${B}\tlink\0`,
      `160000 commit ${C}\tsub\0`,
      `100755 blob ${A}\t`,
      Buffer.from([0xff, 0x09, 0x41]),
      '\0',
    );
    const entries = parseLsTree(out);
    assert.deepEqual(
      entries.map((e) => [e.mode, e.type, e.oid, e.path.toString('latin1')]),
      [
        ['100644', 'blob', A, 'dist/a b.txt'],
        ['120000', 'blob', B, 'link'],
        ['160000', 'commit', C, 'sub'],
        ['100755', 'blob', A, '\xff\tA'],
      ],
    );
  });

  it('cat-file headers: an object, and a name git could not find', () => {
    assert.deepEqual(parseCatFileHeader(`${A} blob 12`), { oid: A, type: 'blob', size: 12 });
    assert.deepEqual(parseCatFileHeader('HEAD:nope missing'), { missing: 'HEAD:nope' });
    assert.deepEqual(parseCatFileHeader('abc ambiguous'), { missing: 'abc' });
  });

  it('cat-file --batch: contents that hold newlines, a missing object in between', () => {
    const out = z(`${A} blob 5\nx\ny\nz\n`, 'HEAD:gone missing\n', `${B} tree 0\n\n`, `${C} blob 2\nok\n`);
    const objects = [...parseCatFileBatch(out)];
    assert.equal(objects.length, 4);
    assert.equal(objects[0]!.content!.toString(), 'x\ny\nz');
    assert.deepEqual(objects[1]!.header, { missing: 'HEAD:gone' });
    assert.equal(objects[1]!.content, undefined);
    assert.deepEqual(objects[2]!.header, { oid: B, type: 'tree', size: 0 });
    assert.equal(objects[3]!.content!.toString(), 'ok');
  });

  it('for-each-ref and notes list', () => {
    assert.deepEqual(
      [...parseRefList(`${A} refs/notes/kmssig\n${B} refs/notes/remotes/origin/kmssig\n`)],
      [
        ['refs/notes/kmssig', A],
        ['refs/notes/remotes/origin/kmssig', B],
      ],
    );
    assert.deepEqual(parseNotesList(`${A} ${B}\n\n${C} ${A}\n`), [
      { blob: A, commit: B },
      { blob: C, commit: A },
    ]);
  });

  it('rev-list --parents lines and --boundary regions', () => {
    assert.deepEqual(parseHistoryLine(`${A} ${B} ${C}`), { commit: A, parents: [B, C], boundary: false });
    assert.deepEqual(parseHistoryLine(`-${B}`), { commit: B, parents: [], boundary: true });
    assert.equal(parseHistoryLine(''), undefined);
    assert.deepEqual(parseBoundary(`${A}\n${B}\n-${C}\n`), { inside: [A, B], boundary: [C] });
  });

  it('config -z --get-regexp and --show-scope', () => {
    assert.deepEqual(parseConfigZ('kmssig.trust.key\narn:1\0kmssig.flag\0'), [
      ['kmssig.trust.key', 'arn:1'],
      ['kmssig.flag', ''],
    ]);
    assert.deepEqual(parseConfigScopes('global\t/home/u/hooks\nlocal\t.git/k\tx\n'), [
      { scope: 'global', value: '/home/u/hooks' },
      { scope: 'local', value: '.git/k\tx' },
    ]);
  });

  it('reflog subjects and authors keep spaces after the commit', () => {
    assert.deepEqual(parseReflog(`${A} refs/heads/main@{0} commit (amend): fix it\n${B} \nshort\n`), [
      { commit: A, ref: 'refs/heads/main', subject: 'commit (amend): fix it' },
    ]);
    // log.date=relative turns the selector into a date with spaces; the subject starts after its `} `.
    assert.deepEqual(parseReflog(`${B} HEAD@{3 minutes ago} pull: Fast-forward\n${C} refs/stash@{0} WIP on main: x\n`), [
      { commit: B, ref: 'HEAD', subject: 'pull: Fast-forward' },
      { commit: C, ref: 'refs/stash', subject: 'WIP on main: x' },
    ]);
    assert.deepEqual([...parseAuthors(`${A} Ada L <ada@example>\n`)], [[A, 'Ada L <ada@example>']]);
  });

  it('check-attr -z triples', () => {
    assert.deepEqual(parseCheckAttr('a.txt\0text\0set\0a.txt\0eol\0crlf\0'), [
      { path: 'a.txt', attr: 'text', value: 'set' },
      { path: 'a.txt', attr: 'eol', value: 'crlf' },
    ]);
  });

  it('log --name-only -z: commits with their paths, one without any', () => {
    // As git 2.39 prints `log --format=%x01%H --name-only -z`: the first path of a commit follows a newline.
    const out = z(`\x01${A}\0`, `\x01${B}\0\ndist/a\0dist/b c\0`, `\x01${C}\0\nx\0`);
    assert.deepEqual(
      parseNameOnlyLog(out).map((c) => [c.commit, c.paths.map((p) => p.toString())]),
      [
        [A, []],
        [B, ['dist/a', 'dist/b c']],
        [C, ['x']],
      ],
    );
  });

  it('FETCH_HEAD and MERGE_HEAD: the object id that starts each line', () => {
    const fetchHead = `${A}\t\t'refs/pull/8/head' of /tmp/remote\n${B}\tnot-for-merge\tbranch 'x' of /tmp/remote\nnot an id\n${'d'.repeat(41)}\n`;
    assert.deepEqual(parseOidLines(fetchHead), [A, B]);
    assert.deepEqual(parseOidLines(`${C}\n`), [C]);
    assert.deepEqual(parseOidLines(''), []);
  });

  it('log --raw -z -m: a merge once per parent diff, paths as bytes, no change lines for a bare header', () => {
    // As git 2.39 prints `log --format='%x01%H %P' --raw -z --no-abbrev -m`: the first change follows a newline.
    const zero = '0'.repeat(40);
    const out = z(
      `\x01${A} ${B} ${C}\0\n:000000 100644 ${zero} ${B} A\0dist/evil\0`,
      `\x01${A} ${B} ${C}\0\n:000000 100644 ${zero} ${B} A\0dist/evil\0`,
      `\x01${B}\0\n:100644 100755 ${C} ${A} M\0`,
      Buffer.from([0x01, 0x61, 0x20, 0x62]), // a path that starts with \x01 is a path, not a header
      `\0:100644 100644 ${A} ${B} R100\0old\0new\0`,
      `\x01${C} \0`,
    );
    const parsed = parseRawLog(out);
    assert.deepEqual(
      parsed.map((c) => [c.commit, c.parents, c.changes.map((ch) => [ch.status, ch.src, ch.dst, ch.dstMode, ch.path.toString('latin1')])]),
      [
        [A, [B, C], [['A', zero, B, '100644', 'dist/evil']]],
        [A, [B, C], [['A', zero, B, '100644', 'dist/evil']]],
        [
          B,
          [],
          [
            ['M', C, A, '100755', '\x01a b'],
            ['R100', A, B, '100644', 'new'],
          ],
        ],
        [C, [], []],
      ],
    );
  });

  it('ls-files -s -z: mode, object id, stage and path', () => {
    assert.deepEqual(
      parseLsFilesStage(z(`100644 ${A} 0\tdist/a b\0`, `120000 ${B} 2\tlink\0`, 'junk\0')).map((e) => [
        e.mode,
        e.oid,
        e.stage,
        e.path.toString(),
      ]),
      [
        ['100644', A, 0, 'dist/a b'],
        ['120000', B, 2, 'link'],
      ],
    );
  });

  it('status --porcelain=v1 -z paths', () => {
    assert.deepEqual(
      parseStatusZ(z(' M dist/a\0?? new file\0')).map((b) => b.toString()),
      ['dist/a', 'new file'],
    );
  });

  it('replace refs: the replaced id from each name under the base; other names replace nothing', () => {
    const out = `refs/replace/${A}\nrefs/replace/${B}\nrefs/replace/not-an-id\nrefs/replace/${'d'.repeat(39)}\nrefs/replacements/${C}\n`;
    assert.deepEqual(
      [...parseReplaceRefs(out, 'refs/replace/')],
      [
        [A, `refs/replace/${A}`],
        [B, `refs/replace/${B}`],
      ],
    );
    assert.deepEqual([...parseReplaceRefs(`refs/other/${C}\n`, 'refs/other/')], [[C, `refs/other/${C}`]]);
    assert.deepEqual([...parseReplaceRefs('', 'refs/replace/')], []);
  });

  describe('catFileBatchLines (cat-file --batch read as a stream)', () => {
    // Three blobs and a missing object, as git writes them: header, content, newline.
    const out = z(`${A} blob 14\nline 1\nline 2\n\n`, `${B} blob 10\nno\nnewline\n`, `${C} missing\n`, `${A} blob 0\n\n`);
    /** Feeds `out` in pieces of `size` bytes; `take` says how many lines of each object the sink wants. */
    const read = (size: number, take = Infinity, skip: string[] = []) => {
      const events: string[] = [];
      let wanted = 0;
      const reader = catFileBatchLines({
        object(header) {
          events.push('missing' in header ? `missing ${header.missing.slice(0, 1)}` : `object ${header.oid.slice(0, 1)} ${header.size}`);
          wanted = take;
          return !('oid' in header && skip.includes(header.oid));
        },
        line(line) {
          events.push(`line ${JSON.stringify(line.toString())}`);
          return --wanted > 0;
        },
        end: () => events.push('end'),
      });
      for (let at = 0; at < out.length; at += size) reader.feed(out.subarray(at, at + size));
      return { events, complete: reader.complete() };
    };
    const whole = [
      `object a 14`,
      'line "line 1"',
      'line "line 2"',
      'end',
      'object b 10',
      'line "no"',
      'line "newline"',
      'end',
      'missing c',
      'end',
      'object a 0',
      'end',
    ];

    it('hands each line on, whatever chunks the output arrives in (a last line without its newline too)', () => {
      for (const size of [1, 2, 3, 7, 13, out.length]) assert.deepEqual(read(size), { events: whole, complete: true }, `chunks of ${size}`);
    });

    it('reads past an object the sink refuses, and past the rest of one once the sink has enough', () => {
      for (const size of [1, 5, out.length]) {
        const skipped = read(size, Infinity, [B]).events;
        assert.deepEqual(skipped, [...whole.slice(0, 5), 'end', ...whole.slice(8)], `chunks of ${size}`);
        const first = read(size, 1).events;
        assert.deepEqual(first, ['object a 14', 'line "line 1"', 'end', 'object b 10', 'line "no"', 'end', ...whole.slice(8)]);
      }
    });

    it('tells when the output ended inside an object', () => {
      const reader = catFileBatchLines({ object: () => true, line: () => true, end: () => {} });
      reader.feed(out.subarray(0, 50));
      assert.equal(reader.complete(), false);
    });
  });
});

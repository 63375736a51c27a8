import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFileAtomic } from '../../../src/fs/atomicWrite.js';

describe('writeFileAtomic', () => {
  let root: string;
  let n = 0;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'kmssig-atomic-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const folder = () => {
    const path = join(root, `d${++n}`);
    mkdirSync(path);
    return path;
  };

  it('creates a file with the given bytes and leaves no temp file', async () => {
    const dir = folder();
    const data = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    await writeFileAtomic(join(dir, 'out.sig'), data);
    assert.deepEqual(readFileSync(join(dir, 'out.sig')), data);
    assert.deepEqual(readdirSync(dir), ['out.sig']);
  });

  it('writes strings as UTF-8', async () => {
    const dir = folder();
    await writeFileAtomic(join(dir, 'x.json'), '{"name":"Zoë"}\n');
    assert.deepEqual(readFileSync(join(dir, 'x.json')), Buffer.from('{"name":"Zoë"}\n', 'utf8'));
  });

  it('replaces an existing file whole, also with shorter content', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'out.sig'), 'a much longer previous content');
    await writeFileAtomic(join(dir, 'out.sig'), 'short');
    assert.equal(readFileSync(join(dir, 'out.sig'), 'utf8'), 'short');
    assert.deepEqual(readdirSync(dir), ['out.sig']);
  });

  it('a failed write leaves the existing file untouched and removes its temp file', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'out.sig'), 'previous');
    // Data the file handle refuses: the write fails after the temp file was created.
    await assert.rejects(writeFileAtomic(join(dir, 'out.sig'), 42 as unknown as string));
    assert.equal(readFileSync(join(dir, 'out.sig'), 'utf8'), 'previous');
    assert.deepEqual(readdirSync(dir), ['out.sig']);
  });

  it('a failed rename (the target is a folder) leaves the folder as it was and no temp file', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'out.sig'));
    writeFileSync(join(dir, 'out.sig', 'inside'), 'x');
    await assert.rejects(writeFileAtomic(join(dir, 'out.sig'), 'new'));
    assert.deepEqual(readdirSync(dir), ['out.sig']);
    assert.deepEqual(readdirSync(join(dir, 'out.sig')), ['inside']);
  });

  it('fails without creating anything when the folder does not exist', async () => {
    const dir = folder();
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'out.sig'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('readers see the old or the new content whole, never a part', async () => {
    const dir = folder();
    const path = join(dir, 'big.sig');
    const size = 4 * 1024 * 1024;
    const versions = ['a', 'b', 'c', 'd', 'e'].map((c) => Buffer.alloc(size, c));
    writeFileSync(path, versions[0]!);
    let writing = true;
    const writer = (async () => {
      for (const v of versions.slice(1)) await writeFileAtomic(path, v);
      writing = false;
    })();
    let reads = 0;
    while (writing || reads === 0) {
      const seen = await readFile(path);
      assert.equal(seen.length, size);
      assert.ok(versions.some((v) => v[0] === seen[0]) && seen.every((b) => b === seen[0]), 'one whole version');
      reads++;
    }
    await writer;
    assert.deepEqual(readFileSync(path), versions.at(-1));
    assert.deepEqual(readdirSync(dir), ['big.sig']);
  });

  it('concurrent writers: the file ends as one of the writes, whole', async () => {
    const dir = folder();
    const path = join(dir, 'out.sig');
    const payloads = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024 + i, 65 + i));
    await Promise.all(payloads.map((p) => writeFileAtomic(path, p)));
    const final = readFileSync(path);
    assert.ok(payloads.some((p) => p.equals(final)));
    assert.deepEqual(readdirSync(dir), ['out.sig']);
  });
});

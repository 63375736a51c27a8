import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allOk, compareFiles, isFailure } from '../../../src/core/compare.js';

const A = 'a'.repeat(128);
const B = 'b'.repeat(128);

describe('compareFiles', () => {
  it('names each file ok, modified, unsigned or missing, sorted by path', () => {
    const actual = new Map([
      ['dist/z', A],
      ['dist/same', A],
      ['dist/changed', B],
      ['dist/new', A],
    ]);
    const signed = { 'dist/same': A, 'dist/changed': A, 'dist/gone': B, 'dist/z': A };
    assert.deepEqual(compareFiles(actual, signed), [
      { path: 'dist/changed', state: 'modified' },
      { path: 'dist/gone', state: 'missing' },
      { path: 'dist/new', state: 'unsigned' },
      { path: 'dist/same', state: 'ok' },
      { path: 'dist/z', state: 'ok' },
    ]);
  });

  it('sorts by code unit, not by locale', () => {
    const actual = new Map([
      ['b', A],
      ['B', A],
      ['a', A],
    ]);
    assert.deepEqual(
      compareFiles(actual, { a: A, b: A, B: A }).map((r) => r.path),
      ['B', 'a', 'b'],
    );
  });

  it('passes only when the sets are equal and every digest matches', () => {
    assert.ok(allOk(compareFiles(new Map([['x', A]]), { x: A })));
    assert.ok(!allOk(compareFiles(new Map([['x', A]]), { x: B })));
    assert.ok(!allOk(compareFiles(new Map([['x', A]]), { x: A, y: A })), 'a signed file that is gone fails');
    assert.ok(
      !allOk(
        compareFiles(
          new Map([
            ['x', A],
            ['y', A],
          ]),
          { x: A },
        ),
      ),
      'an extra listed file fails',
    );
    assert.ok(!allOk(compareFiles(new Map(), { x: A })));
  });

  it('reads only own properties of the record: file names like __proto__ or constructor are ordinary', () => {
    const signed = JSON.parse(`{"__proto__":"${A}","toString":"${A}"}`) as Record<string, string>;
    const actual = new Map([
      ['__proto__', A],
      ['toString', B],
      ['constructor', A],
      ['hasOwnProperty', A],
    ]);
    assert.deepEqual(
      compareFiles(actual, signed).map((r) => `${r.path}: ${r.state}`),
      ['__proto__: ok', 'constructor: unsigned', 'hasOwnProperty: unsigned', 'toString: modified'],
    );
  });

  it('isFailure: local is not a failure, every other state but ok is', () => {
    assert.equal(isFailure({ path: 'x', state: 'ok' }), false);
    assert.equal(isFailure({ path: 'x', state: 'local' }), false);
    for (const state of ['modified', 'unsigned', 'missing'] as const) assert.equal(isFailure({ path: 'x', state }), true);
    assert.ok(
      allOk([
        { path: 'x', state: 'local' },
        { path: 'y', state: 'ok' },
      ]),
    );
    assert.ok(allOk([]));
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  claimOf,
  NOTE_MAX_BYTES,
  parseNote,
  parseRecord,
  payloadDigest,
  payloadOf,
  serializeRecord,
  signedEntries,
  type SignatureRecord,
  type SignatureRecordV1,
  type SignatureRecordV2,
} from '../../../src/core/record.js';

const D1 = 'a'.repeat(128);
const D2 = '0123456789abcdef'.repeat(8);

const valid = (): SignatureRecordV1 => ({
  v: 1,
  alg: 'SYMMETRIC_DEFAULT',
  keyId: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  context: { commit: 'c'.repeat(40), branch: 'main', author: 'Test Author <author@example.com>', repo: 'acme/app' },
  files: { 'dist/app.tgz': D1, '.kmssigrc': D2 },
  sig: 'AQIDBAUGBwg=',
  signedAt: '2026-11-28T12:00:00Z',
});

/** parseRecord of a valid record changed by `change`: must be refused with a reason matching `reason`. */
function refused(change: (r: Record<string, any>) => void, reason: RegExp) {
  const record: Record<string, any> = valid();
  change(record);
  const line = JSON.stringify(record);
  const parsed = parseRecord(line);
  assert.equal(parsed.ok, false, `accepted: ${line}`);
  assert.ok(!parsed.ok && reason.test(parsed.reason), `reason ${!parsed.ok && parsed.reason} does not match ${reason}`);
  assert.equal(parsed.line, line);
}

describe('parseRecord', () => {
  it('accepts a v1 record and returns it as written', () => {
    const line = JSON.stringify(valid());
    const parsed = parseRecord(line);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.record, valid());
    assert.equal(parsed.line, line);
  });

  it('accepts every KMS signing algorithm besides SYMMETRIC_DEFAULT', () => {
    for (const alg of ['ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_512']) {
      assert.ok(parseRecord(JSON.stringify({ ...valid(), alg })).ok, alg);
    }
  });

  it('refuses what is not JSON, or not a JSON object, and never throws', () => {
    for (const line of ['', '{', '{"v":1,', 'null', '[]', '"record"', '1', 'true', '{"v":1}garbage']) {
      const parsed = parseRecord(line);
      assert.equal(parsed.ok, false, line);
    }
    assert.match((parseRecord('{') as { reason: string }).reason, /not JSON/);
    assert.match((parseRecord('[1]') as { reason: string }).reason, /not a JSON object/);
  });

  it('refuses a record missing any field', () => {
    for (const field of ['v', 'alg', 'keyId', 'context', 'files', 'sig', 'signedAt']) {
      refused((r) => delete r[field], new RegExp(`missing field ${field}`));
    }
  });

  it('refuses extra fields, in the signed part or beside it', () => {
    refused((r) => (r.policy = 'none'), /unknown field "policy"/);
    refused((r) => (r.Sig = r.sig), /unknown field "Sig"/);
    refused((r) => (r.__proto__extra = 1), /unknown field/);
  });

  it('refuses an unknown v', () => {
    // Version 2 exists since issue 24: a version-1 body (path -> digest) under v 2 is refused for its files.
    refused((r) => (r.v = 2), /file "[^"]+": entry is not an object \{mode, sha512\}/);
    refused((r) => (r.v = 3), /unsupported version 3/);
    refused((r) => (r.v = 0), /unsupported version/);
    refused((r) => (r.v = '1'), /unsupported version "1"/);
    refused((r) => (r.v = null), /unsupported version/);
  });

  it('refuses an unknown alg', () => {
    refused((r) => (r.alg = 'HMAC_SHA_256'), /unknown alg "HMAC_SHA_256"/);
    refused((r) => (r.alg = 'symmetric_default'), /unknown alg/);
    refused((r) => (r.alg = 'RSASSA_PKCS1_V1_5_SHA_256'), /unknown alg/);
    refused((r) => (r.alg = ''), /unknown alg/);
  });

  it('refuses a sig that is not base64', () => {
    refused((r) => (r.sig = ''), /sig is not base64/);
    refused((r) => (r.sig = 'AQIDBAUGBwg'), /sig is not base64/); // padding missing
    refused((r) => (r.sig = 'AQID*AUGBwg='), /sig is not base64/);
    refused((r) => (r.sig = 'AQIDBAUG Bwg='), /sig is not base64/);
    refused((r) => (r.sig = 'AQIDBAUG-wg='), /sig is not base64/); // base64url is not base64
    refused((r) => (r.sig = 42), /sig is not base64/);
  });

  it('refuses a bad keyId or signedAt', () => {
    refused((r) => (r.keyId = ''), /keyId/);
    refused((r) => (r.keyId = 7), /keyId/);
    refused((r) => (r.signedAt = 'yesterday'), /signedAt/);
    refused((r) => (r.signedAt = 1700000000), /signedAt/);
  });

  it('refuses a context that is not string -> string, or uses a reserved key', () => {
    refused((r) => (r.context = 'commit=abc'), /context is not an object/);
    refused((r) => (r.context = ['a']), /context is not an object/);
    refused((r) => (r.context.build = 42), /context\.build is not a string/);
    refused((r) => (r.context.nested = { a: 'b' }), /context\.nested is not a string/);
    refused((r) => (r.context['aws:source'] = 'x'), /context key "aws:source" is not allowed/);
    refused((r) => (r.context.AWSRegion = 'x'), /not allowed/);
    refused((r) => (r.context[''] = 'x'), /not allowed/);
  });

  it('refuses files that are empty, not hex SHA-512, or not a normalized relative path', () => {
    refused((r) => (r.files = {}), /files is empty/);
    refused((r) => (r.files = ['dist/app.tgz']), /files is not an object/);
    refused((r) => (r.files['dist/x'] = D1.toUpperCase()), /digest is not SHA-512 hex/);
    refused((r) => (r.files['dist/x'] = D1.slice(2)), /digest is not SHA-512 hex/);
    refused((r) => (r.files['dist/x'] = 1), /digest is not SHA-512 hex/);
    refused((r) => (r.files['../etc/passwd'] = D1), /"\.\.\/etc\/passwd": contains '\.\.'/);
    refused((r) => (r.files['dist/../../x'] = D1), /contains '\.\.'/);
    refused((r) => (r.files['/etc/passwd'] = D1), /absolute path/);
    refused((r) => (r.files['./dist/x'] = D1), /not normalized/);
    refused((r) => (r.files['dist//x'] = D1), /not normalized/);
    refused((r) => (r.files['dist/'] = D1), /not normalized/);
    refused((r) => (r.files['.'] = D1), /not normalized/);
    refused((r) => (r.files[''] = D1), /empty path/);
    refused((r) => (r.files['dist/a\u0000b'] = D1), /NUL/);
  });

  it('keeps backslashes, spaces and non-ASCII in paths as ordinary characters', () => {
    const line = JSON.stringify({ ...valid(), files: { 'dist/a\\b c.txt': D1, 'dist/café.txt': D2 } });
    assert.ok(parseRecord(line).ok);
  });
});

describe('parseNote', () => {
  it('reads one record per line, ignoring blank lines, and reports each bad line on its own', () => {
    const good = JSON.stringify(valid());
    const parsed = parseNote(`${good}\n\n  \n{bad\n${JSON.stringify({ ...valid(), v: 3 })}\n`);
    assert.equal(parsed.length, 3);
    assert.deepEqual(
      parsed.map((p) => p.ok),
      [true, false, false],
    );
    assert.equal(parseNote('').length, 0);
  });
});

describe('payloadOf (RFC 8785 canonical JSON of the signed part)', () => {
  it('is the sorted, white-space free JSON of v, alg, keyId, context and files only', () => {
    const r = valid();
    const expected =
      '{"alg":"SYMMETRIC_DEFAULT",' +
      '"context":{"author":"Test Author <author@example.com>","branch":"main","commit":"' +
      'c'.repeat(40) +
      '","repo":"acme/app"},' +
      `"files":{".kmssigrc":"${D2}","dist/app.tgz":"${D1}"},` +
      `"keyId":"${r.keyId}",` +
      '"v":1}';
    assert.equal(payloadOf(r).toString('utf8'), expected);
  });

  it('excludes sig and signedAt: records differing only there have the same payload', () => {
    const a = valid();
    const b = { ...valid(), sig: 'AAAA', signedAt: '2030-01-01T00:00:00Z' };
    assert.deepEqual(payloadOf(a), payloadOf(b));
    assert.ok(!payloadOf(a).toString('utf8').includes('signedAt'));
    assert.ok(!payloadOf(a).toString('utf8').includes('"sig"'));
  });

  it('does not depend on the order in which keys were written', () => {
    const r = valid();
    const shuffled = {
      files: Object.fromEntries(Object.entries(r.files).reverse()),
      context: Object.fromEntries(Object.entries(r.context).reverse()),
      keyId: r.keyId,
      alg: r.alg,
      v: r.v,
    } as SignatureRecord;
    assert.deepEqual(payloadOf(shuffled), payloadOf(r));
  });

  it('covers every signed field: changing any of them changes the payload', () => {
    const base = payloadOf(valid()).toString('utf8');
    const changes: ((r: Record<string, any>) => void)[] = [
      (r) => (r.alg = 'ECDSA_SHA_256'),
      (r) => (r.keyId = `${r.keyId}0`),
      (r) => (r.context.branch = 'feature'),
      (r) => (r.context.commit = 'd'.repeat(40)),
      (r) => (r.files['dist/app.tgz'] = D2),
      (r) => (r.files['dist/other'] = D1),
    ];
    for (const change of changes) {
      const r: Record<string, any> = structuredClone(valid());
      change(r);
      assert.notEqual(payloadOf(r as SignatureRecord).toString('utf8'), base, String(change));
    }
  });

  it('sorts keys by UTF-16 code units and writes non-ASCII as UTF-8, not \\u escapes', () => {
    const r = { ...valid(), files: { 'dist/\uFB01le': D1, 'dist/\u{1F4E6}': D2, 'dist/Z': D1, 'dist/a': D2, 'dist/é': D1 } };
    const text = payloadOf(r).toString('utf8');
    const order = ['dist/Z', 'dist/a', 'dist/é', 'dist/\u{1F4E6}', 'dist/\uFB01le'].map((k) => text.indexOf(`"${k}"`));
    assert.ok(order.every((at) => at > 0));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      text,
    );
    assert.ok(!text.includes('\\u'));
  });

  it('escapes as JSON requires: quotes, backslashes and control characters', () => {
    const r = { ...valid(), context: { ...valid().context, author: 'A "B" \\ C\n\u0001' } };
    assert.match(payloadOf(r).toString('utf8'), /"author":"A \\"B\\" \\\\ C\\n\\u0001"/);
  });

  it('payloadDigest is SHA-512 of the payload bytes (64 bytes)', () => {
    const r = valid();
    const digest = payloadDigest(r);
    assert.equal(digest.length, 64);
    assert.deepEqual(digest, createHash('sha512').update(payloadOf(r)).digest());
  });
});

describe('serializeRecord', () => {
  it('writes one canonical line that parses back to the same record', () => {
    const line = serializeRecord(valid());
    assert.ok(!line.includes('\n'));
    const parsed = parseRecord(line);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.record, valid());
    const reordered = JSON.parse(
      JSON.stringify(valid(), [
        'signedAt',
        'sig',
        'files',
        'context',
        'keyId',
        'alg',
        'v',
        ...Object.keys(valid().context),
        ...Object.keys(valid().files),
      ]),
    );
    assert.equal(serializeRecord(reordered), line, 'identical records are identical lines (notes merge with cat_sort_uniq)');
  });
});

describe('version 2: the entry type and mode are signed (issue 24, DESIGN 3.4 rule 7)', () => {
  const v2 = (): SignatureRecordV2 => ({
    ...valid(),
    v: 2,
    files: {
      '.kmssigrc': { mode: '100644', sha512: D2 },
      'bin/run': { mode: '100755', sha512: D1 },
      'release/manifest.json': { mode: '120000', sha512: D1 },
    },
  });

  it('accepts a record whose files are regular, executable and symlink entries', () => {
    const parsed = parseRecord(JSON.stringify(v2()));
    assert.ok(parsed.ok, !parsed.ok ? parsed.reason : '');
    assert.deepEqual(parsed.record, v2());
  });

  it('refuses entries that are not exactly {mode, sha512} with a mode kmssig signs', () => {
    const bad = (entry: unknown, reason: RegExp) => {
      const line = JSON.stringify({ ...v2(), files: { 'dist/x': entry } });
      const parsed = parseRecord(line);
      assert.ok(!parsed.ok && reason.test(parsed.reason), `${line}: ${!parsed.ok ? parsed.reason : 'accepted'}`);
    };
    bad(D1, /entry is not an object/);
    bad([D1], /entry is not an object/);
    bad(null, /entry is not an object/);
    bad({ sha512: D1 }, /not exactly "mode", "sha512"/);
    bad({ mode: '100644' }, /not exactly "mode", "sha512"/);
    bad({ mode: '100644', sha512: D1, size: 3 }, /not exactly "mode", "sha512"/);
    for (const mode of ['100664', '160000', '040000', '644', 100644, '', null])
      bad({ mode, sha512: D1 }, /mode .* is not 100644, 100755 or 120000/);
    bad({ mode: '100644', sha512: D1.toUpperCase() }, /digest is not SHA-512 hex/);
    bad({ mode: '100644', sha512: 7 }, /digest is not SHA-512 hex/);
  });

  it('the payload holds each file as {"mode","sha512"}, canonical', () => {
    const r = v2();
    assert.equal(
      payloadOf(r).toString('utf8'),
      '{"alg":"SYMMETRIC_DEFAULT",' +
        '"context":{"author":"Test Author <author@example.com>","branch":"main","commit":"' +
        'c'.repeat(40) +
        '","repo":"acme/app"},' +
        `"files":{".kmssigrc":{"mode":"100644","sha512":"${D2}"},"bin/run":{"mode":"100755","sha512":"${D1}"},` +
        `"release/manifest.json":{"mode":"120000","sha512":"${D1}"}},` +
        `"keyId":"${r.keyId}",` +
        '"v":2}',
    );
  });

  it('a changed mode, or the same digests under v1, is another payload', () => {
    const base = payloadOf(v2()).toString('utf8');
    for (const mode of ['100644', '100755', '120000'] as const) {
      const r = v2();
      if (r.files['bin/run']!.mode === mode) continue;
      r.files['bin/run'] = { ...r.files['bin/run']!, mode };
      assert.notEqual(payloadOf(r).toString('utf8'), base, mode);
    }
    const asV1: SignatureRecord = { ...valid(), files: Object.fromEntries(Object.entries(v2().files).map(([p, e]) => [p, e.sha512])) };
    assert.notEqual(payloadOf(asV1).toString('utf8'), base);
  });

  it('a version-1 record is read as signing regular files (100644) only', () => {
    assert.deepEqual(signedEntries(valid()), {
      'dist/app.tgz': { mode: '100644', sha512: D1 },
      '.kmssigrc': { mode: '100644', sha512: D2 },
    });
    assert.deepEqual(signedEntries(v2()), v2().files);
  });

  it('claimOf: the same claim whatever signedAt and the line, another claim for another sig or payload', () => {
    const r = v2();
    const reformatted = parseRecord(JSON.stringify(r, null, 2).replace(/\n/g, ' '));
    assert.ok(reformatted.ok);
    assert.equal(claimOf({ ...r, signedAt: '2030-01-01T00:00:00Z' }), claimOf(r));
    assert.equal(claimOf(reformatted.record), claimOf(r));
    assert.notEqual(claimOf({ ...r, sig: 'AAAA' }), claimOf(r));
    assert.notEqual(claimOf({ ...r, keyId: `${r.keyId}0` }), claimOf(r));
  });

  it('the note cap holds two records of 100,000 files with 100-byte paths (docs/decisions.md)', () => {
    const files: Record<string, { mode: '100644'; sha512: string }> = {};
    for (let i = 0; i < 100_000; i++) files[`dist/${String(i).padStart(95, 'p')}`] = { mode: '100644', sha512: D1 };
    assert.equal(Object.keys(files)[0]!.length, 100);
    const line = serializeRecord({ ...v2(), files });
    assert.ok(2 * (Buffer.byteLength(line) + 1) < NOTE_MAX_BYTES, `${Buffer.byteLength(line)} bytes`);
    assert.ok(Buffer.byteLength(line) > 26_000_000, 'about 261 bytes a file');
  });
});

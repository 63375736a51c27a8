import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRecord } from '../../../src/core/record.js';
import {
  ASYM_KEY,
  decide,
  fuzzKeys,
  lineEditArb,
  readers,
  recordEditArb,
  sameSigned,
  serializeRecord,
  signRecord,
  unsignedArb,
  type FuzzKeys,
  type Reader,
} from '../../helpers/fuzzRecords.js';

/**
 * Issue 8, fuzzing: valid records (symmetric through a local key that really
 * does AES-256-GCM with the context as associated data, and ECDSA over P)
 * mutated thousands of ways, field by field and character by character.
 * Property: no reader accepts a mutated record unless its signed part and
 * signature are unchanged, and nothing but a KmssigError is ever thrown.
 */
describe('fuzz: mutated records are never accepted', () => {
  let keys: FuzzKeys;
  let all: Reader[];
  before(async () => {
    keys = await fuzzKeys();
    all = readers(keys);
  });
  after(() => keys?.cleanup());

  /** Every reader on every line: none accepts a record that differs from `original`. */
  async function assertNoneAccepts(original: Record<string, any>, lines: string[], commit: string, what: string) {
    for (const line of lines) {
      for (const reader of all) {
        const { decision, record } = await decide(line, commit, reader);
        if (decision === 'accepted') assert.ok(sameSigned(record!, original), `${reader.name} accepted ${what}: ${line}`);
      }
    }
  }

  it('the unmutated records are accepted by the readers that should accept them (the property is not vacuous)', async () => {
    await fc.assert(
      fc.asyncProperty(unsignedArb('SYMMETRIC_DEFAULT', keys.localKeyId), unsignedArb('ECDSA_SHA_256', ASYM_KEY), async (sym, asym) => {
        const s = serializeRecord(await signRecord(keys, sym));
        const a = serializeRecord(await signRecord(keys, asym));
        const commitOf = (r: typeof sym) => r.context.commit!;
        assert.deepEqual(await Promise.all(all.map(async (r) => (await decide(s, commitOf(sym), r)).decision)), [
          'accepted',
          'accepted',
          'rejected',
        ]);
        assert.deepEqual(await Promise.all(all.map(async (r) => (await decide(a, commitOf(asym), r)).decision)), [
          'accepted',
          'rejected',
          'accepted',
        ]);
      }),
      { numRuns: 200 },
    );
  });

  for (const alg of ['SYMMETRIC_DEFAULT', 'ECDSA_SHA_256'] as const) {
    it(`${alg}: one to three edits of fields, context pairs, paths and signature bytes are never accepted`, async () => {
      await fc.assert(
        fc.asyncProperty(
          unsignedArb(alg, alg === 'SYMMETRIC_DEFAULT' ? keys.localKeyId : ASYM_KEY),
          fc.array(recordEditArb, { minLength: 1, maxLength: 3 }),
          async (unsigned, edits) => {
            const signed = await signRecord(keys, unsigned);
            const mutated = JSON.parse(serializeRecord(signed));
            for (const edit of edits) {
              try {
                edit.apply(mutated);
              } catch {
                // An edit that does not fit what earlier edits left (files set to null...) is skipped.
              }
            }
            const line = JSON.stringify(mutated);
            await assertNoneAccepts(signed, [line], unsigned.context.commit!, edits.map((e) => e.name).join(', '));
          },
        ),
        { numRuns: 1500 },
      );
    });
  }

  it('character edits of a serialized line are never accepted (and never crash the reader)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('SYMMETRIC_DEFAULT', 'ECDSA_SHA_256'),
        unsignedArb('SYMMETRIC_DEFAULT', 'x'),
        fc.array(lineEditArb, { minLength: 1, maxLength: 3 }),
        async (alg, base, edits) => {
          const signed = await signRecord(keys, { ...base, alg, keyId: alg === 'SYMMETRIC_DEFAULT' ? keys.localKeyId : ASYM_KEY });
          const line = edits.reduce((text, edit) => edit(text), serializeRecord(signed));
          await assertNoneAccepts(signed, [line], base.context.commit!, 'a text edit');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a valid record is only valid on its own commit, and downgrades never pass the public-key pin', async () => {
    await fc.assert(
      fc.asyncProperty(
        unsignedArb('ECDSA_SHA_256', ASYM_KEY),
        fc.constantFrom('SYMMETRIC_DEFAULT', 'ECDSA_SHA_384', 'ECDSA_SHA_512', 'RSASSA_PSS_SHA_256'),
        async (unsigned, alg) => {
          const signed = await signRecord(keys, unsigned);
          const line = serializeRecord(signed);
          const other = 'f'.repeat(40);
          for (const reader of all)
            assert.notEqual((await decide(line, other, reader)).decision, 'accepted', `${reader.name} accepted a record on another commit`);
          await assertNoneAccepts(signed, [JSON.stringify({ ...signed, alg })], unsigned.context.commit!, `alg ${alg}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parseRecord never throws, whatever the line', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.json({ maxDepth: 4 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (line) => {
          const parsed = parseRecord(line);
          assert.equal(parsed.line, line);
          if (parsed.ok) assert.equal(typeof parsed.record.sig, 'string');
          else assert.equal(typeof parsed.reason, 'string');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { allOk, compareFiles } from '../../../src/core/compare.js';
import { policyProblem, type Policy } from '../../../src/core/policy.js';
import { parseNote, type SignatureRecord } from '../../../src/core/record.js';
import { KmssigError } from '../../../src/errors.js';
import type { Repo } from '../../../src/git/repo.js';
import { findSignedCommit } from '../../../src/usecases/findSignedCommit.js';
import { siftParsed, type NotesView } from '../../../src/usecases/notesView.js';
import {
  commitArb,
  decide,
  digestArb,
  fuzzKeys,
  lineEditArb,
  pathArb,
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
 * Issue 8, fuzzing whole notes and the pure decisions under them: notes made
 * of genuine, copied, mutated and garbage lines (blank lines, CRLF, binary),
 * read as the history walk reads them; and compareFiles / policyProblem
 * against plain reference definitions, with keys such as __proto__ and toString.
 */
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe('fuzz: whole notes, the history walk, and the pure decisions', () => {
  let keys: FuzzKeys;
  let reader: Reader;
  before(async () => {
    keys = await fuzzKeys();
    reader = readers(keys)[1]!; // open policy, local key registered: the most permissive reader
  });
  after(() => keys?.cleanup());

  /** A line for a note: the genuine record, a mutated copy, a line edit of it, or garbage. */
  const lineArb = (genuine: SignatureRecord) =>
    fc.oneof(
      fc.constant(serializeRecord(genuine)),
      fc.array(recordEditArb, { minLength: 1, maxLength: 2 }).map((edits) => {
        const r = JSON.parse(serializeRecord(genuine));
        for (const edit of edits) {
          try {
            edit.apply(r);
          } catch {
            // not applicable
          }
        }
        return JSON.stringify(r);
      }),
      lineEditArb.map((edit) => edit(serializeRecord(genuine))),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom('', '   ', '{}', 'null', '[]', '{"v":1}', '\r'),
    );

  it('parseNote never throws; a note accepts nothing but copies of the genuine record', async () => {
    await fc.assert(
      fc.asyncProperty(
        unsignedArb('SYMMETRIC_DEFAULT', 'x'),
        fc.nat(),
        fc.constantFrom('\n', '\r\n', '\n\n'),
        async (unsigned, seed, eol) => {
          const genuine = await signRecord(keys, { ...unsigned, keyId: keys.localKeyId });
          const lines = fc.sample(fc.array(lineArb(genuine), { maxLength: 6 }), { seed, numRuns: 1 })[0]!;
          const text = lines.join(eol);
          const parsed = parseNote(text);
          assert.equal(parsed.length, text.split('\n').filter((l) => l.trim() !== '').length, 'one parse per non-blank line');
          for (const p of parsed) {
            if (!p.ok) continue;
            const { decision, record } = await decide(p.line, unsigned.context.commit!, reader);
            if (decision === 'accepted') assert.ok(sameSigned(record!, genuine), `accepted from a note: ${p.line}`);
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('the history walk finds the genuine record on its own commit, or nothing; never a mutated or copied one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(commitArb, { minLength: 4, maxLength: 4 }),
        unsignedArb('SYMMETRIC_DEFAULT', 'x'),
        fc.nat(),
        fc.boolean(),
        async (history, unsigned, seed, genuineStays) => {
          const signedAt = history[2]!; // the genuine record signs the third commit from the top
          const genuine = await signRecord(keys, {
            ...unsigned,
            keyId: keys.localKeyId,
            context: { ...unsigned.context, commit: signedAt },
          });
          // Random lines (copies, mutations, garbage) on random commits; then the genuine line on its commit, or none of it there.
          const notes = new Map<string, string[]>(history.map((c) => [c, []]));
          for (const [at, line] of fc.sample(fc.array(fc.tuple(fc.nat(3), lineArb(genuine)), { maxLength: 8 }), { seed, numRuns: 1 })[0]!)
            notes.get(history[at]!)!.push(line);
          const line = serializeRecord(genuine);
          notes.set(
            signedAt,
            notes
              .get(signedAt)!
              .filter((l) => l !== line)
              .concat(genuineStays ? [line] : []),
          );

          const records = async (cs: string[]) => new Map(cs.map((c) => [c, parseNote((notes.get(c) ?? []).join('\n'))]));
          const view: NotesView = {
            refs: new Map(),
            has: (c) => (notes.get(c) ?? []).length > 0,
            commits: () => [...notes.keys()].filter((c) => notes.get(c)!.length > 0),
            records,
            sift: (cs, open) => siftParsed(records, cs, open),
          };
          const repo = {
            async *history() {
              for (let i = 0; i < history.length; i++) yield { commit: history[i]!, parents: history.slice(i + 1, i + 2) };
            },
            isShallow: async () => false,
          } as unknown as Repo;
          let walk;
          try {
            walk = await findSignedCommit({
              repo,
              notes: view,
              start: history[0]!,
              policyAt: async () => ({ policy: reader.policy }),
              verifier: reader.verifier,
              maxCommits: 100,
            });
          } catch (error) {
            // Undecided (a record whose key cannot be used): fail closed, never a pass, and only kmssig's own errors.
            assert.ok(error instanceof KmssigError, String((error as Error)?.stack));
            return;
          }
          for (const found of walk.found) {
            assert.equal(found.commit, signedAt, 'found on another commit');
            assert.ok(sameSigned(found.record, genuine), `found a changed record: ${JSON.stringify(found.record)}`);
          }
          // Nothing undecided on the way: whatever else is around, the genuine record is not hidden.
          if (genuineStays) assert.ok(walk.found.length > 0, `the genuine record was hidden: ${JSON.stringify(walk.rejected)}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  const mapArb = fc.dictionary(fc.oneof(pathArb, fc.constantFrom(...PROTO_KEYS)), digestArb, { maxKeys: 5 });

  it('compareFiles passes exactly when both sides name the same files with the same digests', () => {
    fc.assert(
      fc.property(mapArb, mapArb, fc.boolean(), (a, b, same) => {
        const signed: Record<string, string> = Object.create(null);
        for (const [k, v] of Object.entries(same ? a : b)) Object.defineProperty(signed, k, { value: v, enumerable: true });
        const actual = new Map(Object.entries(a));
        const expected =
          Object.keys(a).length === Object.keys(signed).length &&
          Object.entries(a).every(([k, v]) => Object.hasOwn(signed, k) && signed[k] === v);
        const results = compareFiles(actual, Object.setPrototypeOf(signed, Object.prototype));
        assert.equal(allOk(results), expected);
        assert.deepEqual(results.map((r) => r.path).sort(), [...new Set([...Object.keys(a), ...Object.keys(signed)])].sort());
      }),
      { numRuns: 3000 },
    );
  });

  it('policyProblem passes exactly when every rule holds, with own context keys only', () => {
    const anyKey = fc.oneof(fc.constantFrom(...PROTO_KEYS, 'repo', 'env', 'branch', 'tag'), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyKey, fc.constantFrom('main', 'acme/app', 'x', '')), { maxLength: 5 }),
        fc.dictionary(anyKey, fc.constantFrom('main', 'acme/app', 'x'), { maxKeys: 2 }),
        fc.array(anyKey, { maxLength: 2 }),
        fc.array(fc.constantFrom('main', 'release/*', 'refs/tags/v*'), { maxLength: 2 }),
        (pairs, staticPairs, required, refs) => {
          const context: Record<string, string> = {};
          for (const [k, v] of pairs) Object.defineProperty(context, k, { value: v, enumerable: true, configurable: true, writable: true });
          Object.defineProperty(context, 'commit', { value: 'c'.repeat(40), enumerable: true });
          const record = {
            v: 1,
            alg: 'SYMMETRIC_DEFAULT',
            keyId: 'k',
            context,
            files: { a: 'a'.repeat(128) },
            sig: 'AAAA',
            signedAt: 'x',
          } as SignatureRecord;
          const policy: Policy = { keys: [], refs, context: { ...staticPairs }, requireContext: required };
          const own = (k: string) => Object.hasOwn(context, k);
          const ref = own('branch') ? `refs/heads/${context.branch}` : own('tag') ? `refs/tags/${context.tag}` : undefined;
          const refOk =
            refs.length === 0 ||
            (ref !== undefined &&
              refs.some((p) =>
                p === 'main'
                  ? ref === 'refs/heads/main'
                  : p === 'release/*'
                    ? /^refs\/heads\/release\/[^/]+$/.test(ref)
                    : /^refs\/tags\/v[^/]*$/.test(ref),
              ));
          const expected = refOk && Object.entries(policy.context).every(([k, v]) => own(k) && context[k] === v) && required.every(own);
          assert.equal(policyProblem(record, policy, 'c'.repeat(40)) === undefined, expected, JSON.stringify({ context, policy }));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullRefPattern, openPolicy, policyProblem, recordRef, type Policy } from '../../../src/core/policy.js';
import type { SignatureRecord } from '../../../src/core/record.js';

const COMMIT = 'c'.repeat(40);
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const OTHER_KEY = 'arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555';

function record(context: Record<string, string> = { branch: 'main' }, keyId = KEY): SignatureRecord {
  return {
    v: 1,
    alg: 'SYMMETRIC_DEFAULT',
    keyId,
    context: { commit: COMMIT, author: 'A <a@example.com>', ...context },
    files: { 'dist/app.tgz': 'a'.repeat(128) },
    sig: 'AAAA',
    signedAt: '2026-11-28T12:00:00Z',
  };
}

const policy = (p: Partial<Policy>): Policy => ({ ...openPolicy, ...p });

describe('ref patterns', () => {
  it("a pattern without refs/ means a branch: 'main' is refs/heads/main", () => {
    assert.equal(fullRefPattern('main'), 'refs/heads/main');
    assert.equal(fullRefPattern('release/*'), 'refs/heads/release/*');
    assert.equal(fullRefPattern('refs/tags/v*'), 'refs/tags/v*');
    assert.equal(fullRefPattern('refs/heads/main'), 'refs/heads/main');
  });

  it("recordRef reads the record's branch or tag as a full ref name", () => {
    assert.equal(recordRef(record({ branch: 'main' })), 'refs/heads/main');
    assert.equal(recordRef(record({ tag: 'v1.0' })), 'refs/tags/v1.0');
    const none = record();
    delete none.context.branch;
    assert.equal(recordRef(none), undefined);
  });

  const allows = (patterns: string[], context: Record<string, string>) =>
    policyProblem(record(context), policy({ refs: patterns }), COMMIT) === undefined;

  it("'main' allows the branch main only, not a tag main nor a branch that merely contains it", () => {
    assert.ok(allows(['main'], { branch: 'main' }));
    assert.ok(!allows(['main'], { branch: 'main2' }));
    assert.ok(!allows(['main'], { branch: 'feature/main' }));
    assert.ok(!allows(['main'], { tag: 'main' }));
    assert.ok(!allows(['main'], { branch: 'feature' }));
  });

  it("'refs/tags/v*' allows release tags only", () => {
    assert.ok(allows(['refs/tags/v*'], { tag: 'v1.2.3' }));
    assert.ok(!allows(['refs/tags/v*'], { branch: 'v1.2.3' }));
    assert.ok(!allows(['refs/tags/v*'], { tag: 'x1.0' }));
    assert.ok(!allows(['refs/tags/v*'], { tag: 'v1/evil' }), '* does not cross a slash');
  });

  it('several patterns are alternatives; release/* matches one level of branch names', () => {
    assert.ok(allows(['main', 'release/*'], { branch: 'release/1.0' }));
    assert.ok(allows(['main', 'release/*'], { branch: 'main' }));
    assert.ok(!allows(['main', 'release/*'], { branch: 'release/1.0/hotfix' }));
    assert.ok(allows(['release/**'], { branch: 'release/1.0/hotfix' }));
    assert.ok(allows(['refs/heads/*'], { branch: '.hidden' }), 'dot-leading names are ordinary names');
  });

  it('a record without a branch or tag fails when refs are configured, passes when not', () => {
    const none = record();
    delete none.context.branch;
    assert.ok(policyProblem(none, policy({ refs: ['main'] }), COMMIT));
    assert.equal(policyProblem(none, openPolicy, COMMIT), undefined);
  });
});

describe('policyProblem', () => {
  it('passes a record for this commit under the open policy', () => {
    assert.equal(policyProblem(record(), openPolicy, COMMIT), undefined);
  });

  it('refuses a record for another commit (a copied record), and skips that test without a commit', () => {
    assert.match(policyProblem(record(), openPolicy, 'd'.repeat(40)) ?? '', /not this one/);
    assert.equal(policyProblem(record(), openPolicy, undefined), undefined);
  });

  it('allowed keys: the key must be listed by ARN', () => {
    assert.equal(policyProblem(record(), policy({ keys: [OTHER_KEY, KEY] }), COMMIT), undefined);
    assert.match(policyProblem(record(), policy({ keys: [OTHER_KEY] }), COMMIT) ?? '', /not among the allowed keys/);
    assert.ok(
      policyProblem(record(), policy({ keys: ['alias/release'] }), COMMIT),
      'an alias never matches a record (which holds the key ARN)',
    );
  });

  it('static context pairs must be present with the same value', () => {
    const p = policy({ context: { repo: 'acme/app' } });
    assert.equal(policyProblem(record({ branch: 'main', repo: 'acme/app' }), p, COMMIT), undefined);
    assert.match(policyProblem(record({ branch: 'main' }), p, COMMIT) ?? '', /context repo/);
    assert.match(policyProblem(record({ branch: 'main', repo: 'acme/other' }), p, COMMIT) ?? '', /context repo/);
    assert.match(policyProblem(record({ branch: 'main', repo: 'ACME/APP' }), p, COMMIT) ?? '', /context repo/);
  });

  it('required context keys must be present', () => {
    const p = policy({ requireContext: ['author', 'ticket'] });
    assert.match(policyProblem(record(), p, COMMIT) ?? '', /context ticket is missing/);
    assert.equal(policyProblem(record({ branch: 'main', ticket: 'REL-1' }), p, COMMIT), undefined);
  });

  it("the reason never repeats the record's unverified claims", () => {
    const forged = record({ branch: 'evil-branch' }, OTHER_KEY);
    forged.context.commit = 'f'.repeat(40);
    const reasons = [
      policyProblem(forged, openPolicy, COMMIT),
      policyProblem({ ...forged, context: { ...forged.context, commit: COMMIT } }, policy({ keys: [KEY] }), COMMIT),
      policyProblem({ ...forged, keyId: KEY, context: { ...forged.context, commit: COMMIT } }, policy({ refs: ['main'] }), COMMIT),
    ];
    for (const reason of reasons) {
      assert.ok(reason, 'each is refused');
      for (const claim of ['evil-branch', OTHER_KEY, 'ffffffff']) assert.ok(!reason.includes(claim), `${reason} shows ${claim}`);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyMayBe } from '../../../src/usecases/signRelease.js';

const ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER = 'arn:aws:kms:us-east-1:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321';

// Which existing records `sign` may take as already signed before asking KMS
// which key the configuration names: a wrong "yes" would skip a signature.
describe('keyMayBe', () => {
  it('a key ARN names only itself', () => {
    assert.equal(keyMayBe(ARN, ARN), true);
    assert.equal(keyMayBe(ARN, OTHER), false);
  });

  it('a bare key ID names the key ARN that ends with it', () => {
    assert.equal(keyMayBe('1234abcd-12ab-34cd-56ef-1234567890ab', ARN), true);
    assert.equal(keyMayBe('1234abcd-12ab-34cd-56ef-1234567890ab', OTHER), false);
    assert.equal(keyMayBe('34cd-56ef-1234567890ab', ARN), false, 'only a whole key ID');
    assert.equal(keyMayBe('mrk-1234abcd', 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd'), true);
  });

  it('an alias may name any KMS key (only KMS knows which); never a local key', () => {
    assert.equal(keyMayBe('alias/release', ARN), true);
    assert.equal(keyMayBe('arn:aws:kms:us-east-1:123456789012:alias/release', OTHER), true);
    assert.equal(keyMayBe('alias/release', 'local:.kmssig/dev.key'), false);
  });

  it('a local key names only itself', () => {
    assert.equal(keyMayBe('local:.kmssig/dev.key', 'local:.kmssig/dev.key'), true);
    assert.equal(keyMayBe('local:.kmssig/dev.key', 'local:other.key'), false);
    assert.equal(keyMayBe('local:.kmssig/dev.key', ARN), false);
  });
});

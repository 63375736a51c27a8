import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coveredBy, followChain, keyAllowed, type AllowedKeys, type ConfigVersion } from '../../../src/core/trustChain.js';

const allow = (...keys: string[]): AllowedKeys => ({ keys, publicKeys: [] });
const version = (commit: string, allowed?: AllowedKeys): ConfigVersion => ({ commit, path: '.kmssigrc', digest: `d-${commit}`, allowed });

/** Records as a map: version commit -> the keys of the valid records that cover it. */
function endorser(signedWith: Record<string, string[]>) {
  const calls: string[] = [];
  const endorse = async (v: ConfigVersion, trusted: AllowedKeys) => {
    calls.push(v.commit);
    const key = (signedWith[v.commit] ?? []).find((k) => trusted.keys.length === 0 || trusted.keys.includes(k));
    return key ? { commit: v.commit, keyId: key } : undefined;
  };
  return { endorse, calls };
}

/** The rotation recipe of docs/configuration.md: add k2 (signed with k1), switch keyId to k2, drop k1. */
const rotation = [
  version('c1', allow('k1')),
  version('c2', allow('k1', 'k2')),
  version('c3', allow('k1', 'k2')),
  version('c4', allow('k2')),
];

describe('followChain (first use, DESIGN 3.4 rule 9)', () => {
  it('a configuration signed with its own key from the start is trusted; its keys are what is trusted', async () => {
    const { endorse } = endorser({ c1: ['k1'] });
    const chain = await followChain([version('c1', allow('k1'))], true, endorse);
    assert.equal(chain.headSigned, true);
    assert.deepEqual(chain.trusted, allow('k1'));
  });

  it("a switch to another key, signed only with that key, is not trusted: the history's key stays", async () => {
    const { endorse } = endorser({ c1: ['k1'], c2: ['attacker'] });
    const chain = await followChain([version('c1', allow('k1')), version('c2', allow('attacker'))], true, endorse);
    assert.equal(chain.headSigned, false);
    assert.deepEqual(chain.trusted, allow('k1'));
    assert.equal(chain.signed?.version.commit, 'c1');
  });

  it('two steps do not help the attacker: a version allowing both keys, signed with theirs, is not trusted either', async () => {
    const { endorse } = endorser({ c1: ['k1'], c2: ['attacker'], c3: ['attacker'] });
    const versions = [version('c1', allow('k1')), version('c2', allow('k1', 'attacker')), version('c3', allow('attacker'))];
    const chain = await followChain(versions, true, endorse);
    assert.equal(chain.headSigned, false);
    assert.deepEqual(chain.trusted, allow('k1'));
  });

  it('the documented rotation moves trust: add the key (signed with the old one), switch, drop the old one', async () => {
    const { endorse } = endorser({ c1: ['k1'], c2: ['k1'], c3: ['k2'], c4: ['k2'] });
    const chain = await followChain(rotation, true, endorse);
    assert.equal(chain.headSigned, true);
    assert.deepEqual(chain.trusted, allow('k2'));
  });

  it('once the old key is disabled, the rotation cannot be followed: its step no longer verifies, the new key is not trusted', async () => {
    // KMS refuses Decrypt with a disabled key: the records of c1 and c2 (old key) no longer count.
    const { endorse } = endorser({ c3: ['k2'], c4: ['k2'] });
    const chain = await followChain(rotation, true, endorse);
    assert.equal(chain.headSigned, false);
    assert.equal(chain.trusted, undefined);
  });

  it('nothing signed: nothing trusted, even the oldest configuration (adopting kmssig)', async () => {
    const chain = await followChain([version('c1', allow('k1'))], true, endorser({}).endorse);
    assert.equal(chain.trusted, undefined);
    assert.equal(chain.headSigned, false);
  });

  it('a history read only in part has no root: a self-signed configuration at its start is not trusted', async () => {
    const { endorse, calls } = endorser({ c9: ['attacker'] });
    const chain = await followChain([version('c9', allow('attacker'))], false, endorse);
    assert.equal(chain.trusted, undefined);
    assert.deepEqual(calls, []);
  });

  it('versions that keep the trusted keys are not checked once trust is established, except HEAD', async () => {
    const { endorse, calls } = endorser({ c1: ['k1'], c2: ['k1'], c3: ['k1'], c4: ['k1'] });
    const versions = ['c1', 'c2', 'c3', 'c4'].map((c) => version(c, allow('k1')));
    const chain = await followChain(versions, true, endorse);
    assert.equal(chain.headSigned, true);
    assert.deepEqual(calls, ['c1', 'c4']);
  });

  it('an unreadable version moves no trust; an unsigned one before the first signature leaves the root in place', async () => {
    const { endorse } = endorser({ c3: ['k1'] });
    const chain = await followChain([version('c1', allow('k1')), version('c2'), version('c3', allow('k1'))], true, endorse);
    assert.equal(chain.headSigned, true);
  });
});

describe('keyAllowed / coveredBy', () => {
  it('an asymmetric record needs a public key; a symmetric one must be named where public keys are allowed', () => {
    const withPem: AllowedKeys = { keys: [], publicKeys: ['der'] };
    assert.equal(keyAllowed({ alg: 'ECDSA_SHA_256', keyId: 'k' }, withPem, 'SYMMETRIC_DEFAULT'), true);
    assert.equal(keyAllowed({ alg: 'ECDSA_SHA_256', keyId: 'k' }, allow('k'), 'SYMMETRIC_DEFAULT'), false);
    assert.equal(keyAllowed({ alg: 'SYMMETRIC_DEFAULT', keyId: 'k' }, withPem, 'SYMMETRIC_DEFAULT'), false);
    assert.equal(keyAllowed({ alg: 'SYMMETRIC_DEFAULT', keyId: 'k' }, allow('k'), 'SYMMETRIC_DEFAULT'), true);
    assert.equal(keyAllowed({ alg: 'SYMMETRIC_DEFAULT', keyId: 'other' }, allow('k'), 'SYMMETRIC_DEFAULT'), false);
  });

  it('an unsigned change is covered only when every key and public key it names is explicitly trusted', () => {
    assert.equal(coveredBy(allow('k1'), allow('k1', 'k2')), true);
    assert.equal(coveredBy(allow('k1', 'attacker'), allow('k1')), false);
    assert.equal(coveredBy(allow('attacker'), allow()), false, 'a signed "any key" vouches for no key by name');
    assert.equal(coveredBy(allow(), allow('k1')), false, 'an unsigned "any key" widens');
    assert.equal(coveredBy({ keys: ['k1'], publicKeys: ['theirs'] }, { keys: ['k1'], publicKeys: ['ours'] }), false);
  });
});

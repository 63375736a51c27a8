import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hookMode, parsePin, pinEntries, pinPart, resolvePolicy, retiredPinEntries, type Pin } from '../../../src/core/anchors.js';

const pin = (over: Partial<Pin> = {}): Pin => ({ keys: [], refs: [], context: {}, requireContext: [], publicKeys: [], hooks: {}, ...over });
const signed = {
  context: { repo: 'acme/app' },
  verify: { keys: ['arn:k1'], refs: ['main', 'refs/tags/v*'], requireContext: ['author'] },
  hooks: { 'post-merge': 'warn' },
};

describe('parsePin / pinEntries', () => {
  it('round-trips every part through git config entries; keys are case-insensitive as git prints them', () => {
    const p = pin({
      keys: ['arn:k1', 'arn:k2'],
      refs: ['main'],
      context: { repo: 'acme/app', 'a=b': 'c=d' },
      requireContext: ['author'],
      publicKeys: ['MFkw'],
      hooks: { 'post-merge': 'warn' },
      origins: { [pinPart('key', 'arn:k1')]: 'signed at 1a2b3c4d5e6f', [pinPart('context')]: 'given on the command line' },
    });
    const entries = pinEntries(p).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
    // A key containing '=' splits at the first one: context keys never contain '=' (the seed syntax forbids it).
    const back = parsePin(entries)!;
    assert.deepEqual({ ...back, context: { repo: back.context.repo } }, { ...p, context: { repo: 'acme/app' } });
  });

  it("never holds a KMS endpoint or region: an older pin's are named as retired, not used (DESIGN 3.4, rule 9)", () => {
    const entries: [string, string][] = [
      ['kmssig.trust.pinned', 'true'],
      ['kmssig.trust.endpoint', 'http://kms.example'],
      ['kmssig.trust.region', 'eu-west-1'],
    ];
    assert.deepEqual(Object.keys(parsePin(entries)!).sort(), ['context', 'hooks', 'keys', 'publicKeys', 'refs', 'requireContext']);
    assert.deepEqual(retiredPinEntries(entries), { endpoint: 'http://kms.example', region: 'eu-west-1' });
    assert.deepEqual(retiredPinEntries([['kmssig.trust.pinned', 'true']]), {});
  });

  it('is absent unless kmssig.trust.pinned is true; malformed entries are left out, never trusted', () => {
    assert.equal(parsePin([['kmssig.trust.key', 'arn:k1']]), undefined);
    const p = parsePin([
      ['kmssig.trust.pinned', 'true'],
      ['kmssig.trust.hook', 'post-merge=loud'],
      ['kmssig.trust.context', 'novalue'],
      ['other.section.key', 'x'],
    ])!;
    assert.deepEqual(p.hooks, {});
    assert.deepEqual(p.context, {});
  });
});

describe('resolvePolicy', () => {
  it('takes each part from the first anchor that sets it: flags, then the pin, then the signed configuration', () => {
    const onMain = ['refs/heads/main'];
    assert.deepEqual(resolvePolicy({}, undefined, signed, onMain), {
      keys: ['arn:k1'],
      refs: ['main', 'refs/tags/v*'],
      context: { repo: 'acme/app' },
      requireContext: ['author'],
    });
    const pinned = pin({ keys: ['arn:pinned'], context: { repo: 'acme/pinned' } });
    assert.deepEqual(resolvePolicy({}, pinned, signed, onMain).keys, ['arn:pinned']);
    assert.deepEqual(resolvePolicy({}, pinned, signed, onMain).context, { repo: 'acme/pinned' });
    assert.deepEqual(resolvePolicy({ keys: ['arn:flag'], context: { repo: 'ci' } }, pinned, signed, onMain).keys, ['arn:flag']);
    assert.deepEqual(resolvePolicy({ context: { repo: 'ci' } }, pinned, signed, onMain).context, { repo: 'ci' });
  });

  it('allowed refs name release refs: off a release ref they do not apply, unless a flag gave them', () => {
    assert.deepEqual(resolvePolicy({}, undefined, signed, ['refs/heads/feature/x']).refs, []);
    assert.deepEqual(resolvePolicy({}, undefined, signed, []).refs, []);
    assert.deepEqual(resolvePolicy({}, undefined, signed, ['refs/heads/feature/x', 'refs/tags/v1.0']).refs, ['main', 'refs/tags/v*']);
    assert.deepEqual(resolvePolicy({ refs: ['main'] }, undefined, signed, ['refs/heads/feature/x']).refs, ['main']);
    assert.deepEqual(resolvePolicy({}, pin({ refs: ['release/*'] }), signed, ['refs/heads/release/2']).refs, ['release/*']);
  });

  it('without any anchor nothing is required', () => {
    assert.deepEqual(resolvePolicy({}, undefined, undefined, ['refs/heads/main']), { keys: [], refs: [], context: {}, requireContext: [] });
  });
});

describe('hookMode', () => {
  it("the pin's deliberate choice, else the signed configuration's, else block; unknown values are block", () => {
    assert.equal(hookMode('post-merge', undefined, undefined), 'block');
    assert.equal(hookMode('post-merge', undefined, signed), 'warn');
    assert.equal(hookMode('post-merge', pin({ hooks: { 'post-merge': 'off' } }), signed), 'off');
    assert.equal(hookMode('pre-push', undefined, signed), 'block');
    assert.equal(hookMode('post-merge', undefined, { hooks: { 'post-merge': 'loud' } }), 'block');
  });
});

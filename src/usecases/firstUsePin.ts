import type { LineCache } from '../cache/lineCache.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Pin } from '../core/anchors.js';
import { KmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages, type Message } from '../messages.js';
import { commitSource } from './configAt.js';
import { describePinKeys } from './pin.js';
import { trustOnFirstUse } from './trustOnFirstUse.js';

/**
 * The strict gate in a clone where install's first use pinned nothing
 * (DESIGN 3.4, rule 9): records count only under what the signed history of
 * the configuration at `head` vouches for, never under a configuration signed
 * with the key it names itself (an attacker who can push can sign with a key
 * of their own). That is what install would pin now (the notes fetched
 * since may vouch for it), else the keys of the newest configuration signed
 * with a trusted key, else the oldest configuration's, with why. Where the
 * history cannot be read (shallow, the bounds), records count under the
 * signed configuration alone, as in a clone that never ran install, with a
 * warning to pass --key; where KMS could not answer or resolve the key, the
 * check refuses (exit 3; 1 otherwise). With no signature at all: nothing.
 */
export async function firstUsePin(options: {
  repo: Repo;
  kms: KeyManagement;
  head: string;
  fetched: boolean;
  cache: LineCache;
}): Promise<{ pin?: Pin; lines: Message[] } | undefined> {
  const loaded = await loadConfig(commitSource(options.repo, options.head));
  if (!loaded) return undefined;
  const outcome = await trustOnFirstUse({ ...options, loaded });
  if (outcome.pin) return { pin: outcome.pin, lines: [messages.checkHeldPin(describePinKeys(outcome.pin))] };
  if (outcome.reason === 'nothing-signed') return undefined;
  // A shallow CI clone (or one past the bounds) cannot weigh the history: it is checked as before, and told to pass --key.
  if (outcome.reason === 'history-unread') return { lines: [outcome.lines[0]!, messages.checkUnpinnedUnread()] };
  if (outcome.held && outcome.refused !== 'KMS')
    return { pin: outcome.held, lines: [outcome.lines[0]!, messages.checkHeldNotPinned(describePinKeys(outcome.held))] };
  // A keyId that KMS did not resolve is KMS's answer (unreachable, throttled, unknown key): exit 3, as everywhere.
  const code = outcome.refused === 'KMS' || outcome.reason === 'unresolved' ? 'KMS' : 'INVALID';
  throw new KmssigError(code, [...outcome.lines, messages.checkNotPinned(loaded.path)], { final: true });
}

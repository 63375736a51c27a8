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
 * The strict gate in a clone without a pin (DESIGN 3.4, rule 9): records
 * count only under what `kmssig install` would pin from the configuration at
 * `head` — the keys its signed history vouches for — and never under a
 * configuration signed with the key it names itself (an attacker who can push
 * can sign with a key of their own). Where install would pin nothing, the
 * check holds records to what the history does vouch for (the newest
 * configuration signed with a trusted key, else the oldest one) and says why;
 * where the history cannot be read, it refuses (exit 1, or 3 when KMS could
 * not answer). A repository with no signature needs no pin to fail: nothing.
 */
export async function firstUsePin(options: {
  repo: Repo;
  kms: KeyManagement;
  head: string;
  fetched: boolean;
  cache: LineCache;
}): Promise<{ pin: Pin; lines: Message[] } | undefined> {
  const loaded = await loadConfig(commitSource(options.repo, options.head));
  if (!loaded) return undefined;
  const outcome = await trustOnFirstUse({ ...options, loaded });
  if (outcome.pin) return { pin: outcome.pin, lines: [messages.checkHeldPin(describePinKeys(outcome.pin))] };
  if (outcome.reason === 'nothing-signed') return undefined;
  if (outcome.held && outcome.refused !== 'KMS')
    return { pin: outcome.held, lines: [outcome.lines[0]!, messages.checkHeldNotPinned(describePinKeys(outcome.held))] };
  throw new KmssigError(outcome.refused ?? 'INVALID', [...outcome.lines, messages.checkNotPinned(loaded.path)], { final: true });
}

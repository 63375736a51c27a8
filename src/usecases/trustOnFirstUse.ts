import { createLineCache, type LineCache } from '../cache/lineCache.js';
import { kmsValues } from '../config/kmsLocation.js';
import type { LoadedConfig } from '../config/loadConfig.js';
import type { Pin } from '../core/anchors.js';
import type { ErrorCode } from '../errors.js';
import type { Repo } from '../git/repo.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages, type Message } from '../messages.js';
import { firstUse, type FirstUse, type NotPinnedReason } from './firstUse.js';
import { describePin, publicKeyName, readRetiredPin } from './pin.js';

/** What first use decided, in lines for the user: the pin (undefined when nothing may be pinned) and why. */
export interface FirstUseOutcome {
  pin?: Pin;
  lines: Message[];
  /** Nothing pinned: the code of the failure, for a command that was asked to pin (`kmssig trust --update`). */
  refused?: Extract<ErrorCode, 'KMS' | 'INVALID'>;
  /** Nothing pinned: why. */
  reason?: NotPinnedReason['kind'];
  /** Nothing pinned: what the signed history does vouch for (FirstUse's `held`). */
  held?: Pin;
}

/**
 * First use (DESIGN 3.4, rule 9), as install and `kmssig trust --update` in
 * a clone without a pin run it: what the signed history vouches for, with
 * where each value came from, or nothing, with what was found (the keys of
 * the records, the unsigned change) and the explicit command that pins a key.
 * `fetched` says whether the remotes' signatures were fetched just before:
 * without them, "nothing is signed" may only mean "nothing is here yet".
 */
export async function trustOnFirstUse(options: {
  repo: Repo;
  loaded: LoadedConfig;
  head: string | undefined;
  kms: KeyManagement;
  fetched: boolean;
  /** Default: the verified-records cache in the git directory (the strict gate passes its own). */
  cache?: LineCache;
}): Promise<FirstUseOutcome> {
  const { repo, loaded } = options;
  const result = await firstUse({ ...options, cache: options.cache ?? createLineCache(repo.commonDir, 'verified') });
  if (!result.pinned)
    return {
      lines: notPinnedLines(result, loaded.path, options.fetched),
      refused: result.reason.kind === 'kms' ? 'KMS' : 'INVALID',
      reason: result.reason.kind,
      ...(result.held ? { held: result.held } : {}),
    };
  const lines: Message[] = [];
  if (result.unsignedChange)
    lines.push(messages.firstUseUnsignedChange(loaded.path, result.unsignedChange.commit, result.unsignedChange.signedAt));
  return { pin: result.pin, lines };
}

/** The pin as install shows it once written: from which file, each value with where it came from. */
export function pinnedLines(pin: Pin, file: string): Message[] {
  return [messages.pinWritten(file), ...describePin(pin).map((text): Message => ({ level: 'plain', text }))];
}

/** A pin an older install wrote with a KMS endpoint or region from a commit: named, since it is no longer used. */
export async function retiredPinLines(repo: Repo): Promise<Message[]> {
  const retired = await readRetiredPin(repo);
  return retired.endpoint || retired.region ? [messages.pinRetired(kmsValues(retired))] : [];
}

/** What first use found when it pinned nothing: why, what the configuration names, the keys of the records, and what to do. */
function notPinnedLines(result: Extract<FirstUse, { pinned: false }>, file: string, fetched: boolean): Message[] {
  return [
    messages.firstUseNotPinned(why(result.reason, file, fetched)),
    messages.firstUseNamed(file, result.named.keys, result.named.publicKeys.map(publicKeyName)),
    messages.firstUseRecords(result.keys, result.moreKeys),
    messages.firstUseAsk(),
  ];
}

function why(r: NotPinnedReason, file: string, fetched: boolean): string {
  switch (r.kind) {
    case 'nothing-signed':
      return fetched ? messages.firstUseWhy.nothingSigned() : messages.firstUseWhy.notFetched();
    case 'unsigned-change':
      return messages.firstUseWhy.unsignedChange(file, r.commit);
    case 'untrusted-signer':
      return messages.firstUseWhy.untrustedSigner(file, r.commit, r.keyId);
    case 'history-unread':
      return messages.firstUseWhy.historyUnread(file, r.why);
    case 'unresolved':
      return messages.firstUseWhy.unresolved(r.keyId, r.why);
    case 'kms':
      return messages.firstUseWhy.kms(r.why);
  }
}

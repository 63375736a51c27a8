/** One line of pre-push's standard input: `<local ref> <local sha> <remote ref> <remote sha>`. */
export interface PushUpdate {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

/** A pushed ref line with the commit its local object names (undefined for a deletion or an object that is no commit). */
export type ResolvedUpdate = PushUpdate & { commit: string | undefined };

export function parsePushLines(text: string): PushUpdate[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((parts) => parts.length === 4)
    .map(([localRef, localSha, remoteRef, remoteSha]) => ({
      localRef: localRef!,
      localSha: localSha!,
      remoteRef: remoteRef!,
      remoteSha: remoteSha!,
    }));
}

import type { FileReport } from '../../core/report.js';
import { messages } from '../../messages.js';

export const short = (oid: string | undefined) => (oid ?? '').slice(0, 12);

/** DESIGN 3, rule 3: how each file's state is named to the user. */
export function stateText(file: FileReport): string {
  switch (file.state) {
    case 'ok':
      return 'ok';
    case 'modified':
      if (file.revertsTo) return messages.revertsTo(file.signedCommit ?? '', file.revertsTo);
      if (file.mode) return messages.modeChanged(file.signedCommit ?? '', file.mode.now, file.mode.signed);
      return `modified since ${short(file.signedCommit)}`;
    case 'unsigned':
      return 'not signed';
    case 'missing':
      return file.behindSymlink ? messages.behindSymlink(file.behindSymlink) : 'signed but missing';
    case 'local':
      return 'local, will be signed on push';
    case 'submodule':
      return 'submodule, cannot be signed';
    case 'replaced':
      return `replaced by ${file.replacedBy ?? 'a replace ref'}, checkout writes other bytes`;
  }
}

/** "a record on <commit>", or "1500 records on <commit>" for a rejection that stands for several. */
export const recordsOn = (r: { commit: string; count?: number }) =>
  (r.count ?? 1) > 1 ? `${r.count} records on ${short(r.commit)}` : `a record on ${short(r.commit)}`;

export { isFailure } from '../../core/compare.js';

import type { FileReport } from '../../core/report.js';

export const short = (oid: string | undefined) => (oid ?? '').slice(0, 12);

/** DESIGN 3, rule 3: how each file's state is named to the user. */
export function stateText(file: FileReport): string {
  switch (file.state) {
    case 'ok':
      return 'ok';
    case 'modified':
      return `modified since ${short(file.signedCommit)}`;
    case 'unsigned':
      return 'not signed';
    case 'missing':
      return 'signed but missing';
    case 'local':
      return 'local, will be signed on push';
    case 'submodule':
      return 'submodule, cannot be signed';
    case 'replaced':
      return `replaced by ${file.replacedBy ?? 'a replace ref'}, checkout writes other bytes`;
  }
}

export { isFailure } from '../../core/compare.js';

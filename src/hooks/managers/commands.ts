import { render } from '../../figures.js';
import { messages } from '../../messages.js';

/**
 * The command a hook manager runs for a kmssig hook (managers run their
 * commands from the repository root). Where kmssig's guard ran first
 * (KMSSIG_GUARDED) it does nothing. Otherwise it runs the kmssig fixed at
 * install (the launcher in the git directory, DESIGN 3.4 item 6); in a clone
 * set up through the manager alone, where kmssig never ran, it starts the
 * npm-installed kmssig once — never when the repository tracks anything under
 * node_modules, which git would have written over npm's files — or one on
 * PATH, and that run fixes itself in the git directory and puts the guard in
 * front. With none of them the command fails, so a push is blocked rather
 * than left unsigned.
 */
export const FIND_KMSSIG =
  'k="$(git rev-parse --git-common-dir)/kmssig-bin/kmssig"; ' +
  '[ -x "$k" ] || { [ -z "$(git ls-files -- \':(glob)**/node_modules/**\' | head -n 1)" ] && k=node_modules/.bin/kmssig; }; ' +
  `[ -x "$k" ] || k=$(command -v kmssig) || { echo "${render(messages.shNotSetUp())}" >&2; exit 1; };`;
const UNGUARDED = '[ "${KMSSIG_GUARDED:-}" = 1 ] ||';

/** sh text, with the hook's arguments as "$@" (simple-git-hooks writes it into the hook file itself). */
export const shCommand = (hook: string) => `${UNGUARDED} { ${FIND_KMSSIG} "$k" hook ${hook} "$@"; }`;

/** lefthook: git's arguments are {1}, {2}, ...; standard input comes with use_stdin. */
export const LEFTHOOK_ARGS: Record<string, string> = {
  'pre-push': '{1} {2}',
  'post-merge': '{1}',
  'post-checkout': '{1} {2} {3}',
  'post-rewrite': '{1}',
};
export const lefthookCommand = (hook: string) =>
  `${UNGUARDED} { ${FIND_KMSSIG} "$k" hook ${hook} ${LEFTHOOK_ARGS[hook] ?? ''}; }`.replace(' ; }', '; }');

const Z40 = '0'.repeat(40);

/**
 * The pre-commit framework reads git's standard input itself and hands a hook
 * only environment variables: for pre-push, the first pushed ref with new
 * commits (pre_commit/commands/hook_impl.py, _pre_push_ns). kmssig gets that
 * one ref line rebuilt from them.
 */
const PRE_COMMIT_ARGS: Record<string, string> = {
  'pre-push':
    `printf "%s %s %s %s\\n" "$PRE_COMMIT_LOCAL_BRANCH" "\${PRE_COMMIT_TO_REF:-$(git rev-parse --verify -q "$PRE_COMMIT_LOCAL_BRANCH")}" ` +
    `"$PRE_COMMIT_REMOTE_BRANCH" "\${PRE_COMMIT_FROM_REF:-${Z40}}" | "$k" hook pre-push "$PRE_COMMIT_REMOTE_NAME" "$PRE_COMMIT_REMOTE_URL"`,
  'post-merge': '"$k" hook post-merge "$PRE_COMMIT_IS_SQUASH_MERGE"',
  'post-checkout': '"$k" hook post-checkout "$PRE_COMMIT_FROM_REF" "$PRE_COMMIT_TO_REF" "$PRE_COMMIT_CHECKOUT_TYPE"',
  'post-rewrite': '"$k" hook post-rewrite "$PRE_COMMIT_REWRITE_COMMAND"',
};
export const preCommitScript = (hook: string) => `${UNGUARDED} { ${FIND_KMSSIG} ${PRE_COMMIT_ARGS[hook]}; }`;

/** Whether a manager's command text runs kmssig for this hook. */
export const runsKmssig = (text: string, hook: string) => new RegExp(`"\\$k" hook ${hook}\\b|kmssig hook ${hook}\\b`).test(text);
